"""The values of receipt reading and matching: plain frozen dataclasses, no behaviour beyond
what a value knows about itself.

- ``Origin``: where a receipt or a problem came from (file, mailbox item, MIME part, line).
- ``Problem``: why an input, or a receipt, was not used. Errors refuse an import; notices are
  reported and ignored (a plain mail in a mailbox, a receipt for a message we never sent).
- Receipts: ``TransportReceipt`` (ebXML Acknowledgment / ErrorList, EDI 2.0 delivery state),
  ``AppRecReceipt`` (AppRec 1.0 / 1.1, EDI 2.0 apprec info), ``DialogAnswer`` (the answer to a
  test dialog).
- ``ExpectedMessage``: a test message oppkobling generated, as far as receipts are concerned.
- Evidence per test message and per (kommune, HF, party): what the declaration would record.

HER-ids are ints; MsgIds are text, compared after ``normalise_id`` (ebXML ids come with stray
blanks, UUIDs in either case).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import operator
from dataclasses import dataclass, field, fields
from typing import ClassVar, Literal, TypeVar

from pipeline.i18n import _, terms

T = TypeVar("T")


def _pickled_by_fields(cls: type[T]) -> type[T]:
    """Pickle as ``cls(*fields)``. Receipts cross from the reading workers to the parent
    (``pipeline.io.receipts``), and the ``__getstate__``/``__setstate__`` that
    ``dataclass(slots=True)`` writes in Python made that half the cost of reading a Maildir."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    get = operator.attrgetter(*names)
    if len(names) == 1:

        def reduce(self: T) -> tuple[type[T], tuple[object, ...]]:
            return cls, (get(self),)
    else:

        def reduce(self: T) -> tuple[type[T], tuple[object, ...]]:
            return cls, get(self)

    cls.__reduce__ = reduce  # type: ignore[assignment,method-assign]
    return cls


def normalise_id(value: str) -> str:
    """A MsgId as compared: surrounding blanks and a ``cid:``/``<>`` wrapping removed, lower case."""
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    return text.lower()


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class Origin:
    """Where something was read: the file, the message inside a mailbox, the MIME part, a line."""

    file: str
    item: str | None = None
    part: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        where = [w for w in (self.item, self.part) if w]
        return f"{text} ({', '.join(where)})" if where else text

    def within(self, *, item: str | None = None, part: str | None = None) -> Origin:
        return Origin(self.file, item or self.item, part or self.part, self.line, self.column)

    def at(self, line: int | None, column: int | None = None) -> Origin:
        return Origin(self.file, self.item, self.part, line, column)


class ProblemKind(enum.StrEnum):
    MALFORMED = "malformed"  # unreadable: truncated MIME, XML or JSON syntax, binary data
    UNSAFE = "unsafe"  # a DTD or entity declarations, or over the size limit
    UNRECOGNISED = "unrecognised"  # readable, but no receipt format (wrong namespace, unknown root)
    INCOMPLETE = "incomplete"  # a receipt, but a required element is missing or invalid
    ENCRYPTED = "encrypted"  # still encrypted (pkcs7-mime): export it decrypted from the message server
    SERVICE_ERROR = "service-error"  # an EDI 2.0 error response where a status was expected
    NOT_A_RECEIPT = "not-a-receipt"  # a readable message that is not a receipt (a business message, a plain mail)
    PENDING = "pending"  # the service reports no receipt yet (EDI 2.0 Unconfirmed, appRecStatus null)
    UNLINKED = "unlinked"  # names no message (an EDI 2.0 status saved without its message)
    UNKNOWN_MESSAGE = "unknown-message"  # names a MsgId no generated test message has
    WRONG_PARTY = "wrong-party"  # from or to someone else than the test message's pair
    WRONG_KIND = "wrong-kind"  # e.g. a dialog answer that refers to the test epikrise
    INCONSISTENT = "inconsistent"  # envelope and payload disagree, dated before sending, other message type
    CONFLICT = "conflict"  # two different verdicts for one test message: the worse is kept
    CONTRADICTS = "contradicts"  # the receipts say ok where the declaration records a rejection
    ALREADY_ACTIVE = "already-active"  # for an agreement already active (or withdrawn): not recorded


