"""Rule cases driven by example files: ``tests/cases/<rule-id>/<name>.yaml``.

A case is a declaration file whose leading comments say where it goes and what the rule
named by its directory must find there. Adding a case is adding a file::

    # case: T on a Saturday
    # file: partners/kommuner/5035-stjordal.yaml      (placed there, replacing the shipped file)
    # remove: partners/kommuner/5028-melhus.yaml      (optional, repeatable)
    # today: 2027-02-17                               (optional; default tests/conftest.py TODAY)
    # base: shipped                                   (L rules: compare with the shipped files)
    # expect: R-K1 error line 11 col 9                (repeatable; "in <path>" for another file)
    # expect: none                                    (what pass-* cases say)

The file is dropped into the shipped example repository (``partners/``) and the pure core runs
on it: ``declarations.parse`` then ``rules.evaluate`` with a fixed today, no subprocess.
For the rule under test the findings in the touched files (and files named by ``in``) must be
exactly the expected ones; a ``pass-*`` case must also leave its file without any error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REPO, TODAY

from pipeline.findings import Finding, Severity
from pipeline.io.partners import read_tree
from pipeline.model.declarations import DeclarationSet, parse
from pipeline.rules import Context, evaluate

CASES = REPO / "tests" / "cases"
DEFAULT_TODAY = dt.date.fromisoformat(TODAY)

_DIRECTIVE = re.compile(r"^#\s*(case|file|remove|today|base|expect):\s*(.*?)\s*$")
_EXPECT = re.compile(
    r"^(?P<rule>[A-Z][A-Z0-9-]*) (?P<severity>error|warning) line (?P<line>\d+)"
    r"(?: col (?P<column>\d+))?(?: in (?P<file>\S+))?$"
)


@dataclass(frozen=True)
class Expect:
    rule: str
    severity: Severity
    line: int
    column: int | None
    file: str

    def matches(self, f: Finding) -> bool:
        return (f.rule, f.severity, f.file, f.line) == (
            self.rule,
            self.severity,
            self.file,
            self.line,
        ) and self.column in (None, f.column)

    def __str__(self) -> str:
        col = f":{self.column}" if self.column is not None else ""
        return f"{self.file}:{self.line}{col}: {self.severity.value} {self.rule}"


@dataclass(frozen=True)
class Case:
    source: Path
    rule: str
    description: str
    content: bytes
    target: str | None = None
    removes: tuple[str, ...] = ()
    today: dt.date = DEFAULT_TODAY
    with_base: bool = False
    expects: tuple[Expect, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.source.stem

    @property
    def passing(self) -> bool:
        return self.name.startswith("pass-")

    @property
    def touched(self) -> set[str]:
        return {*self.removes, *([self.target] if self.target else []), *(e.file for e in self.expects)}

    def __str__(self) -> str:
        return f"{self.rule}/{self.name}"


def load_case(source: Path) -> Case:
    """Read a case file's leading comment block (the directives stop at the first YAML line)."""
    rule = source.parent.name
    content = source.read_bytes()
    directives: dict[str, list[str]] = {}
    for line in content.decode("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            break
        m = _DIRECTIVE.match(line)
        if m:
            directives.setdefault(m[1], []).append(m[2])
    target = directives.get("file", [None])[0]
    expects: list[Expect] = []
    for text in directives.get("expect", []):
        if text == "none":
            continue
        m = _EXPECT.match(text)
        if m is None:
            raise ValueError(f"{source}: cannot read '# expect: {text}'")
        file = m["file"] or target
        if file is None:
            raise ValueError(f"{source}: '# expect: {text}' needs 'in <path>' (the case places no file)")
        column = int(m["column"]) if m["column"] else None
        expects.append(Expect(m["rule"], Severity(m["severity"]), int(m["line"]), column, file))
    case = Case(
        source=source,
        rule=rule,
        description=directives.get("case", [""])[0],
        content=content,
        target=target,
        removes=tuple(directives.get("remove", [])),
        today=dt.date.fromisoformat(directives["today"][0]) if "today" in directives else DEFAULT_TODAY,
        with_base="base" in directives,
        expects=tuple(expects),
    )
    if case.passing and case.expects:
        raise ValueError(f"{source}: a pass-* case expects no finding of {rule}")
    if not case.passing and not case.expects:
        raise ValueError(f"{source}: a failing case states what it expects ('# expect: ...')")
    if not case.description:
        raise ValueError(f"{source}: say what the case is about ('# case: ...')")
    return case


def all_cases() -> list[Case]:
    return [load_case(p) for p in sorted(CASES.glob("*/*.yaml"))]


def params(*rules: str) -> list[object]:
    """pytest parameters for the cases of these rule ids (each must have some)."""
    chosen = [c for c in all_cases() if c.rule in rules]
    missing = set(rules) - {c.rule for c in chosen}
    assert not missing, f"no cases for {sorted(missing)}"
    return [pytest.param(c, id=str(c)) for c in chosen]


@functools.cache
def shipped() -> dict[str, bytes]:
    read = read_tree(REPO)
    assert not read.refused, read.refused
    return read.files


def files_for(case: Case) -> dict[str, bytes]:
    files = dict(shipped())
    for path in case.removes:
        assert path in files, f"{case}: '# remove: {path}' is not a shipped file"
        del files[path]
    if case.target:
        files[case.target] = case.content
    return files


@functools.cache
def _parsed(path: str, content: bytes) -> DeclarationSet:
    return parse({path: content})


def parse_files(files: Mapping[str, bytes]) -> DeclarationSet:
    """``parse(files)``, with each (path, content) parsed once for all cases. ``parse`` treats
    every file on its own and keeps path order, so merging per-file results in path order is
    the same set (``test_parse_files_is_parse`` holds it to that)."""
    result = DeclarationSet()
    for path in sorted(files):
        part = _parsed(path, files[path])
        for f in dataclasses.fields(DeclarationSet):
            mine, theirs = getattr(result, f.name), getattr(part, f.name)
            if isinstance(mine, dict):
                mine.update(theirs)
            else:
                mine.extend(theirs)
    return result


def run(case: Case) -> list[Finding]:
    base: DeclarationSet | None = parse_files(shipped()) if case.with_base else None
    return evaluate(Context(parse_files(files_for(case)), case.today, base))


def check(case: Case) -> None:
    findings = run(case)
    relevant = [f for f in findings if f.rule == case.rule and f.file in case.touched]
    shown = "\n".join(f"  {f.location}: {f.severity.value} {f.rule} {f.message}" for f in findings) or "  (none)"
    unmatched = list(relevant)
    for expect in case.expects:
        hit = next((f for f in unmatched if expect.matches(f)), None)
        assert hit is not None, f"{case}: expected {expect}; all findings:\n{shown}"
        unmatched.remove(hit)
    assert not unmatched, f"{case}: unexpected {case.rule} finding(s); all findings:\n{shown}"
    if case.passing and case.target:
        errors = [f for f in findings if f.file == case.target and f.severity is Severity.ERROR]
        assert not errors, f"{case}: a passing declaration has errors:\n{shown}"
