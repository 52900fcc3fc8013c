"""``record KOMMUNE WHAT ...``: record a step's evidence in a declaration, in place.

The edit (``pipeline.model.edits``) keeps every comment and the key order; the result is checked
against every rule in memory, with the file as it is now as the base (so a status moves one step
at a time), and written atomically only if it introduces no error that was not already there.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import layout
from pipeline.errors import UsageError
from pipeline.findings import Finding, Severity, sort_findings
from pipeline.io import atomic
from pipeline.io.partners import read_tree
from pipeline.model.declarations import parse
from pipeline.model.edits import Edit
from pipeline.model.loader import LoadError, decode, load_text
from pipeline.model.roundtrip import dump_rt, load_rt
from pipeline.rules import Context, evaluate, s1_well_formed


def existing_declaration(files: Mapping[str, bytes], number: str) -> str | None:
    """The path of a declaration for ``number``, by file name or by content."""
    for path in sorted(files):
        directory, _, name = path.rpartition("/")
        if directory == layout.KOMMUNER_DIR and name.startswith(f"{number}-"):
            return path
    for k in parse(files).kommuner:
        if k.model.kommune == number:
            return k.path
    return None


def locate(files: Mapping[str, bytes], wanted: str) -> str:
    """The declaration file for KOMMUNE given as number, name or file stem (even one that does
    not load: it can still be found by its file name)."""
    found = parse(files).kommune(wanted.strip())
    if found is not None:
        return found.path
    folded = wanted.strip().casefold()
    for path in sorted(files):
        directory, _, name = path.rpartition("/")
        match = layout.KOMMUNE_FILE.match(name)
        if directory == layout.KOMMUNER_DIR and match and folded in (match["number"], layout.stem(path)):
            return path
    raise UsageError(f"no kommune declaration matches {wanted!r} (give its number, name or file stem)")


@dataclass(frozen=True)
class Outcome:
    path: str
    before: bytes
    after: bytes
    description: str
    new_errors: tuple[Finding, ...]
    new_warnings: tuple[Finding, ...]

    @property
    def accepted(self) -> bool:
        return not self.new_errors

    def diff(self) -> str:
        before = self.before.decode("utf-8-sig").splitlines(keepends=True)
        after = self.after.decode("utf-8-sig").splitlines(keepends=True)
        return "".join(difflib.unified_diff(before, after, f"a/{self.path}", f"b/{self.path}", n=1))


def _key(f: Finding) -> tuple[str, str, str, str]:
    # Not the line: an edit that inserts lines moves every finding below it.
    return (f.rule, f.severity.value, f.file, f.message)


def _introduced(before: list[Finding], after: list[Finding], severity: Severity) -> tuple[Finding, ...]:
    seen = Counter(_key(f) for f in before if f.severity is severity)
    new = []
    for f in after:
        if f.severity is not severity:
            continue
        if seen[_key(f)]:
            seen[_key(f)] -= 1
        else:
            new.append(f)
    return tuple(sort_findings(new))


def apply(files: Mapping[str, bytes], path: str, edit: Edit, today: dt.date) -> Outcome:
    """Apply ``edit`` to ``files[path]`` and check the result against every rule, in memory."""
    return apply_all(files, {path: edit}, today)[0]


def apply_all(
    files: Mapping[str, bytes], edits: Mapping[str, Edit], today: dt.date, *, check: bool = True
) -> list[Outcome]:
    """Apply one edit to each of several declarations and check the result against every rule,
    in memory, all at once (two evaluations whatever their number), with the files as they are
    now as the base: each outcome names the errors and warnings its own file gains (a finding in
    a file no edit touched is counted against the first edited one). ``check=False`` only edits."""
    outcomes: dict[str, Outcome] = {}
    edited_files = dict(files)
    for path, edit in edits.items():
        raw = files[path]
        try:
            load_text(decode(raw))
        except LoadError:
            unloadable = tuple(s1_well_formed.from_loading(parse({path: raw})))
            outcomes[path] = Outcome(path, raw, raw, "file does not load; fix it first", unloadable, ())
            continue
        doc, file_layout = load_rt(raw)
        description = edit(doc)
        edited_files[path] = dump_rt(doc, file_layout)
        outcomes[path] = Outcome(path, raw, edited_files[path], description, (), ())
    changed = [p for p, o in outcomes.items() if o.after != o.before]
    if changed and check:
        current = parse(files)
        before = evaluate(Context(current, today, current))
        after = evaluate(Context(parse(edited_files), today, current))
        # A finding in a file that was not edited is the first edited file's doing as much as any.
        owner = {path: path for path in changed}
        found: dict[tuple[str, Severity], list[Finding]] = {}
        for severity in (Severity.ERROR, Severity.WARNING):
            for f in _introduced(before, after, severity):
                found.setdefault((owner.get(f.file, changed[0]), severity), []).append(f)
        for path in changed:
            outcomes[path] = replace(
                outcomes[path],
                new_errors=tuple(found.get((path, Severity.ERROR), [])),
                new_warnings=tuple(found.get((path, Severity.WARNING), [])),
            )
    return [outcomes[path] for path in edits]


@dataclass(frozen=True)
class Recorded:
    outcome: Outcome
    written: bool  # False: refused (new errors) or nothing to change


def record(root: Path, kommune: str, edit: Edit, *, today: dt.date) -> Recorded:
    """Apply ``edit`` to the declaration of ``kommune`` and write it if it adds no error."""
    files, _ = read_tree(root)
    path = locate(files, kommune)
    outcome = apply(files, path, edit, today)
    if not outcome.accepted or outcome.after == outcome.before:
        return Recorded(outcome, written=False)
    atomic.replace_file(root / path, outcome.after)
    return Recorded(outcome, written=True)
