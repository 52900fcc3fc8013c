"""Validation by parts (issue 18, part 2) is a full evaluation, cheaper: after any sequence of
random edits, the findings from the parts kept in the cache are the findings of ``loading.load``
(every file parsed, every rule run), and ``validate FILE`` reports on FILE what a full run does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import repo_edits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.app import incremental, loading
from pipeline.io import cache
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
