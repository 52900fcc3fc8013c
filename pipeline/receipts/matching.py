"""Receipts -> the test messages they answer -> evidence per (kommune, HF, party). Pure.

A receipt names its message: an AppRec by ``OriginalMsgId``, a transport receipt by
``RefToMessageId`` (the MsgId, or an ebXML MessageId the message server gave the message), an
answer by its ``ConversationRef``. It must come from the test message's receiver and go to its
sender (an AppRec travels back); one from anyone else is refused with both pairs named. A
receipt naming no generated test message is reported and ignored.

Every receipt is final for its message; when two disagree (an Acknowledgment and an ErrorList,
an AppRec OK and one Avvist) that is reported, and the worse one is kept: a rejection is never
silently replaced. Identical copies of one receipt (the same AppRec as XML and inside an .eml)
count once.

An AppRec missing 96 hours after sending counts as a rejection: that is decided on the
declaration, by ``pipeline.routine.evidence``, not here (a receipt that has not come is no receipt).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from pipeline.receipts.model import (
    AnswerEvidence,
    AppRecEvidence,
    AppRecReceipt,
    AppRecStatus,
    DialogAnswer,
    ExpectedMessage,
    MessageEvidence,
    Origin,
    PartyEvidence,
    PartyKey,
    Problem,
    ProblemKind,
    Receipt,
    TransportEvidence,
    TransportReceipt,
    normalise_id,
)
from pipeline.routine.calendar import OSLO

# A receipt dated more than this before its message was sent is wrong (a clock, a date off by a day).
CLOCK_SKEW = dt.timedelta(minutes=15)
_R = TypeVar("_R", TransportReceipt, AppRecReceipt, DialogAnswer)
_WORSE = {AppRecStatus.OK: 0, AppRecStatus.OK_WITH_ERRORS: 1, AppRecStatus.REJECTED: 2}


@dataclass(frozen=True, slots=True)
class MatchResult:
    evidence: tuple[PartyEvidence, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    def of(self, key: PartyKey) -> PartyEvidence | None:
        return next((e for e in self.evidence if e.key == key), None)


@dataclass(slots=True)
class _Found:
    transport: list[TransportReceipt] = field(default_factory=list)
    apprec: list[AppRecReceipt] = field(default_factory=list)
    answer: list[DialogAnswer] = field(default_factory=list)


def origin_key(origin: Origin) -> tuple[str, str, str, int, int]:
    return (origin.file, origin.item or "", origin.part or "", origin.line or 0, origin.column or 0)


def match(
    expected: Iterable[ExpectedMessage], receipts: Iterable[Receipt], *, until: dt.datetime | None = None
) -> MatchResult:
    """Match every receipt; one dated after ``until`` (the end of the import's day) is refused:
    a clock, or a date off by a day."""
    messages = list(expected)
    by_id: dict[str, ExpectedMessage] = {}
    by_transport_id: dict[str, ExpectedMessage] = {}
    by_conversation: dict[str, ExpectedMessage] = {}
    for m in messages:
        by_id.setdefault(normalise_id(m.msg_id), m)
        for alias in (m.msg_id, *m.transport_ids):
            by_transport_id.setdefault(normalise_id(alias), m)
        if m.conversation_ref:
            by_conversation.setdefault(normalise_id(m.conversation_ref), m)
    found: dict[str, _Found] = defaultdict(_Found)
    problems: list[Problem] = []
    for receipt in sorted(receipts, key=lambda r: origin_key(r.origin)):
        table = (
            by_transport_id
            if isinstance(receipt, TransportReceipt)
            else by_conversation
            if isinstance(receipt, DialogAnswer)
            else by_id
        )
        target = _target(receipt, table, by_id, problems)
        if target is None or not _acceptable(receipt, target, problems, until):
            continue
        bucket = found[target.msg_id]
        if isinstance(receipt, TransportReceipt):
            bucket.transport.append(receipt)
        elif isinstance(receipt, AppRecReceipt):
            bucket.apprec.append(receipt)
        else:
            bucket.answer.append(receipt)
    pieces = [_evidence(m, found.get(m.msg_id, _Found()), problems) for m in messages]
    grouped: dict[PartyKey, list[MessageEvidence]] = defaultdict(list)
    for piece in pieces:
        grouped[piece.expected.key].append(piece)
    evidence = tuple(
        PartyEvidence(key, tuple(sorted(ms, key=lambda e: (e.expected.sent_at, e.expected.message_type))))
        for key, ms in sorted(grouped.items())
    )
    return MatchResult(evidence, tuple(sorted(problems, key=lambda p: (origin_key(p.origin), p.kind, p.message))))


def _label(receipt: Receipt) -> str:
    own = f" {receipt.own_id}" if receipt.own_id else ""
    return f"{receipt.what}{own}"


def _target(
    receipt: Receipt,
    table: dict[str, ExpectedMessage],
    by_id: dict[str, ExpectedMessage],
    problems: list[Problem],
) -> ExpectedMessage | None:
    refs = receipt.references
    if not refs:
        problems.append(
            Problem(
                ProblemKind.UNLINKED, receipt.origin, f"{_label(receipt)} names no message, so it cannot be matched"
            )
        )
        return None
    for ref in refs:
        hit = table.get(normalise_id(ref))
        if hit is not None:
            return hit
    other = next((by_id[normalise_id(r)] for r in refs if normalise_id(r) in by_id), None)
    if other is not None:  # a dialog answer whose ConversationRef names a pretest message
        problems.append(
            Problem(
                ProblemKind.WRONG_KIND,
                receipt.origin,
                f"{_label(receipt)} answers {other.describe()}, which is not a test dialog (not to be answered)",
            )
        )
        return None
    problems.append(
        Problem(
            ProblemKind.UNKNOWN_MESSAGE,
            receipt.origin,
            f"{_label(receipt)} refers to MsgId {', '.join(refs)}, which no generated test message has: ignored",
        )
    )
    return None


def _acceptable(receipt: Receipt, target: ExpectedMessage, problems: list[Problem], until: dt.datetime | None) -> bool:
    """The receipt comes from the test message's receiver and goes to its sender, is not dated
    before the message was sent nor after ``until``, and (an AppRec) answers the message type
    that was sent."""
    if receipt.sender.her_id != target.receiver_her or receipt.receiver.her_id != target.sender_her:
        problems.append(
            Problem(
                ProblemKind.WRONG_PARTY,
                receipt.origin,
                f"{_label(receipt)} for {target.describe()} is from {receipt.sender.describe()} to "
                f"{receipt.receiver.describe()}; a receipt for it must come from HER-id {target.receiver_her} "
                f"to HER-id {target.sender_her}",
            )
        )
        return False
    if receipt.at is not None and receipt.at < target.sent_at - CLOCK_SKEW:
        problems.append(
            Problem(
                ProblemKind.INCONSISTENT,
                receipt.origin,
                f"{_label(receipt)} is dated {receipt.at.astimezone(OSLO).isoformat()}, before {target.describe()}",
            )
        )
        return False
    if receipt.at is not None and until is not None and receipt.at > until:
        problems.append(
            Problem(
                ProblemKind.INCONSISTENT,
                receipt.origin,
                f"{_label(receipt)} for {target.describe()} is dated {receipt.at.astimezone(OSLO).isoformat()}, "
                f"after the day of this import ({(until - dt.timedelta(seconds=1)).date().isoformat()})",
            )
        )
        return False
    if isinstance(receipt, AppRecReceipt) and receipt.original_type and receipt.original_type != target.action:
        problems.append(
            Problem(
                ProblemKind.INCONSISTENT,
                receipt.origin,
                f"{_label(receipt)} says it answers a {receipt.original_type}, but MsgId {target.msg_id} is "
                f"{target.describe()}",
            )
        )
        return False
    return True


def _evidence(m: ExpectedMessage, found: _Found, problems: list[Problem]) -> MessageEvidence:
    return MessageEvidence(
        expected=m,
        transport=_transport(m, found.transport, problems),
        apprec=_apprec(m, found.apprec, problems),
        answer=_answer(found.answer),
    )


def _at(moment: dt.datetime | None) -> dt.datetime:
    return moment.astimezone(dt.UTC) if moment is not None else dt.datetime.max.replace(tzinfo=dt.UTC)


def _in_order(receipts: list[_R]) -> list[_R]:
    """Earliest first; the same time: by where they were read."""
    return sorted(receipts, key=lambda r: (_at(r.at), origin_key(r.origin)))


def _conflict(m: ExpectedMessage, what: str, verdicts: dict[str, Receipt], problems: list[Problem]) -> None:
    listed = "; ".join(f"{v} ({r.origin})" for v, r in sorted(verdicts.items()))
    first = min(verdicts.values(), key=lambda r: origin_key(r.origin))
    problems.append(
        Problem(ProblemKind.CONFLICT, first.origin, f"{what}s for {m.describe()} disagree: {listed}; the worse is kept")
    )


def _transport(
    m: ExpectedMessage, receipts: list[TransportReceipt], problems: list[Problem]
) -> TransportEvidence | None:
    if not receipts:
        return None
    # The earliest receipt of each state (later assignments win, the list runs latest first).
    verdicts: dict[str, TransportReceipt] = {
        r.state: r for r in sorted(receipts, key=lambda r: _at(r.at), reverse=True)
    }
    if "ok" in verdicts and "rejected" in verdicts:
        _conflict(m, "transport receipt", dict(verdicts), problems)
    chosen = verdicts.get("rejected") or verdicts.get("ok") or verdicts["warning"]
    return TransportEvidence(
        chosen.state, chosen.at, chosen.own_id, tuple(e.code for e in chosen.errors), chosen.origin, chosen.via
    )


def _apprec(m: ExpectedMessage, receipts: list[AppRecReceipt], problems: list[Problem]) -> AppRecEvidence | None:
    if not receipts:
        return None
    verdicts: dict[str, AppRecReceipt] = {}
    for r in _in_order(receipts):
        verdicts.setdefault(str(r.status), r)
    if len(verdicts) > 1:
        _conflict(m, "AppRec", dict(verdicts), problems)
    chosen = max(verdicts.values(), key=lambda r: _WORSE[r.status])
    return AppRecEvidence(chosen.status, chosen.at, chosen.error_codes, chosen.own_id, chosen.origin, chosen.via)


def _answer(receipts: list[DialogAnswer]) -> AnswerEvidence | None:
    if not receipts:
        return None
    first = _in_order(receipts)[0]
    return AnswerEvidence(first.at, first.own_id, first.origin)
