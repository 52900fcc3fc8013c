"""``oppkobling ar sync`` and ``ar import`` end to end, against a stand-in for NHN's API on
127.0.0.1 that this test starts (must show 3): exactly the mirrored files, idempotent; a party AR
does not have is a finding-grade message; 401, 500, a timeout or a body cut short is one line,
exit 1, and nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from ar import edits
from ar.server import TOKEN, ArServer, Fault
from conftest import REPO, Repo
from rules.rulecases import SHARED_AR, shipped

from pipeline.ar.paths import Entry, Kind

BINDAL = 8180001
STJORDAL = 8170001


def snapshot_of(root: Path) -> dict[str, bytes]:
    base = root / "partners" / "ar"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def mtimes(root: Path) -> dict[str, int]:
    return {p: (root / p).stat().st_mtime_ns for p in snapshot_of(root)}


@pytest.fixture
def ar_now() -> dict[str, bytes]:
    """AR as it is now: the committed snapshot, with Stjørdal's signing certificate renewed."""
    files = edits.reissue(dict(shipped()), STJORDAL, Kind.SIGNING, not_after="2031-01-31")
    return {p: b for p, b in files.items() if p.startswith("partners/ar/")}


@pytest.fixture
def server(ar_now: dict[str, bytes]) -> Iterator[ArServer]:
    with ArServer(ar_now) as running:
        yield running


def sync(repo: Repo, server: ArServer, *args: str, token: str = TOKEN) -> tuple[int, str, str]:
    result = repo.run("ar", "sync", "--base-url", server.base_url, *args, env={"OPPKOBLING_AR_TOKEN": token})
    return result.code, result.out, result.err


def test_sync_writes_what_changed_in_ar_and_a_second_run_changes_nothing(
    repo: Repo, server: ArServer, ar_now: dict[str, bytes]
) -> None:
    before = snapshot_of(repo.root)
    code, out, err = sync(repo, server, "--all-declared")
    assert code == 0, err
    changed = sorted(p for p in ar_now if before.get(p) != ar_now[p])
    assert changed == [Entry(STJORDAL, Kind.SIGNING).path, Entry(STJORDAL, Kind.PARTY).path]
    assert snapshot_of(repo.root) == ar_now  # exactly the mirrored files, byte for byte
    for path in changed:
        assert f"  wrote {path}" in out
    # Bindal is declared but not in AR: a finding-grade message, not an error.
    missing = f"partners/ar/communicationparty/{BINDAL}.json: warning: HER-id {BINDAL} is not in NHN's AR (404)"
    assert f"{missing}: the snapshot holds nothing" in out
    assert "2 written, 0 removed, 25 unchanged" in out
    assert "run 'oppkobling build'" in out
    stamps = mtimes(repo.root)
    code, out, _ = sync(repo, server, "--all-declared")
    assert code == 0 and "0 written, 0 removed, 27 unchanged" in out
    assert "run 'oppkobling build'" not in out
    assert mtimes(repo.root) == stamps  # nothing rewritten
    # The renewed certificate is what the next build puts into Stjørdal's agreements.
    assert repo.run("build", "--today", "2026-11-26").code == 0
    cpa = (repo.root / "generated/st-olavs/cpa/5035-8170001.xml").read_text()
    body = json.loads(ar_now[Entry(STJORDAL, Kind.SIGNING).path])
    assert body["certificateValue"] in cpa


