"""The declarations as pydantic models: the single source of truth for what a file may hold.

``schemas/*.schema.json`` are generated from these models (``oppkobling schema``). Models are
strict (no coercion: a kommunenummer must be quoted) and reject unknown keys. Which fields are
*required by the routine* depends on the status and is checked by the rules, so that a missing
order date is reported as R-K2 (with the routine step) and not as a bare schema error.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
)
from pydantic_core import PydanticCustomError

from pipeline.i18n import _

SCHEMA_BASE = "https://oppkobling.example/schemas"

HF_KEYS: tuple[str, ...] = ("st-olavs", "helse-more-og-romsdal", "helse-nord-trondelag")

KommuneNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
OrgNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")]
HerId = Annotated[int, Field(ge=1, le=2_147_483_647)]
Email = Annotated[
    str,
    # No \" escape: the pattern must also be a valid ECMA-262 regex for JSON Schema tooling.
    StringConstraints(pattern=r'^[^@\s<>"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$'),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Version = Annotated[str, StringConstraints(pattern=r"^[0-9]+\.[0-9]+$")]
# Every date a declaration holds lies within these years, so that every date the pipeline derives
# from it (T-14, a validity of five years, a time zone's offset) can be computed. Rule S6 narrows
# T to the routine's scope; this bound only keeps the arithmetic total.
FIRST_YEAR, LAST_YEAR = 1900, 9899


def _in_range(value: dt.date) -> dt.date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError(
            "date_out_of_scope",
            _("{value} is outside the years {first} to {last}, beyond what the routine's dates can be computed from"),
            {"value": value.isoformat(), "first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


Day = Annotated[dt.date, AfterValidator(_in_range)]
# Timestamps of evidence: ISO 8601 with an explicit offset. Lax so that a quoted string parses.
Timestamp = Annotated[AwareDatetime, Field(strict=False), AfterValidator(_in_range)]


class Status(enum.StrEnum):
    PLANNED = "planned"
    ORDERED = "ordered"
    TESTING = "testing"
    ACTIVE = "active"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"


FORWARD: tuple[Status, ...] = (Status.PLANNED, Status.ORDERED, Status.TESTING, Status.ACTIVE)


# Enum values are text in YAML; lax mode for the enum only accepts exactly its values.
StatusValue = Annotated[Status, Field(strict=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Activation(_Strict):
    """K1: the activation date T and the day it was agreed with Hemit."""

    date: Day | None = Field(default=None, description="T, the agreed activation date (K1)")
    agreed_on: Day | None = Field(default=None, description="When T was agreed (K1)")


class Order(_Strict):
    """K2: the order sent to Hemit at meldingsansvarlig@helse-midt.no."""

    sent_on: Day | None = Field(default=None, description="When the order was sent (K2)")
    reference: Text | None = Field(default=None, description="Hemit's reference, if any")


MessageType = Annotated[str, StringConstraints(min_length=1, max_length=50)]


class Join(_Strict):
    """Message types added to a communication party, or a whole new party, once its kommune's
    routine has reached testing: they follow the routine on their own, from the day they were
    added (``pipeline.routine.lifecycle``)."""

    on: Day = Field(
        description="The day they were added; evidence dated before it does not count for them, "
        "and the gate holds it against the date of the base revision"
    )
    activation: Activation = Field(description="Their own activation date T and the day it was agreed (K1)")
    messages: list[MessageType] = Field(
        min_length=1, description="The message types that joined (all of a new party's)"
    )


class Withdrawal(_Strict):
    """A communication party, or some of its message types, withdrawn while the kommune stays:
    what an active agreement goes through before it may be removed (L3)."""

    on: Day
    messages: list[MessageType] | None = Field(
        default=None, description="Only these message types; absent: the whole party"
    )


class Party(_Strict):
    """A communication party as published in NHN's address register (AR)."""

    her_id: HerId
    name: Text
    edi_address: Email
    ar_published_on: Day | None = Field(
        default=None, description="When the party was published in AR (K3); absent until then"
    )
    messages: dict[str, Version] = Field(default_factory=dict, description="message type -> version ordered (K2)")
    joined: list[Join] = Field(
        default_factory=list,
        description="Late additions to a kommune already testing or active, each with its own routine",
    )
    withdrawn: Withdrawal | None = Field(default=None, description="The party's agreements withdrawn (L3)")

    def join_of(self, message_type: str) -> Join | None:
        """The (last) late addition that brought ``message_type``, or None for the kommune's own routine."""
        return next((j for j in reversed(self.joined) if message_type in j.messages), None)

    def withdrawn_type(self, message_type: str) -> bool:
        w = self.withdrawn
        return w is not None and (w.messages is None or message_type in w.messages)


