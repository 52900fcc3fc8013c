"""Matched receipts -> what each declaration is to record (pure): per HF and party, the attempt
every receipt belongs to, the receipts as the declaration writes them (with the receipt's own
id, to trace it), and the values they decide (``pipeline.routine.evidence.verdict``).

- A receipt already recorded (same kind, same test message, same content) changes nothing:
  importing the same receipts twice is a no-op.
- Two receipts for one test message that disagree: the worse is kept and the conflict reported;
  a recorded rejection is never replaced by a better receipt.
- A value typed by hand that the receipts contradict: a hand-typed rejection the receipts call ok
  is refused (fix the declaration first); any other hand-typed value gives way to the receipts,
  and once the receipts back every value the ``typed by hand`` marker goes.
- A kommune already active (or withdrawn) records nothing: its receipts are reported and ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.model.edits import AttemptEdit
from pipeline.model.models import Dialog, Party, Pretest, Receipt, Status
from pipeline.receipts.matching import MatchResult
from pipeline.receipts.model import IGNORED, MessageEvidence, Origin, Problem, ProblemKind
from pipeline.routine import evidence

NOT_RECORDING = (Status.ACTIVE, Status.WITHDRAWN)
_WORSE = {None: 0, "ok": 1, "ok-with-errors": 2, "rejected": 3}
MARKERS = ("source", "justification")  # what marks an attempt typed by hand


@dataclass(frozen=True)
class Added:
    """A receipt recorded by this import, with where it was read."""

    hf: str
    her_id: int
    kind: str  # pretest | dialog
    attempt: int
    receipt: Receipt
    origin: Origin | None


@dataclass(frozen=True)
class ValueChange:
    hf: str
    her_id: int
    kind: str
    attempt: int
    field: str
    before: Any
    after: Any


@dataclass
class Recording:
    """What one declaration is to record."""

    path: str
    kommune: str
    name: str
    edits: list[AttemptEdit] = field(default_factory=list)
    added: list[Added] = field(default_factory=list)
    changed: list[ValueChange] = field(default_factory=list)
    known: int = 0  # receipts matched to it that it already records


def _own_id(source_id: str | None, via: str) -> str | None:
    """The receipt's own id; one EDI 2.0 reported is its message's id there, so marked."""
    return f"edi2:{source_id}" if via == "edi2" and source_id else source_id


def receipts_of(me: MessageEvidence) -> list[tuple[Receipt, Origin]]:
    """The receipts matched to one test message, as a declaration records them."""
    e = me.expected
    found: list[tuple[Receipt, Origin]] = []
    pieces: list[tuple[str, str | None, tuple[str, ...], dt.datetime | None, str | None, Origin]] = []
    if me.transport is not None:
        t = me.transport
        state = "rejected" if t.state == "rejected" else "ok"
        pieces.append(("transport", state, t.error_codes, t.at, _own_id(t.source_id, t.via), t.origin))
    if me.apprec is not None:
        a = me.apprec
        pieces.append(("apprec", a.status.value, a.error_codes, a.at, _own_id(a.source_id, a.via), a.origin))
    if me.answer is not None:
        n = me.answer
        pieces.append(("answer", None, (), n.answered_at, n.source_id, n.origin))
    for kind, result, errors, at, own, origin in pieces:
        receipt = Receipt.model_validate(
            {"kind": kind, "test": e.message_type, "message": e.msg_id, "result": result, "errors": list(errors)}
            | {"at": at, "id": own}
        )
        found.append((receipt, origin))
    return found


def _key(r: Receipt) -> tuple[str, str]:
    return r.kind, r.message


def _yaml(r: Receipt) -> dict[str, Any]:
    return {k: v for k, v in r.model_dump().items() if v not in (None, [])}


class _Attempt:
    """One attempt being recorded: its place in the file, what it holds and what is added."""

    def __init__(self, kind: str, number: int, index: int | None, current: Pretest | Dialog | None) -> None:
        self.kind, self.number, self.index, self.current = kind, number, index, current
        self.receipts: list[Receipt] = list(current.receipts) if current else []
        self.new: list[tuple[Receipt, Origin]] = []
        self.replaced: list[Receipt] = []
        self.sent: dt.datetime | None = None

    def offer(self, receipt: Receipt, origin: Origin, problems: list[Problem], rec: Recording) -> None:
        known = next((i for i, r in enumerate(self.receipts) if _key(r) == _key(receipt)), None)
        if known is None:
            self.receipts.append(receipt)
            self.new.append((receipt, origin))
            return
        old = self.receipts[known]
        if old == receipt or old.result == receipt.result:
            rec.known += 1
            return
        worse = _WORSE[receipt.result] > _WORSE[old.result]
        kept = receipt if worse else old
        problems.append(
            Problem(
                ProblemKind.CONFLICT,
                origin,
                f"{receipt.kind} for the test {receipt.test} ({receipt.message}) says {receipt.result}, the "
                f"declaration records {old.result} ({old.id or 'no id'}): the worse ({kept.result}) is kept",
            )
        )
        if worse:
            self.receipts[known] = receipt
            self.new.append((receipt, origin))
        else:
            rec.known += 1


def _place(k: KommuneDecl, party: Party, hf: str, me: MessageEvidence) -> tuple[int | None, Pretest | Dialog | None]:
    """Where the attempt of ``me``'s test message is in the file, and what it holds (None, None:
    a new attempt, appended)."""
    ev = k.model.evidence(hf, party.her_id)
    if ev is None:
        return None, None
    if me.expected.kind == evidence.PRETEST:
        for_t = evidence.for_t(k.model, ev.pretests)
        if me.expected.attempt <= len(for_t):
            return for_t[me.expected.attempt - 1]
        return None, None
    for index, dialog in evidence.for_t(k.model, ev.dialogs):
        if dialog.sent_at is None or dialog.sent_at == me.expected.sent_at:
            return index, dialog
    return None, None


def plan(declarations: DeclarationSet, result: MatchResult) -> tuple[list[Recording], list[Problem]]:
    """What every declaration matched receipts would record from ``result`` (one with no edit:
    everything matched is recorded already), and the problems found doing so."""
    problems: list[Problem] = []
    by_number = {k.model.kommune: k for k in declarations.kommuner}
    recordings: list[Recording] = []
    for pe in result.evidence:
        k = by_number.get(pe.key.kommune)
        party = next((p for p in k.model.parties if p.her_id == pe.key.her_id), None) if k else None
        if k is None or party is None:
            continue  # the expected messages come from these declarations
        pieces = [(me, receipts_of(me)) for me in pe.messages]
        pieces = [(me, found) for me, found in pieces if found]
        if not pieces:
            continue
        if k.model.status in NOT_RECORDING:
            for me, found in pieces:
                for receipt, origin in found:
                    problems.append(
                        Problem(
                            ProblemKind.ALREADY_ACTIVE,
                            origin,
                            f"{receipt.kind} for {me.expected.describe()}: the kommune is {k.model.status}, "
                            "nothing is recorded for it: ignored",
                        )
                    )
            continue
        rec = next((r for r in recordings if r.path == k.path), None)
        if rec is None:
            rec = Recording(k.path, k.model.kommune, k.model.name)
            recordings.append(rec)
        attempts: dict[tuple[str, int, int | None], _Attempt] = {}
        for me, found in pieces:
            index, current = _place(k, party, pe.key.hf, me)
            slot = (me.expected.kind, me.expected.attempt, index)
            attempt = attempts.setdefault(slot, _Attempt(me.expected.kind, me.expected.attempt, index, current))
            attempt.sent = me.expected.sent_at
            for receipt, origin in found:
                attempt.offer(receipt, origin, problems, rec)
        for attempt in sorted(attempts.values(), key=lambda a: (a.kind, a.number)):
            _record(k, party, pe.key.hf, attempt, rec, problems)
    return recordings, problems


def _record(k: KommuneDecl, party: Party, hf: str, a: _Attempt, rec: Recording, problems: list[Problem]) -> None:
    values: dict[str, Any] = {}
    current = a.current
    assert a.sent is not None
    if a.kind == evidence.PRETEST:
        assert current is None or isinstance(current, Pretest)
        types = evidence.test_types(party, evidence.PRETEST)
        if current is None or current.sent_on is None:
            values["sent_on"] = a.sent.date()
        for name, kind in (("transport_receipt", "transport"), ("apprec", "apprec")):
            said = evidence.verdict(a.receipts, kind, types)
            before = getattr(current, name) if current else None
            if said is None or said == before:
                continue
            if before in ("rejected", "ok-with-errors") and _WORSE[said] < _WORSE[before]:
                origin = next((o for r, o in a.new if r.kind == kind), Origin(k.path))
                problems.append(
                    Problem(
                        ProblemKind.CONTRADICTS,
                        origin,
                        f"{k.path} records {name}: {before} (typed by hand) for attempt {a.number} from {hf} to party "
                        f"{party.her_id}; the receipts say {said}. A recorded rejection is never replaced: if the "
                        "hand-typed value is wrong, correct it first",
                    )
                )
                return
            values[name] = said
        merged: Pretest | Dialog = Pretest.model_validate(
            {**(current.model_dump() if current else {}), **values, "receipts": a.receipts}
        )
    else:
        assert current is None or isinstance(current, Dialog)
        if current is None or current.sent_at is None:
            values["sent_at"] = a.sent
        answers = [r for r in a.receipts if r.kind == "answer" and r.at is not None]
        if answers:
            answered = min(r.at for r in answers if r.at is not None)
            if current is None or current.answered_at != answered:
                values["answered_at"] = answered
        merged = Dialog.model_validate({**(current.model_dump() if current else {}), **values, "receipts": a.receipts})
    for name, after in values.items():
        before = getattr(current, name) if current else None
        rec.changed.append(ValueChange(hf, party.her_id, a.kind, a.number, name, before, after))
    drop = (
        tuple(m for m in MARKERS if current and getattr(current, m) is not None)
        if not evidence.hand_typed(k.model, merged, party)
        else ()
    )
    if not values and not a.new and not drop:
        return
    rec.added.extend(Added(hf, party.her_id, a.kind, a.number, r, o) for r, o in a.new)
    rec.edits.append(AttemptEdit(hf, party.her_id, a.kind, a.index, values, tuple(_yaml(r) for r, _ in a.new), drop))


def unused(problems: Iterable[Problem]) -> list[Problem]:
    """The receipts reported and ignored (no test message, an agreement already active)."""
    return [p for p in problems if p.kind in IGNORED]