def test_sync_of_named_her_ids_touches_only_those(repo: Repo, server: ArServer) -> None:
    server.answer(Entry(9990001, Kind.PARTY).api_path, None)  # St. Olavs gone from AR: not asked for
    code, out, _ = sync(repo, server, str(STJORDAL), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["written"] == [Entry(STJORDAL, Kind.SIGNING).path, Entry(STJORDAL, Kind.PARTY).path]
    assert doc["not_in_ar"] == [] and doc["removed"] == []
    assert (repo.root / Entry(9990001, Kind.PARTY).path).exists()


def test_a_party_gone_from_ar_loses_its_files(repo: Repo, server: ArServer) -> None:
    server.answer(Entry(STJORDAL, Kind.PARTY).api_path, None)
    code, out, _ = sync(repo, server, str(STJORDAL))
    assert code == 0
    assert [e for e in (Entry(STJORDAL, k) for k in Kind) if (repo.root / e.path).exists()] == []
    assert "3 removed" in out.replace("0 written, ", "")
    validate = repo.run("validate", "--today", "2026-11-26")
    assert "HER-id 8170001: not in the AR snapshot yet" in validate.out  # R-K3 says it, at the declaration


@pytest.mark.parametrize(
    ("fault", "args", "said"),
    [
        (None, ("--timeout", "5"), "NHN's AR answered 401 Unauthorized for POST"),
        (Fault(status=500), ("--timeout", "5"), "NHN's AR answered 500 Internal Server Error for GET"),
        (Fault(delay=1.0), ("--timeout", "0.2"), "did not answer GET"),
        (Fault(truncate=True), ("--timeout", "5"), "was cut short"),
    ],
    ids=["401", "500", "timeout", "truncated"],
)
def test_a_failing_ar_is_one_line_exit_1_and_nothing_written(
    repo: Repo, server: ArServer, fault: Fault | None, args: tuple[str, ...], said: str
) -> None:
    before = snapshot_of(repo.root), mtimes(repo.root)
    if fault is not None:
        server.fault(Entry(STJORDAL, Kind.SIGNING).api_path, fault)  # the others answer well
    code, out, err = sync(repo, server, "--all-declared", *args, token=TOKEN if fault else "wrong-token")
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("oppkobling: error: ") and said in lines[0], err
    assert "Traceback" not in err and TOKEN not in err
    assert (snapshot_of(repo.root), mtimes(repo.root)) == before
    assert not list(repo.root.glob(".oppkobling-ar-*"))  # no staging left behind


def test_no_token_and_no_her_ids_are_plain_errors(repo: Repo, server: ArServer) -> None:
    result = repo.run("ar", "sync", "--all-declared", "--base-url", server.base_url, env={"OPPKOBLING_AR_TOKEN": ""})
    assert result.code == 1 and "gave an empty token" in result.err
    result = repo.run("ar", "sync", "--base-url", server.base_url, env={"OPPKOBLING_AR_TOKEN": TOKEN})
    assert result.code == 2 and "name the HER-ids to sync, or give --all-declared" in result.err
    result = repo.run("ar", "sync", "1", "--base-url", "http://ar.example", env={"OPPKOBLING_AR_TOKEN": TOKEN})
    assert result.code == 1 and "plain http only to this machine" in result.err


def test_the_token_can_come_from_a_command(repo: Repo, server: ArServer, tmp_path: Path) -> None:
    script = tmp_path / "token.py"
    script.write_text(f"print({TOKEN!r})\n")
    import sys

    result = repo.run(
        "ar",
        "sync",
        str(STJORDAL),
        "--base-url",
        server.base_url,
        "--token-command",
        f"{sys.executable} {script}",
        env={"OPPKOBLING_AR_TOKEN": "not-this-one"},
    )
    assert result.code == 0, result.err
    assert all(r.authorised for r in server.requests())


def test_import_places_exported_files_and_refuses_a_broken_one(repo: Repo, tmp_path: Path) -> None:
    legacy = SHARED_AR / "CommunicationDetailsRest_8141705.json"
    if not legacy.is_file():
        pytest.fail(f"{legacy} is missing: the AR tests read NHN's files from ../shared/standards/ar/")
    export = tmp_path / "export"
    (export / "communicationparty" / "8141705").mkdir(parents=True)
    (export / "communicationparty" / "8141705" / "legacy.json").write_bytes(legacy.read_bytes())
    result = repo.run("ar", "import", str(export))
    assert result.code == 0, result.out + result.err
    assert "  wrote partners/ar/communicationparty/8141705/legacy.json" in result.out
    placed = (repo.root / "partners/ar/communicationparty/8141705/legacy.json").read_text()
    assert placed == json.dumps(json.loads(legacy.read_bytes()), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    before = snapshot_of(repo.root)
    broken = export / "certificate" / "8170001" / "signing.json"
    broken.parent.mkdir(parents=True)
    broken.write_text('{\n  "thumbprint": "AB",\n  "certificateValue": "not base64!"\n}\n')
    result = repo.run("ar", "import", str(export))
    assert result.code == 1
    assert f"{broken.as_posix()}:" in result.out and "nothing written: 1 file(s) refused" in result.out
    assert snapshot_of(repo.root) == before
    assert REPO.joinpath("partners/ar/communicationparty/8141705").exists() is False  # the real repository