Verdict = Literal["ok", "rejected", "ok-with-errors"]
MsgId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^\S+$")]
ErrorCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,60}$")]
TYPED_BY_HAND = "typed by hand"


class Receipt(_Strict):
    """One receipt ``oppkobling receipts import`` read: what it answers and its own id, so that a
    reviewer can find it in the message server (one line per receipt in the declaration)."""

    kind: Literal["transport", "apprec", "answer"] = Field(
        description="transport receipt (ebXML Acknowledgment/ErrorList), AppRec, or the answer to the test dialog"
    )
    test: str = Field(pattern=r"^[a-z0-9-]+$", description="the test message's type (epikrise, svarrapport, ...)")
    message: MsgId = Field(description="MsgId of the test message it answers (OriginalMsgId, RefToMessageId, ...)")
    result: Verdict | None = Field(default=None, description="what it says (none for an answer)")
    errors: list[ErrorCode] = Field(default_factory=list, description="kodeverk 8221 or ebMS error codes")
    at: Timestamp | None = Field(default=None, description="when it was made (GenDate, Timestamp)")
    id: MsgId | None = Field(default=None, description="the receipt's own MsgId: where the evidence came from")


class _Attempt(_Strict):
    """What one test attempt rests on: the receipts imported for it, or a value typed by hand
    (``source: typed by hand``), which counts for activation only with a ``justification``."""

    source: Literal["typed by hand"] | None = Field(
        default=None,
        description="'typed by hand' when recorded with 'oppkobling record' instead of imported from receipts",
    )
    justification: Text | None = Field(
        default=None, description="why values typed by hand may count for activation (R-H5)"
    )
    receipts: list[Receipt] = Field(default_factory=list, description="the receipts imported for this attempt")

    def of_kind(self, kind: str) -> list[Receipt]:
        return [r for r in self.receipts if r.kind == kind]


class Pretest(_Attempt):
    """K5/H2: one attempt of the test epikrise (and lab), Hemit's on T-7 or a re-test, and its receipts."""

    sent_on: Day | None = None
    transport_receipt: Literal["ok", "rejected"] | None = None
    apprec: Verdict | None = None

    @property
    def positive(self) -> bool:
        return self.transport_receipt == "ok" and self.apprec == "ok"

    @property
    def rejected(self) -> bool:
        return self.transport_receipt == "rejected" or self.apprec in ("rejected", "ok-with-errors")


class Dialog(_Attempt):
    """K6/H4: the test dialogmelding sent by the HF at 09:00 on T, and its answer."""

    sent_at: Timestamp | None = None
    answered_at: Timestamp | None = None


# One attempt written as a mapping (as declarations were before attempts were kept) or a list of
# them. The tags only steer validation (one error, not one per shape) and are left out of the
# error's path (``SHAPE_TAGS``).
ONE, MANY = "<one attempt>", "<attempts>"
SHAPE_TAGS = frozenset({ONE, MANY})


def _shape(value: Any) -> str:
    return MANY if isinstance(value, list) else ONE


