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

Other shipped files, and the AR snapshot under ``partners/ar/``, can be changed too (repeatable,
applied in order; paths below partners/ar/ are written without that prefix)::

    # sub: partners/helseforetak/st-olavs.yaml: @edi.nhn.no => @testedi.nhn.no   (first occurrence)
    # ar: communicationparty/8170001.json type = "Person"      (a JSON value at a dotted path)
    # ar-delete: certificate/8170001/signing.json              (a file; "<file> <path>": one key; "<herId>": all)
    # ar-certificate: 8170001 signing not_after=2027-03-01     (re-issued by the example CA: not_before,
                                                                not_after at 00:00 Europe/Oslo, usage=a,b)
    # ar-shared: CommunicationDetailsRest_8141705.json as communicationparty/8141705/legacy.json

The file is dropped into the shipped example repository (``partners/``) and the pure core runs
on it: ``declarations.parse`` then ``rules.evaluate`` with a fixed today, no subprocess.
For the rule under test the findings in the touched files (and files named by ``in``) must be
exactly the expected ones; a ``pass-*`` case must also leave its file without any error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ar import edits
from conftest import REPO, TODAY

from pipeline.ar import paths, snapshot
from pipeline.ar.paths import Entry, Kind
from pipeline.findings import Finding, Severity
from pipeline.io.partners import read_tree
from pipeline.model.declarations import DeclarationSet, parse
from pipeline.rules import Context, evaluate

CASES = REPO / "tests" / "cases"
DEFAULT_TODAY = dt.date.fromisoformat(TODAY)

_DIRECTIVE = re.compile(
    r"^#\s*(case|file|remove|today|base|expect|sub|ar|ar-delete|ar-certificate|ar-shared):\s*(.*?)\s*$"
)
EDITS = ("sub", "ar", "ar-delete", "ar-certificate", "ar-shared")
SHARED_AR = REPO.parent / "shared" / "standards" / "ar"
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
    edits: tuple[tuple[str, str], ...] = ()  # (directive, its text), in order

    @property
    def name(self) -> str:
        return self.source.stem

    @property
    def passing(self) -> bool:
        return self.name.startswith("pass-")

    @property
    def touched(self) -> set[str]:
        edited = {path for path, _ in (_edited(kind, text) for kind, text in self.edits)}
        return {*self.removes, *([self.target] if self.target else []), *(e.file for e in self.expects), *edited}

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
        edits=tuple(
            (m[1], m[2])
            for line in content.decode("utf-8").splitlines()
            if (m := _DIRECTIVE.match(line)) and m[1] in EDITS
        ),
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


def _edited(kind: str, text: str) -> tuple[str, str]:
    """The repository path an edit changes, and the rest of its text."""
    if kind == "sub":
        path, _, rest = text.partition(": ")
        return path, rest
    if kind == "ar-certificate":
        her_id, which, *rest = text.split()
        return Entry(int(her_id), Kind(which)).path, " ".join(rest)
    if kind == "ar-shared":
        source, _, relative = text.partition(" as ")
        return edits.ar_path(relative.strip()), source.strip()
    relative, _, rest = text.partition(" ")
    return (edits.ar_path(relative) if not relative.isdigit() else Entry(int(relative), Kind.PARTY).path), rest


def _apply(case: Case, files: dict[str, bytes], kind: str, text: str) -> dict[str, bytes]:
    path, rest = _edited(kind, text)
    relative = path.removeprefix(edits.ar_path(""))
    if kind == "sub":
        old, _, new = rest.partition(" => ")
        assert path in files and old.encode() in files[path], f"{case}: '# sub: {text}': no {old!r} in {path}"
        return {**files, path: files[path].replace(old.encode(), new.encode(), 1)}
    if kind == "ar":
        dotted, _, value = rest.partition(" = ")
        return edits.set_value(files, relative, dotted.strip(), json.loads(value))
    if kind == "ar-delete":
        target = text.split()[0]
        return edits.delete(files, target, rest.strip() or None)
    if kind == "ar-certificate":
        her_id, which = text.split()[:2]
        changes = dict(item.split("=", 1) for item in rest.split())
        return edits.reissue(files, int(her_id), Kind(which), **changes)
    source = SHARED_AR / rest
    if not source.is_file():
        pytest.fail(f"{source} is missing: the AR cases read NHN's files from ../shared/standards/ar/")
    return edits.place(files, relative, source.read_bytes())


def files_for(case: Case) -> dict[str, bytes]:
    files = dict(shipped())
    for path in case.removes:
        assert path in files, f"{case}: '# remove: {path}' is not a shipped file"
        del files[path]
    if case.target:
        files[case.target] = case.content
    for kind, text in case.edits:
        files = _apply(case, files, kind, text)
    return files


@functools.cache
def _parsed(path: str, content: bytes) -> DeclarationSet:
    return parse({path: content})


@functools.cache
def _snapshot(files: frozenset[tuple[str, bytes]]) -> snapshot.Reading:
    return snapshot.read(dict(files))


def parse_files(files: Mapping[str, bytes]) -> DeclarationSet:
    """``parse(files)``, with each declaration parsed once for all cases and each AR snapshot read
    once. ``parse`` treats every declaration on its own and keeps path order, and reads the AR
    files as one snapshot, so merging per-file results in path order and adding the snapshot is
    the same set (``test_parse_files_is_parse`` holds it to that)."""
    result = DeclarationSet()
    ar_files = {p: b for p, b in files.items() if paths.parse_path(p) is not None}
    for path in sorted(files):
        if path in ar_files:
            result.files.append(path)
            result.digests[path] = hashlib.sha256(files[path]).hexdigest()
            continue
        part = _parsed(path, files[path])
        for f in dataclasses.fields(DeclarationSet):
            if f.name == "digests":
                result.digests.update(part.digests)
            elif f.name != "ar":
                getattr(result, f.name).extend(getattr(part, f.name))
    result.ar = _snapshot(frozenset(ar_files.items()))
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