# Reported and ignored: nothing about them is wrong with the import itself.
NOTICES: frozenset[ProblemKind] = frozenset(
    {
        ProblemKind.NOT_A_RECEIPT,
        ProblemKind.PENDING,
        ProblemKind.UNKNOWN_MESSAGE,
        ProblemKind.ALREADY_ACTIVE,
        ProblemKind.CONFLICT,
    }
)
# Of the notices, those ``--strict`` turns into errors: receipts that were not used.
IGNORED: frozenset[ProblemKind] = frozenset({ProblemKind.UNKNOWN_MESSAGE, ProblemKind.ALREADY_ACTIVE})


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Problem:
    kind: ProblemKind
    origin: Origin
    message: str

    @property
    def is_error(self) -> bool:
        return self.kind not in NOTICES

    def __str__(self) -> str:
        return f"{self.origin}: {terms.term(terms.PROBLEM, self.kind)}: {self.message}"


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class PartyRef:
    """A sender or receiver as a receipt names it. ``her_id`` is the communication party: the
    most specific HER-id named (a department or person under an institution wins)."""

    her_id: int | None
    name: str | None = None
    other_ids: tuple[str, ...] = ()  # "ENH 974744570": what it named instead, when no HER-id

    def describe(self) -> str:
        if self.her_id is not None:
            return _("HER-id {her_id}").format(her_id=self.her_id) + (f" ({self.name})" if self.name else "")
        named = ", ".join(self.other_ids) or _("no identifier")
        return _("no HER-id ({named})").format(named=named) + (f", {self.name}" if self.name else "")


# PartyRef(her_id, name, other_ids), one value per distinct party in a process: a mailbox names the
# same few parties over and over, and a value shared by many receipts is pickled once per batch a
# reading worker hands back (values are frozen, so sharing them is safe).
party = functools.lru_cache(maxsize=4096)(PartyRef)


TransportState = Literal["ok", "rejected", "warning"]


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class TransportError:
    code: str
    severity: str  # ebMS 2.0: "Error" or "Warning"
    description: str | None = None
    location: str | None = None  # a Content-ID or an XPath


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class TransportReceipt:
    """ebXML Acknowledgment (ok) or ErrorList (rejected; "warning" when every error is a
    Warning), or an EDI 2.0 ``transportDeliveryState``. ``sender`` is who acknowledged: the
    test message's receiver."""

    what: ClassVar[str] = "transport receipt"
    origin: Origin
    state: TransportState
    refers_to: str | None
    at: dt.datetime | None
    sender: PartyRef
    receiver: PartyRef
    own_id: str | None
    errors: tuple[TransportError, ...] = ()
    via: Literal["ebxml", "edi2"] = "ebxml"

    @property
    def references(self) -> tuple[str, ...]:
        return (self.refers_to,) if self.refers_to else ()


class AppRecStatus(enum.StrEnum):
    """Kodeverk 8258 in the declaration's words (``pipeline.receipts.codes.STATUS_8258`` has the codes)."""

    OK = "ok"
    REJECTED = "rejected"
    OK_WITH_ERRORS = "ok-with-errors"


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class AppRecError:
    code: str  # the V attribute: kodeverk 8221 when system is its OID (or absent)
    system: str | None = None  # the S attribute: the kodeverk's OID
    text: str | None = None  # the DN attribute
    detail: str | None = None  # the OT attribute (which part of the message, free text)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class AppRecReceipt:
    """An AppRec (or EDI 2.0's apprec info): from the test message's receiver to its sender."""

    what: ClassVar[str] = "AppRec"
    origin: Origin
    version: str | None  # "1.0" / "1.1"; None when EDI 2.0 reported it
    own_id: str | None
    at: dt.datetime | None  # GenDate
    status: AppRecStatus
    errors: tuple[AppRecError, ...]
    refers_to: str | None  # OriginalMsgId/Id
    original_type: str | None  # OriginalMsgId/MsgType V
    sender: PartyRef
    receiver: PartyRef
    via: Literal["apprec", "edi2"] = "apprec"

    @property
    def references(self) -> tuple[str, ...]:
        return (self.refers_to,) if self.refers_to else ()

    @property
    def error_codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.errors)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class DialogAnswer:
    """A Dialogmelding in MsgHead with a ConversationRef: the answer to a test dialog."""

    what: ClassVar[str] = "dialog answer"
    origin: Origin
    own_id: str
    at: dt.datetime  # MsgInfo/GenDate: answered_at
    action: str  # MsgInfo/Type V (kodeverk 8279)
    ref_to_parent: str | None
    ref_to_conversation: str | None
    sender: PartyRef
    receiver: PartyRef

    @property
    def references(self) -> tuple[str, ...]:
        refs = (self.ref_to_conversation, self.ref_to_parent)
        return tuple(dict.fromkeys(r for r in refs if r))


