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
from pipeline.errors import EditError, UsageError
from pipeline.findings import Finding, Severity, sort_findings
from pipeline.i18n import _
from pipeline.io import atomic
from pipeline.io.partners import read_tree
from pipeline.model import names
from pipeline.model.declarations import DeclarationSet, parse
from pipeline.model.edits import Edit
from pipeline.model.loader import LoadError, decode, load_text
from pipeline.model.roundtrip import dump_rt, load_rt
from pipeline.rules import Context, evaluate, s1_well_formed


def existing_declaration(files: Mapping[str, bytes], number: str) -> str | None:
    """The path of a declaration for ``number``, by file name or by content."""
    for path in sorted(files):
        directory, __, name = path.rpartition("/")
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
    for path in sorted(files):
        directory, __, name = path.rpartition("/")
        match = layout.kommune_file_name(name)
        if directory == layout.KOMMUNER_DIR and match and names.matches(wanted, match["number"], "", layout.stem(path)):
            return path
    raise UsageError(
        _("no kommune declaration matches {wanted!r} (give its number, name or file stem)").format(wanted=wanted)
    )


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


def apply_all(files: Mapping[str, bytes], edits: Mapping[str, Edit], today: dt.date) -> list[Outcome]:
    """Apply one edit to each of several declarations and check the result against every rule,
    in memory, all at once (``edit_all`` then ``check_all``)."""
    return check_all(files, edit_all(files, edits), today)


def edit_all(files: Mapping[str, bytes], edits: Mapping[str, Edit]) -> list[Outcome]:
    """Each edit made to its declaration, in memory (a file that does not load is not edited:
    its outcome carries the S1 findings that say why)."""
    outcomes = []
    for path, edit in edits.items():
        raw = files[path]
        try:
            load_text(decode(raw))
        except LoadError:
            unloadable = tuple(s1_well_formed.from_loading(parse({path: raw})))
            outcomes.append(Outcome(path, raw, raw, "file does not load; fix it first", unloadable, ()))
            continue
        doc, file_layout = load_rt(raw)
        try:
            description = edit(doc)
        except EditError as exc:
            raise EditError(f"{path}: {exc}") from None
        outcomes.append(Outcome(path, raw, dump_rt(doc, file_layout), description, (), ()))
    return outcomes


def check_all(
    files: Mapping[str, bytes],
    outcomes: list[Outcome],
    today: dt.date,
    *,
    current: DeclarationSet | None = None,
    edited: DeclarationSet | None = None,
) -> list[Outcome]:
    """The outcomes with the errors and warnings each edited file gains, every rule evaluated
    twice whatever their number, with the files as they are now as the base (so a status moves
    one step at a time). A finding in a file no edit touched counts against the first edited one.
    ``current``/``edited``: the two sets already parsed, if the caller has them."""
    changed = [o.path for o in outcomes if o.after != o.before]
    if not changed:
        return outcomes
    current = current if current is not None else parse(files)
    if edited is None:
        edited = parse({**files, **{o.path: o.after for o in outcomes}})
    before = evaluate(Context(current, today, current))
    after = evaluate(Context(edited, today, current))
    found: dict[tuple[str, Severity], list[Finding]] = {}
    for severity in (Severity.ERROR, Severity.WARNING):
        for f in _introduced(before, after, severity):
            found.setdefault((f.file if f.file in changed else changed[0], severity), []).append(f)
    return [
        replace(
            o,
            new_errors=tuple(found.get((o.path, Severity.ERROR), [])),
            new_warnings=tuple(found.get((o.path, Severity.WARNING), [])),
        )
        if o.path in changed
        else o
        for o in outcomes
    ]


@dataclass(frozen=True)
class Recorded:
    outcome: Outcome
    written: bool  # False: refused (new errors) or nothing to change


def record(root: Path, kommune: str, edit: Edit, *, today: dt.date) -> Recorded:
    """Apply ``edit`` to the declaration of ``kommune`` and write it if it adds no error."""
    files = read_tree(root).files
    path = locate(files, kommune)
    outcome = apply(files, path, edit, today)
    if not outcome.accepted or outcome.after == outcome.before:
        return Recorded(outcome, written=False)
    atomic.replace_file(root / path, outcome.after)
    return Recorded(outcome, written=True)
