"""Validation by parts (issue 18, part 2) is a full evaluation, cheaper: after any sequence of
random edits, the findings from the parts kept in the cache are the findings of ``loading.load``
(every file parsed, every rule run), and ``validate FILE`` reports on FILE what a full run does."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
from pathlib import Path

import pytest
import repo_edits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import layout
from pipeline.app import incremental, loading
from pipeline.ar import paths
from pipeline.io import cache, partners
from pipeline.io.partners import read_tree

TODAY = dt.date(2026, 11, 26)
EDIT_SEQUENCES = st.lists(st.tuples(st.sampled_from(sorted(repo_edits.EDITS)), st.integers(0, 2**32)), max_size=4)


pristine, work = repo_edits.fixtures()


def by_parts(root: Path, only: set[str] | None = None) -> list[object]:
    store = cache.Cache.open(root)
    assert store is not None
    read = read_tree(root)
    found, _ = incremental.findings(read.files, read.problems(), store, today=TODAY, certificate_margin=60, only=only)
    return found  # type: ignore[return-value]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDIT_SEQUENCES, pick=st.integers(0, 10**6))
def test_findings_by_parts_are_a_full_evaluation_after_any_edits(
    pristine: Path, work: Path, edits: list[tuple[str, int]], pick: int
) -> None:
    repo_edits.restore(pristine, work)
    by_parts(work)  # the cache as a coordinator's is: warm from the last state
    for kind, seed in edits:
        repo_edits.apply(work, kind, seed)
        reference = loading.load(work, today=TODAY).findings
        assert by_parts(work) == reference, (kind, seed)
    # validate FILE: the named kommune's findings, S3 on it included, from its part alone.
    kommuner = sorted(p.relative_to(work).as_posix() for p in (work / repo_edits.KOMMUNER).glob("*.yaml"))
    if kommuner:
        one = kommuner[pick % len(kommuner)]
        reference = [f for f in loading.load(work, today=TODAY).findings if f.file == one]
        assert [f for f in by_parts(work, {one}) if f.file == one] == reference  # type: ignore[attr-defined]
        # ... and as ``validate FILE`` reads it: only the declaration directories and its AR files.
        assert [f for f in loading.findings(work, today=TODAY, only={one})[0] if f.file == one] == reference


def test_one_edit_parses_one_file(pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A party's name changed: only that declaration is parsed again, and the rest is not re-run."""
    repo_edits.restore(pristine, work)
    by_parts(work)
    parsed: list[list[str]] = []
    real = incremental.parse

    def counting(files: dict[str, bytes], *args: object, **kwargs: object) -> object:
        parsed.append(sorted(files))
        return real(files, *args, **kwargs)

    monkeypatch.setattr(incremental, "parse", counting)
    target = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[3]
    target.write_text(target.read_text("utf-8").replace('    name: "', '    name: "Ny ', 1), "utf-8")
    found = by_parts(work)
    rel = target.relative_to(work).as_posix()
    kommuner_parsed = [[p for p in files if p.startswith(repo_edits.KOMMUNER)] for files in parsed]
    assert kommuner_parsed == [[rel], [rel]]  # its identities, then its part (with the HFs and its AR files)
    assert found == loading.load(work, today=TODAY).findings


def _settled(root: Path) -> None:
    """Every file under partners/ an hour old, as a repository's files are between two edits
    (a file whose stat is recorded that long after its last change is vouched for by it)."""
    old = time.time() - 3600
    for p in (root / "partners").rglob("*"):
        os.utime(p, (old, old), follow_symlinks=False)


class Reading:
    """What the reader of partners/ opened and what was parsed, by path."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[str] = []
        self.parsed: list[str] = []
        real_read, real_parse = partners._read_entry, incremental.parse

        def read(found: partners.Partners, tree_rel: str, rel: str, dir_fd: int) -> None:
            self.read.append(rel)
            real_read(found, tree_rel, rel, dir_fd)

        def parse(files: dict[str, bytes], *args: object, **kwargs: object) -> object:
            self.parsed.extend(files)
            return real_parse(files, *args, **kwargs)

        monkeypatch.setattr(partners, "_read_entry", read)
        monkeypatch.setattr(incremental, "parse", parse)


def _her_ids(*files: Path) -> set[int]:
    return {int(h) for f in files for h in re.findall(r"her_id: (\d+)", f.read_text("utf-8"))}


def _edited(work: Path, pristine: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, Reading]:
    """A full validate, then one kommune's party renamed: the file, its path, and a reading counter."""
    repo_edits.restore(pristine, work)
    shutil.rmtree(work / layout.CACHE, ignore_errors=True)
    _settled(work)
    loading.findings(work, today=TODAY)  # the full validate before (pre-commit's first run)
    target = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[3]
    target.write_text(target.read_text("utf-8").replace('    name: "', '    name: "Ny ', 1), "utf-8")
    return target, target.relative_to(work).as_posix(), Reading(monkeypatch)


def test_validate_file_after_an_edit_reads_and_parses_only_that_file(
    pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``validate FILE`` after FILE was edited: no other kommune's declaration is read or parsed
    (their identities come from the index), and of the AR snapshot only the files of FILE's and
    the HFs' HER-ids are read; the findings on FILE are a full evaluation's."""
    target, rel, reading = _edited(work, pristine, monkeypatch)
    found = [f for f in loading.findings(work, today=TODAY, only={rel})[0] if f.file == rel]
    assert [p for p in reading.read if p.startswith(repo_edits.KOMMUNER)] == [rel]
    assert {p for p in reading.parsed if p.startswith(repo_edits.KOMMUNER)} == {rel}
    wanted = _her_ids(target, *(work / repo_edits.HFS).glob("*.yaml"))
    ar_read = [p for p in reading.read if p.startswith(layout.AR_DIR + "/")]
    assert ar_read
    assert {e.her_id for p in ar_read if (e := paths.parse_path(p)) is not None} <= wanted
    assert found == [f for f in loading.load(work, today=TODAY).findings if f.file == rel]


def test_validate_file_reports_s3_against_files_it_does_not_read(
    pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FILE given another kommune's HER-id: S3 names it on FILE, from the index alone (issue 17)."""
    target, rel, reading = _edited(work, pristine, monkeypatch)
    other = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[5]
    taken = re.findall(r"her_id: (\d+)", other.read_text("utf-8"))[0]
    target.write_text(re.sub(r"her_id: \d+", f"her_id: {taken}", target.read_text("utf-8"), count=1), "utf-8")
    found = [f for f in loading.findings(work, today=TODAY, only={rel})[0] if f.file == rel]
    assert other.relative_to(work).as_posix() not in reading.read
    assert any(f.rule == "S3" for f in found)
    assert found == [f for f in loading.load(work, today=TODAY).findings if f.file == rel]


def test_validate_file_judges_a_named_file_the_reader_refuses(pristine: Path, work: Path) -> None:
    """A named declaration over 1 MiB is refused unread: ``validate FILE`` says so (S1), as a full
    validate does, with a warm cache too."""
    repo_edits.restore(pristine, work)
    loading.findings(work, today=TODAY)
    target = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[2]
    target.write_text(target.read_text("utf-8") + "#" + "x" * layout.MAX_INPUT_BYTES + "\n", "utf-8")
    rel = target.relative_to(work).as_posix()
    found = [f for f in loading.findings(work, today=TODAY, only={rel})[0] if f.file == rel]
    assert [f.rule for f in found] == ["S1"]
    assert found == [f for f in loading.load(work, today=TODAY).findings if f.file == rel]