Receipt = TransportReceipt | AppRecReceipt | DialogAnswer


@_pickled_by_fields
@dataclass(slots=True)
class Batch:
    """What reading produced so far; every reader appends here (one list each, no copies)."""

    receipts: list[Receipt] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, kind: ProblemKind, origin: Origin, message: str) -> None:
        self.problems.append(Problem(kind, origin, message))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


TestKind = Literal["pretest", "dialog"]


@dataclass(frozen=True, slots=True, order=True)
class PartyKey:
    """One (kommune, HF, communication party): where the declaration keeps test evidence."""

    kommune: str
    hf: str
    her_id: int

    def __str__(self) -> str:
        return f"{self.kommune} {self.hf} {self.her_id}"


@dataclass(frozen=True, slots=True)
class ExpectedMessage:
    """A test message oppkobling generated (``generated/fixtures/*/schedule.json``).

    ``sender_her`` is the HF, ``receiver_her`` the kommune's party; every receipt for it comes
    from the receiver to the sender. ``conversation_ref`` is what the answer's ConversationRef
    must name (dialogs only). ``transport_ids`` are ebXML MessageIds the message server gave the
    message when it did not reuse the MsgId (a transport receipt refers to those)."""

    kommune: str
    hf: str
    kind: TestKind
    step: str
    message_type: str
    version: str
    action: str
    msg_id: str
    sender_her: int
    receiver_her: int
    sent_at: dt.datetime
    apprec_version: str
    conversation_ref: str | None = None
    transport_ids: tuple[str, ...] = ()
    attempt: int = 1  # 1: the test day's message; 2, 3, ...: a re-test

    @property
    def key(self) -> PartyKey:
        return PartyKey(self.kommune, self.hf, self.receiver_her)

    def describe(self) -> str:
        return _(
            "the test {message_type} {version} ({action}, {step}) from {hf} (HER-id "
            "{sender_her}) to party {receiver_her} of kommune {kommune}, sent {sent_at}"
        ).format(
            message_type=self.message_type,
            version=self.version,
            action=self.action,
            step=self.step,
            hf=self.hf,
            sender_her=self.sender_her,
            receiver_her=self.receiver_her,
            kommune=self.kommune,
            sent_at=self.sent_at.isoformat(),
        )


@dataclass(frozen=True, slots=True)
class TransportEvidence:
    state: TransportState
    at: dt.datetime | None
    source_id: str | None  # the receipt's own id (ebXML MessageId; EDI 2.0 message id)
    error_codes: tuple[str, ...]
    origin: Origin
    via: Literal["ebxml", "edi2"] = "ebxml"


@dataclass(frozen=True, slots=True)
class AppRecEvidence:
    """The AppRec's verdict (an AppRec still missing 96 hours after sending is the declaration's
    business: ``pipeline.routine.evidence``)."""

    status: AppRecStatus
    at: dt.datetime | None
    error_codes: tuple[str, ...]
    source_id: str | None  # the AppRec's own MsgId (Id); for EDI 2.0 the message's id there
    origin: Origin
    via: Literal["apprec", "edi2"] = "apprec"


@dataclass(frozen=True, slots=True)
class AnswerEvidence:
    answered_at: dt.datetime
    source_id: str  # the answer's MsgId
    origin: Origin


@dataclass(frozen=True, slots=True)
class MessageEvidence:
    expected: ExpectedMessage
    transport: TransportEvidence | None = None
    apprec: AppRecEvidence | None = None
    answer: AnswerEvidence | None = None


@dataclass(frozen=True, slots=True)
class PartyEvidence:
    key: PartyKey
    messages: tuple[MessageEvidence, ...]

    def of_kind(self, kind: TestKind) -> tuple[MessageEvidence, ...]:
        return tuple(m for m in self.messages if m.expected.kind == kind)

    @property
    def dialog(self) -> MessageEvidence | None:
        dialogs = self.of_kind("dialog")
        return dialogs[0] if dialogs else None
