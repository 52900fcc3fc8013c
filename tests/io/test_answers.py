"""The quick path (issue 18, Must show 3): a ``validate`` or ``check`` whose inputs are what they
were is answered from the cache without importing pydantic, lxml or ruamel -- and any change to
what the answer depends on makes it run again."""

from __future__ import annotations

import io
import marshal
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TODAY, Repo, xsd_dir

from pipeline.io import answers, cache

FILE = "partners/kommuner/1505-kristiansund.yaml"
HEAVY = ("pydantic", "lxml", "ruamel", "yaml", "jinja2", "jsonschema_rs")
# Standard modules that cost the quick path more than answering does (dataclasses brings inspect,
# ast, dis and tokenize): the benchmark's "validate FILE, nothing changed / import" is made of them.
# json: the answers are marshal's (a builtin), json's decoder and encoder were 1.2-1.8 ms of it.
SLOW_STDLIB = ("dataclasses", "inspect", "gettext", "typing", "_hashlib", "json")  # _hashlib: OpenSSL


def run(repo: Repo, *args: str, importtime: bool = False) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """``python [-X importtime] -m pipeline ARGS`` in the repository; with the modules it imported."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["OPPKOBLING_XSD_DIR"] = str(xsd_dir())
    flags = ["-X", "importtime"] if importtime else []
    proc = subprocess.run(
        [sys.executable, *flags, "-m", "pipeline", *args],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    imported = set()
    stderr = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:"):
            imported.add(line.rsplit("|", 1)[-1].strip())
        else:
            stderr.append(line)
    proc.stderr = "\n".join(stderr)
    return proc, imported


def heavy(imported: set[str]) -> list[str]:
    return sorted(m for m in imported if m.split(".")[0] in HEAVY)


def settle(repo: Repo) -> None:
    """Age every input past the settled margin, as an editor's files are minutes later."""
    old = time.time() - 60
    for base in ("partners", "generated"):
        for p in (repo.root / base).rglob("*"):
            os.utime(p, (old, old), follow_symlinks=False)


def test_validate_file_on_an_unchanged_repository_imports_neither_pydantic_nor_lxml(repo: Repo) -> None:
    first, imported = run(repo, "validate", "--today", TODAY, FILE, importtime=True)
    assert first.returncode == 0, first.stderr
    assert "pydantic" in {m.split(".")[0] for m in imported}  # the first run did the work
    again, imported = run(repo, "validate", "--today", TODAY, FILE, importtime=True)
    assert heavy(imported) == []
    assert "pipeline.cli.main" not in imported  # not even argparse and the command table
    assert sorted(imported & set(SLOW_STDLIB)) == []
    assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr)
    assert FILE in again.stdout  # the answer is the findings about the file, not an empty report


def test_check_on_an_unchanged_repository_imports_neither_pydantic_nor_lxml(repo: Repo) -> None:
    assert run(repo, "build", "--today", TODAY)[0].returncode == 0
    first, _ = run(repo, "check", "--today", TODAY)
    assert first.returncode == 0, first.stderr
    again, imported = run(repo, "check", "--today", TODAY, importtime=True)
    assert heavy(imported) == []
    assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr)


def test_a_changed_input_is_never_answered_from_the_cache(repo: Repo) -> None:
    settle(repo)
    run(repo, "validate", "--today", TODAY, FILE)
    # The file itself: the new finding shows (a malformed YAML document is S1).
    repo.edit(FILE, "kommune:", "kommune: [")
    edited, imported = run(repo, "validate", "--today", TODAY, FILE, importtime=True)
    assert edited.returncode == 1 and "S1" in edited.stdout
    assert "pydantic" in {m.split(".")[0] for m in imported}


def test_another_declaration_or_this_files_ar_record_changes_the_answer(repo: Repo) -> None:
    settle(repo)
    base, _ = run(repo, "validate", "--today", TODAY, FILE)
    # Another kommune takes one of this file's HER-ids: S3 may now be about this file.
    other = "partners/kommuner/5001-trondheim.yaml"
    text = repo.path(other).read_text("utf-8")
    repo.path(other).write_text(text + "\n# touched\n", "utf-8")
    _, imported = run(repo, "validate", "--today", TODAY, FILE, importtime=True)
    assert "pydantic" in {m.split(".")[0] for m in imported}
    # The AR record of one of its parties (R-K3 reads it): run again.
    settle(repo)
    run(repo, "validate", "--today", TODAY, FILE)
    ar = repo.path("partners/ar/certificate/8160101/signing.json")
    ar.write_bytes(ar.read_bytes() + b"\n")
    _, imported = run(repo, "validate", "--today", TODAY, FILE, importtime=True)
    assert "pydantic" in {m.split(".")[0] for m in imported}
    assert base.returncode == 0


