"""Sync and import: exactly the mirrored files, idempotent, nothing half-written."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ar.conftest import LEGACY_FILE, shared_ar
from ar.server import TOKEN, ArServer, Fault
from pipeline.ar import jsontext, mirror, snapshot
from pipeline.ar.auth import Secret
from pipeline.ar.client import Client, Settings
from pipeline.ar.paths import Entry, Kind
from pipeline.errors import ArError

BINDAL = 8180001  # ordered, not in AR
STJORDAL = 8170001


def her_ids(files: dict[str, bytes]) -> list[int]:
    return sorted({int(p.split("/")[3].removesuffix(".json")) for p in files if "/communicationparty/" in p})


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``root``, with its content and mtime (ns)."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "partners" / "kommuner").mkdir(parents=True)
    (tmp_path / "partners" / "kommuner" / "5035-stjordal.yaml").write_text("kommune: '5035'\n")
    return tmp_path


@pytest.fixture
def server(example_files: dict[str, bytes]) -> Iterator[ArServer]:
    with ArServer(example_files) as running:
        yield running


def client(server: ArServer, **settings: float) -> Client:
    fast = {"read_timeout": 0.5, "backoff": 0.0, "attempts": 2, **settings}
    return Client(Secret(TOKEN), Settings(base_url=server.base_url, **fast))


def test_sync_writes_exactly_the_mirrored_files(repo: Path, server: ArServer, example_files: dict[str, bytes]) -> None:
    with client(server) as c:
        outcome = mirror.sync(repo, [*her_ids(example_files), BINDAL], c)
    assert outcome.not_in_ar == (BINDAL,)
    assert outcome.without_certificate == ()
    assert outcome.written == tuple(sorted(example_files))
    on_disk = {p: content for p, (content, _) in tree(repo).items()}
    # The server sent compact JSON; what is written is the canonical form, byte for byte what
    # the example files are, and nothing else (no staging left, the declaration untouched).
    assert on_disk == {**example_files, "partners/kommuner/5035-stjordal.yaml": b"kommune: '5035'\n"}
    assert snapshot.read(example_files).problems == ()


def test_a_second_sync_changes_nothing(repo: Path, server: ArServer, example_files: dict[str, bytes]) -> None:
    with client(server) as c:
        mirror.sync(repo, her_ids(example_files), c)
        before = tree(repo)
        again = mirror.sync(repo, her_ids(example_files), c)
    assert not again.changed
    assert again.unchanged == tuple(sorted(example_files))
    assert tree(repo) == before  # same bytes, same mtimes: nothing was rewritten


def test_what_changed_in_ar_and_only_that(repo: Path, server: ArServer, example_files: dict[str, bytes]) -> None:
    with client(server) as c:
        mirror.sync(repo, her_ids(example_files), c)
        before = tree(repo)
        party = json.loads(example_files[Entry(STJORDAL, Kind.PARTY).path])
        party["ediAddress"] = "stjordal-ny@edi.nhn.no"
        server.answer(Entry(STJORDAL, Kind.PARTY).api_path, party)
        server.answer(Entry(STJORDAL, Kind.SIGNING).api_path, None)  # AR has no signing certificate now
        server.answer(Entry(8150002, Kind.PARTY).api_path, None)  # the party is gone from AR
        outcome = mirror.sync(repo, her_ids(example_files), c)
    gone = {e.path for e in (Entry(8150002, Kind.PARTY), Entry(8150002, Kind.SIGNING), Entry(8150002, Kind.ENCRYPTION))}
    assert outcome.written == (Entry(STJORDAL, Kind.PARTY).path,)
    assert set(outcome.removed) == gone | {Entry(STJORDAL, Kind.SIGNING).path}
    assert outcome.not_in_ar == (8150002,)
    assert outcome.without_certificate == (Entry(STJORDAL, Kind.SIGNING),)
    after = tree(repo)
    assert json.loads(after[Entry(STJORDAL, Kind.PARTY).path][0])["ediAddress"] == "stjordal-ny@edi.nhn.no"
    assert not (repo / "partners/ar/certificate/8150002").exists()  # no empty folder left behind
    untouched = set(before) - gone - {Entry(STJORDAL, Kind.PARTY).path, Entry(STJORDAL, Kind.SIGNING).path}
    assert {p: after[p] for p in untouched} == {p: before[p] for p in untouched}


def test_new_parties_join_the_folders_there_are(repo: Path, server: ArServer, example_files: dict[str, bytes]) -> None:
    """A first sync moves new folders in whole; a later one with new parties puts their files
    into the folders the snapshot has and their own new folders beside the others."""
    everyone = her_ids(example_files)
    with client(server) as c:
        mirror.sync(repo, everyone[::2], c)
        before = tree(repo)
        outcome = mirror.sync(repo, everyone, c)
    after = tree(repo)
    assert {p: content for p, (content, _) in after.items() if p.startswith("partners/ar/")} == example_files
    assert {p: after[p] for p in before} == before  # the first ones' files were not rewritten
    assert set(outcome.written) == set(example_files) - set(before)
    assert [p.name for p in repo.iterdir() if p.name.startswith(mirror.STAGING_PREFIX)] == []


def test_only_the_her_ids_asked_for(repo: Path, server: ArServer, example_files: dict[str, bytes]) -> None:
    with client(server) as c:
        mirror.sync(repo, her_ids(example_files), c)
        server.answer(Entry(9990001, Kind.PARTY).api_path, None)
        outcome = mirror.sync(repo, [STJORDAL], c)
    assert not outcome.changed
    assert (repo / Entry(9990001, Kind.PARTY).path).is_file()


def test_a_v1_answer_replaces_a_legacy_file(repo: Path, server: ArServer, example_files: dict[str, bytes]) -> None:
    legacy = repo / Entry(STJORDAL, Kind.LEGACY).path
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"{}")
    with client(server) as c:
        outcome = mirror.sync(repo, [STJORDAL], c)
    assert Entry(STJORDAL, Kind.LEGACY).path in outcome.removed
    assert not legacy.parent.exists()


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault(status=401), "401 Unauthorized"),
        (Fault(status=500), "500 Internal Server Error"),
        (Fault(delay=2.0), "did not answer"),
        (Fault(truncate=True), "cut short"),
    ],
)
def test_nothing_half_written(
    repo: Path, server: ArServer, example_files: dict[str, bytes], fault: Fault, expected: str
) -> None:
    with client(server) as c:
        mirror.sync(repo, her_ids(example_files), c)
    before = tree(repo)
    # Every party changed in AR, and the very last answer fails.
    for her_id in her_ids(example_files):
        party = json.loads(example_files[Entry(her_id, Kind.PARTY).path])
        party["name"] += " (endret)"
        server.answer(Entry(her_id, Kind.PARTY).api_path, party)
    server.fault(Entry(max(her_ids(example_files)), Kind.ENCRYPTION).api_path, fault)
    with client(server) as c, pytest.raises(ArError, match=expected):
        mirror.sync(repo, her_ids(example_files), c)
    assert tree(repo) == before


def test_an_answer_that_does_not_fit_the_shape_writes_nothing(repo: Path, server: ArServer) -> None:
    server.answer(Entry(STJORDAL, Kind.PARTY).api_path, {"herId": STJORDAL, "type": "Service"})
    with client(server) as c, pytest.raises(ArError) as exc:
        mirror.sync(repo, [STJORDAL], c)
    assert str(exc.value) == (
        f"NHN's AR's answer to POST {server.base_url}/api/v1/communicationparty does not fit the API's shape "
        f"(partners/ar/communicationparty/{STJORDAL}.json:1:1: required field 'amqpTransportStatus' is missing)"
    )
    assert not (repo / "partners" / "ar").exists()


def test_the_snapshot_is_written_only_inside_the_repository(
    repo: Path, server: ArServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (repo / "partners" / "ar").symlink_to(outside, target_is_directory=True)
    with client(server) as c, pytest.raises(ArError, match="symbolic link"):
        mirror.sync(repo, [STJORDAL], c)
    assert list(outside.iterdir()) == []
    assert [p.name for p in repo.iterdir() if p.name.startswith(mirror.STAGING_PREFIX)] == []


def _export(directory: Path, files: dict[str, bytes]) -> None:
    """Files as someone exported them by hand: compact, keys in another order."""
    for path, raw in files.items():
        target = directory / path.removeprefix("partners/ar/")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = json.loads(raw)
        target.write_text(json.dumps(dict(reversed(list(data.items())))), encoding="utf-8")


def test_import_places_files_canonically(repo: Path, tmp_path: Path, example_files: dict[str, bytes]) -> None:
    exported = tmp_path / "export"
    chosen = {p: b for p, b in example_files.items() if str(STJORDAL) in p}
    _export(exported, chosen)
    legacy = exported / "communicationparty/8141705/legacy.json"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(shared_ar(LEGACY_FILE).read_bytes())
    outcome = mirror.import_directory(repo, exported)
    assert outcome.problems == ()
    assert outcome.written == tuple(sorted([*chosen, "partners/ar/communicationparty/8141705/legacy.json"]))
    for path, raw in chosen.items():
        assert (repo / path).read_bytes() == raw
    placed = (repo / "partners/ar/communicationparty/8141705/legacy.json").read_bytes()
    assert placed == jsontext.dump(json.loads(shared_ar(LEGACY_FILE).read_bytes()))
    before = tree(repo)
    assert not mirror.import_directory(repo, exported).changed
    assert tree(repo) == before


def test_import_refuses_bad_files_and_writes_nothing(
    repo: Path, tmp_path: Path, example_files: dict[str, bytes]
) -> None:
    exported = tmp_path / "export"
    _export(exported, {p: b for p, b in example_files.items() if str(STJORDAL) in p})
    (exported / "communicationparty/8170001.json").write_text('{"herId": 8170002,\n "type": "Service"}')
    (exported / "certificate/8170001/auth.json").write_text("{}")
    (exported / "README.txt").write_text("exported 2026-11-20")
    (exported / "link.json").symlink_to(exported / "README.txt")
    outcome = mirror.import_directory(repo, exported)
    shown = [(Path(p.path).relative_to(exported).as_posix(), p.line, p.column, p.message) for p in outcome.problems]
    expected = [
        ("README.txt", 1, 1, "not a place of an AR answer; expected"),
        ("certificate/8170001/auth.json", 1, 1, "not a place of an AR answer; expected"),
        ("communicationparty/8170001.json", 1, 1, "required field 'amqpTransportStatus' is missing"),
        ("link.json", 1, 1, "not a regular file (a link, pipe or device) is refused"),
    ]
    assert [s[:3] for s in shown] == [e[:3] for e in expected]
    assert all(s[3].startswith(e[3]) for s, e in zip(shown, expected, strict=True)), shown
    assert f"{exported.as_posix()}/communicationparty/<herId>.json" in shown[0][3]
    assert not (repo / "partners" / "ar").exists()


def test_import_replaces_the_other_shape(repo: Path, tmp_path: Path, example_files: dict[str, bytes]) -> None:
    legacy = repo / Entry(8141705, Kind.LEGACY).path
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(shared_ar(LEGACY_FILE).read_bytes())
    exported = tmp_path / "export"
    party = json.loads(example_files[Entry(STJORDAL, Kind.PARTY).path]) | {"herId": 8141705}
    (exported / "communicationparty").mkdir(parents=True)
    (exported / "communicationparty/8141705.json").write_bytes(jsontext.dump(party))
    outcome = mirror.import_directory(repo, exported)
    assert outcome.removed == (Entry(8141705, Kind.LEGACY).path,)
    assert outcome.written == (Entry(8141705, Kind.PARTY).path,)
    assert not legacy.exists()


def test_import_from_a_missing_directory(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ArError, match="is not a directory"):
        mirror.import_directory(repo, tmp_path / "nope")


def test_staging_is_inside_the_repository(repo: Path, server: ArServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same file system as the snapshot, so each move is an atomic rename; and gone afterwards."""
    seen: list[str] = []

    def spying(original: Callable[[str, str], None]) -> Callable[[str, str], None]:
        def spy(src: str, dst: str) -> None:
            seen.append(os.fspath(src))
            original(src, dst)

        return spy

    monkeypatch.setattr(os, "replace", spying(os.replace))
    monkeypatch.setattr(os, "rename", spying(os.rename))
    with client(server) as c:
        mirror.sync(repo, [STJORDAL], c)
    assert seen and all(Path(s).relative_to(repo).parts[0].startswith(".oppkobling-ar-") for s in seen)
    assert [p.name for p in repo.iterdir()] == ["partners"]
