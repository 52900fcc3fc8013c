"""The case files themselves: every rule of the core has passing and failing cases, every
shipped example is broken by at least one of them, and the fast path equals the real one."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.ar import paths
from pipeline.ar.paths import Kind
from pipeline.model.declarations import parse
from pipeline.rules import RULES
from rules.rulecases import CASES, Case, all_cases, check, files_for, params, parse_files, shipped

# The rules of issue 2 (RULES.md); L4 belongs to `oppkobling check`.
CORE_RULES = (
    *("S1", "S2", "S3", "S4", "S5", "S6"),
    *("R-K1", "R-K2", "R-K3", "R-K4", "R-K5", "R-K6"),
    *("R-H2", "R-H3", "R-H5"),
    *("L1", "L2", "L3", "L5", "L6"),
)


@pytest.mark.parametrize("case", params(*CORE_RULES))
def test_case(case: Case) -> None:
    """Each case file under tests/cases/<rule-id>/, against the rule module of that id."""
    check(case)


@pytest.mark.parametrize("rule", CORE_RULES)
def test_every_rule_has_a_passing_and_a_failing_case(rule: str) -> None:
    assert rule in RULES
    kinds = Counter("pass" if c.passing else "fail" for c in all_cases() if c.rule == rule)
    assert kinds["pass"] >= 1 and kinds["fail"] >= 1, f"{rule}: {dict(kinds)}"


def test_case_directories_are_rule_ids() -> None:
    assert {p.name for p in CASES.iterdir() if p.is_dir()} <= set(RULES)


def test_every_shipped_example_is_broken_by_some_case() -> None:
    """Must show: each example, changed to break one rule, makes that rule fire at the right line.
    The AR snapshot's files are data, not declarations: each kind of them is broken by some case."""
    failing = [c for c in all_cases() if not c.passing]
    broken = {c.target for c in failing}
    declarations = {p for p in shipped() if paths.parse_path(p) is None}
    assert declarations - broken == set()
    edited = {paths.parse_path(p) for c in failing for p in c.touched} - {None}
    assert {e.kind for e in edited if e is not None} == {Kind.PARTY, Kind.SIGNING, Kind.ENCRYPTION, Kind.LEGACY}


def test_parse_files_is_parse() -> None:
    for case in all_cases()[::10]:
        files = files_for(case)
        assert parse_files(files) == parse(files), case