def test_other_parties_ar_records_do_not_concern_one_files_answer(repo: Repo) -> None:
    """validate FILE reads all of partners/, but its answer depends on its own parties' AR files
    (and the HFs'): editing another kommune's AR record still answers from the cache."""
    settle(repo)
    run(repo, "validate", "--today", TODAY, FILE)
    mine = set(repo.path(FILE).read_text("utf-8").split())
    others = [p for p in sorted((repo.root / "partners/ar/communicationparty").glob("*.json")) if p.stem not in mine]
    hf_her_ids = {line.split(":")[1].strip() for line in _hf_lines(repo)}
    other = next(p for p in others if p.stem not in hf_her_ids)
    other.write_bytes(other.read_bytes() + b"\n")
    _, imported = run(repo, "validate", "--today", TODAY, FILE, importtime=True)
    assert heavy(imported) == [], other
    # ... while a full validate sees it.
    _, imported = run(repo, "validate", "--today", TODAY, importtime=True)
    assert "pydantic" in {m.split(".")[0] for m in imported}


def _hf_lines(repo: Repo) -> list[str]:
    return [
        line
        for p in sorted((repo.root / "partners/helseforetak").glob("*.yaml"))
        for line in p.read_text("utf-8").splitlines()
        if line.startswith("her_id:")
    ]


def test_a_changed_generated_file_makes_check_run(repo: Repo) -> None:
    assert run(repo, "build", "--today", TODAY)[0].returncode == 0
    settle(repo)
    assert run(repo, "check", "--today", TODAY)[0].returncode == 0
    status = repo.path("generated/STATUS.md")
    status.write_text(status.read_text("utf-8") + "hand edit\n", "utf-8")
    found, imported = run(repo, "check", "--today", TODAY, importtime=True)
    assert found.returncode == 1 and "L4" in found.stdout
    assert "pydantic" in {m.split(".")[0] for m in imported}


def test_another_day_or_other_arguments_are_another_answer(repo: Repo) -> None:
    run(repo, "validate", "--today", TODAY, FILE)
    _, imported = run(repo, "validate", "--today", "2026-11-27", FILE, importtime=True)
    assert "pydantic" in {m.split(".")[0] for m in imported}
    _, imported = run(repo, "validate", "--today", TODAY, "--format", "json", FILE, importtime=True)
    assert "pydantic" in {m.split(".")[0] for m in imported}


# -- the recording, in this process ----------------------------------------------------------------


def record(root: Path, argv: list[str], *, edit_during: bool = False, day: tuple[int, int] | None = None) -> None:
    os.chdir(root)
    with answers.recording(argv):
        answers.reads(root / "partners")
        if day:
            answers.holds_for(*day)
        print("the answer")
        if edit_during:
            (root / FILE).write_text((root / FILE).read_text("utf-8") + "# saved meanwhile\n", "utf-8")
        answers.finished(0)


def replayed(argv: list[str]) -> str | None:
    out = io.StringIO()
    code = answers.replay(argv, out, io.StringIO())
    return None if code is None else out.getvalue()


@pytest.fixture
def here(repo: Repo) -> object:
    before = Path.cwd()
    yield repo
    os.chdir(before)


def test_an_edit_while_the_command_ran_is_not_remembered(here: Repo) -> None:
    record(here.root, ["validate", "x"], edit_during=True)
    assert replayed(["validate", "x"]) is None
    record(here.root, ["validate", "x"])
    assert replayed(["validate", "x"]) == "the answer\n"


def test_an_answer_for_today_expires_with_the_day(here: Repo) -> None:
    now = time.time_ns()
    record(here.root, ["validate", "today"], day=(now - 10**9, now + 3600 * 10**9))
    assert replayed(["validate", "today"]) == "the answer\n"
    record(here.root, ["validate", "yesterday"], day=(now - 86400 * 10**9, now - 10**9))
    assert replayed(["validate", "yesterday"]) is None


