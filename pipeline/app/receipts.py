"""``receipts import PATH...``: the receipts themselves become the evidence (issue 16).

1. Read every path (``pipeline.io.receipts``: files, directories, Maildir, mbox; each by content).
2. Match each receipt to a test message the declarations generate (``pipeline.receipts.expected``
   and ``matching``: by MsgId, from the pair the message was between).
3. Plan what each declaration records (``pipeline.receipts.recording``) and make it one edit per
   declaration through the same comment-keeping edit and check as ``record``
   (``pipeline.app.record.apply_all``).
4. Write every edited declaration, or nothing: any error -- unreadable or unsafe input, a receipt
   from the wrong party, a receipt contradicting a recorded rejection, an edit that would add an
   error, and with ``strict`` a receipt that is not used -- refuses the whole import.

A rejected latest attempt makes the declarations generate a re-test (``pipeline.fixtures.outbox``),
so receipts for it match only once that rejection is recorded: matching is repeated against the
test messages of the edited declarations until no new one appears, and one run imports a mailbox
holding a test and its re-test alike.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.app.record import Outcome, check_all, edit_all
from pipeline.io import atomic
from pipeline.io import receipts as reading
from pipeline.io.partners import read_tree
from pipeline.model.declarations import parse
from pipeline.model.edits import record_attempts
from pipeline.receipts import expected, matching, recording
from pipeline.receipts.model import IGNORED, Batch, Problem
from pipeline.receipts.recording import Recording
from pipeline.routine import evidence

MAX_ROUNDS = 20  # a re-test per round; far more than any onboarding has


@dataclass(frozen=True)
class KommuneImport:
    recording: Recording
    outcome: Outcome


@dataclass(frozen=True)
class Imported:
    paths: tuple[str, ...]
    receipts_read: int
    kommuner: tuple[KommuneImport, ...]
    problems: tuple[Problem, ...]
    today: dt.date
    dry_run: bool
    strict: bool
    written: bool

    @property
    def errors(self) -> list[Problem]:
        """What refuses the import: every error, and with ``strict`` every receipt not used."""
        return [p for p in self.problems if p.is_error or (self.strict and p.kind in IGNORED)]

    @property
    def rule_errors(self) -> bool:
        return any(not k.outcome.accepted for k in self.kommuner)

    @property
    def refused(self) -> bool:
        return bool(self.errors) or self.rule_errors

    @property
    def changes(self) -> bool:
        return any(k.outcome.after != k.outcome.before for k in self.kommuner)

    known: int = 0  # receipts matched to evidence the declarations already record

    @property
    def recorded(self) -> tuple[KommuneImport, ...]:
        """The declarations this import changes (or would)."""
        return tuple(k for k in self.kommuner if k.outcome.after != k.outcome.before)

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0


def _plan(files: dict[str, bytes], receipts: Batch, today: dt.date) -> tuple[list[KommuneImport], list[Problem], int]:
    original = parse(files)
    current = original
    seen: frozenset[str] | None = None
    recordings: list[Recording] = []
    outcomes: list[Outcome] = []
    problems: list[Problem] = []
    known = 0
    until = evidence.now_on(today + dt.timedelta(days=1))
    for _ in range(MAX_ROUNDS):
        messages = expected.of_declarations(current)
        ids = frozenset(m.msg_id for m in messages)
        if ids == seen:
            break
        seen = ids
        result = matching.match(messages, receipts.receipts, until=until)
        planned, found = recording.plan(original, result)
        known = sum(r.known for r in planned)
        recordings = [r for r in planned if r.edits]
        problems = [*result.problems, *found]
        outcomes = edit_all(files, {r.path: record_attempts(tuple(r.edits)) for r in recordings})
        current = parse({**files, **{o.path: o.after for o in outcomes}}) if outcomes else original
    # The final edits, checked against every rule once.
    checked = check_all(files, outcomes, today, current=original, edited=current)
    return [KommuneImport(r, o) for r, o in zip(recordings, checked, strict=True)], problems, known


def import_receipts(
    root: Path, paths: Sequence[Path], *, today: dt.date, dry_run: bool = False, strict: bool = False
) -> Imported:
    """Read ``paths``, match and record; write only with no error and not ``dry_run``."""
    with atomic.repo_lock(root, shared=dry_run):
        batch = reading.read_paths(paths, base=Path(os.curdir).resolve())
        files = read_tree(root).files
        kommuner, problems, known = _plan(files, batch, today)
        result = Imported(
            tuple(p.as_posix() for p in paths),
            len(batch.receipts),
            tuple(kommuner),
            (*batch.problems, *problems),
            today,
            dry_run,
            strict,
            written=False,
            known=known,
        )
        if result.refused or dry_run or not result.changes:
            return result
        for k in kommuner:
            if k.outcome.after != k.outcome.before:
                atomic.replace_file(root / k.outcome.path, k.outcome.after)
    return replace(result, written=True)