Pretests = Annotated[
    Annotated[Pretest, Tag(ONE)] | Annotated[list[Pretest], Tag(MANY)],
    Discriminator(_shape),
]
Dialogs = Annotated[
    Annotated[Dialog, Tag(ONE)] | Annotated[list[Dialog], Tag(MANY)],
    Discriminator(_shape),
]


class TestEvidence(_Strict):
    """Per HF and party. Each of ``pretest`` and ``dialog`` is one attempt (as recorded before
    attempts were kept) or the list of every attempt, oldest first: the latest decides."""

    pretest: Pretests | None = None
    dialog: Dialogs | None = None

    @property
    def pretests(self) -> list[Pretest]:
        return _attempts(self.pretest)

    @property
    def dialogs(self) -> list[Dialog]:
        return _attempts(self.dialog)


AttemptT = TypeVar("AttemptT", Pretest, Dialog)


def _attempts(value: AttemptT | list[AttemptT] | None) -> list[AttemptT]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class Deviation(_Strict):
    """H3: a deviation during the test period; open until ``resolved_on`` is set."""

    opened_on: Day
    hf: str | None = None
    description: Text
    resolved_on: Day | None = None

    @property
    def open(self) -> bool:
        return self.resolved_on is None


class Kommune(_Strict):
    """``partners/kommuner/<kommunenummer>-<slug>.yaml``"""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        title="Kommune declaration",
        json_schema_extra={"$id": f"{SCHEMA_BASE}/kommune.schema.json"},
    )

    kommune: KommuneNumber = Field(description="Kommunenummer, 4 digits, as a string")
    name: Text
    org_number: OrgNumber
    contact: Email | None = Field(default=None, description="meldingsansvarlig@<kommune>.kommune.no (H3)")
    status: StatusValue
    paused_from: StatusValue | None = Field(
        default=None, description="The status a paused kommune returns to (only when paused)"
    )
    activation: Activation | None = None
    order: Order | None = None
    parties: list[Party] = Field(default_factory=list)
    tests: dict[str, dict[str, TestEvidence]] = Field(
        default_factory=dict, description="HF key -> HER-id -> test evidence (K5/H2, K6/H4)"
    )
    deviations: list[Deviation] = Field(default_factory=list)

    @field_validator("tests", mode="before")
    @classmethod
    def _her_keys_as_text(cls, value: Any) -> Any:
        # HER-ids may be written quoted or not as mapping keys; keep them as text.
        if isinstance(value, dict):
            return {
                hf: (
                    {str(k) if isinstance(k, int) else k: v for k, v in parties.items()}
                    if isinstance(parties, dict)
                    else parties
                )
                for hf, parties in value.items()
            }
        return value

    @property
    def t(self) -> dt.date | None:
        return self.activation.date if self.activation else None

    def evidence(self, hf: str, her_id: int) -> TestEvidence | None:
        return self.tests.get(hf, {}).get(str(her_id))

    def open_deviations(self) -> list[Deviation]:
        return [d for d in self.deviations if d.open]


class Deploy(_Strict):
    target: str | None = Field(default=None, description="dir:PATH or sftp://USER@HOST:PORT/PATH")
    keep_releases: int = Field(default=5, ge=1, le=100)


class Helseforetak(_Strict):
    """``partners/helseforetak/<key>.yaml``"""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        title="Helseforetak declaration",
        json_schema_extra={"$id": f"{SCHEMA_BASE}/helseforetak.schema.json"},
    )

    key: str = Field(pattern=r"^[a-z0-9-]+$")
    name: Text
    org_number: OrgNumber
    her_id: HerId
    edi_address: Email
    contact: Email
    supports: dict[str, list[Version]] = Field(description="message type -> versions the HF exchanges")
    deploy: Deploy | None = None


MODELS: dict[str, type[BaseModel]] = {"kommune": Kommune, "helseforetak": Helseforetak}


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