def test_a_command_that_failed_or_said_nothing_of_its_inputs_is_not_remembered(here: Repo) -> None:
    os.chdir(here.root)
    with answers.recording(["validate", "failed"]):
        answers.reads(here.root / "partners")
        print("half an answer")  # no finished(): an error was raised
    assert replayed(["validate", "failed"]) is None
    with answers.recording(["validate", "blind"]):
        print("an answer about nothing")
        answers.finished(0)
    assert replayed(["validate", "blind"]) is None


def test_a_planted_or_tampered_entry_is_not_believed(here: Repo) -> None:
    record(here.root, ["validate", "x"])
    [entry] = (here.root / ".oppkobling-cache").glob("answer-*.json")
    mac, _, payload = entry.read_bytes().partition(b"\n")
    entry.write_bytes(mac + b"\n" + payload.replace(b"the answer", b"all is fine"))
    assert replayed(["validate", "x"]) is None


def test_a_signed_entry_that_is_not_an_answer_is_a_miss(here: Repo) -> None:
    """Signed (so decoded) but not what replay reads: truncated marshal, another type, no fields."""
    record(here.root, ["validate", "z"])
    [entry] = (here.root / ".oppkobling-cache").glob("answer-*.json")
    name = entry.stem.removeprefix("answer-")
    store = cache.Cache.open(here.root)
    assert store is not None
    good = store.get_bytes(answers.KIND, name)
    assert good is not None and replayed(["validate", "z"]) is not None
    for payload in (good[: len(good) // 2], b"\xff\x00garbage", marshal.dumps([1, 2]), marshal.dumps({"day": None})):
        store.put_bytes(answers.KIND, name, payload)
        assert replayed(["validate", "z"]) is None, payload[:20]


def test_a_file_rewritten_with_the_same_stat_is_seen_by_its_content(here: Repo) -> None:
    """Just written (not settled): the recorded look is by content, so a same-size rewrite within
    the file system's time granularity is still a change."""
    target = here.root / FILE
    target.write_text(target.read_text("utf-8"), "utf-8")
    info = target.stat()
    record(here.root, ["validate", "y"])
    text = target.read_text("utf-8")
    target.write_text(text.replace("kommune:", "kommune!", 1), "utf-8")
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert replayed(["validate", "y"]) is None
    assert cache.enabled()


# -- the reader's record as the look ---------------------------------------------------------------


def _recorded(root: Path) -> answers._Read | None:
    from pipeline.io import partners

    os.chdir(root)
    with answers.recording(["validate", "recorded"]) as rec:
        answers.read_as_recorded(root / "partners", partners.read_tree(root).tree or {})
        answers.finished(0)
    return rec.read[0] if rec.replayable else None


@pytest.mark.parametrize("odd", ["none", "backup", "link", "fifo", "fresh"])
def test_the_readers_record_gives_the_look_a_walk_would_take(here: Repo, odd: str) -> None:
    """A full validate keeps the reader's record of partners/ as what its answer is of: that
    record must describe partners/ line for line as a walk does (settled files by stat, just
    written ones by content, entries refused unread as they are), so that replay compares alike."""
    settle(here)
    partners_dir = here.root / "partners"
    if odd == "backup":
        (partners_dir / "kommuner" / "x.yaml~").write_text("old", "utf-8")
    elif odd == "link":
        (partners_dir / "kommuner" / "link.yaml").symlink_to(here.root / FILE)
    elif odd == "fifo":
        os.mkfifo(partners_dir / "kommuner" / "pipe.yaml")
    elif odd == "fresh":  # just written: described by its content
        (here.root / FILE).write_text((here.root / FILE).read_text("utf-8") + "\n", "utf-8")
    read = _recorded(here.root)
    assert read is not None and read.exact
    walked = answers._look([str(partners_dir.absolute())], [])
    assert read.digest == walked.digest()
    assert sorted(read.unsettled) == sorted(walked.unsettled)
    assert replayed(["validate", "recorded"]) == ""  # kept, and answered while nothing changed
    (here.root / FILE).write_text((here.root / FILE).read_text("utf-8") + "# edited\n", "utf-8")
    assert replayed(["validate", "recorded"]) is None


def test_a_record_of_what_could_not_be_read_is_not_kept(here: Repo) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    target = here.root / FILE
    target.chmod(0)
    try:
        assert _recorded(here.root) is None
    finally:
        target.chmod(0o644)
