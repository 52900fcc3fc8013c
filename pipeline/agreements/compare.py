"""What differs between two readings of a partner agreement: ours, and one exported from a message server or
from NHN's CPPA service (``GET /Agreements/HerIds/{a}/{b}``), both read as the same party.

Differences are values, per message function (direction, process, action) where they belong to one, else for
the agreement: counterparty, Status, Start/End and certificate thumbprints. A function is matched by direction,
process name and action; one that is unmatched on both sides with the same direction and action (and no other
candidate) is matched anyway and its process name reported as the difference.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from pipeline.agreements.reading import Certificate, Direction, MessageFunction, Party, Reading
from pipeline.errors import UsageError
from pipeline.i18n import N_, _

Aspect = Literal[
    "agreement", "certificate", "function", "process", "role", "service", "action", "endpoint", "namespaces"
]


@dataclass(frozen=True, order=True)
class FunctionKey:
    """A message function as both documents name it: my direction, the process name and the action."""

    direction: Direction
    process: str
    action: str

    def __str__(self) -> str:
        return f"{self.direction} {self.action} ({self.process})"


@dataclass(frozen=True)
class Difference:
    aspect: Aspect
    function: FunctionKey | None  # None: the agreement as a whole
    field: str
    ours: str | None
    theirs: str | None

    @property
    def message(self) -> str:
        where = f"{self.function}: " if self.function else ""
        return where + _("{field}: ours {ours}, theirs {theirs}").format(
            field=_(self.field), ours=_show(self.ours), theirs=_show(self.theirs)
        )


def _show(value: str | None) -> str:
    return _("(none)") if value is None else repr(value)


def _key(f: MessageFunction) -> FunctionKey:
    return FunctionKey(f.direction, f.process.name, f.action.upper())


def _first_by_key(functions: Iterable[MessageFunction]) -> dict[FunctionKey, MessageFunction]:
    """The first function of each key (NHN's two-way roles repeat every binding in both roles)."""
    found: dict[FunctionKey, MessageFunction] = {}
    for f in functions:
        found.setdefault(_key(f), f)
    return found


def _uuid(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(value)) if value else value
    except ValueError:
        return value


def _namespaces(f: MessageFunction) -> str | None:
    if f.parts is None:
        return None
    return ", ".join(f"{p.namespace} ({p.location})" for p in f.parts)


# (aspect, field, value) for every compared property of a matched function, in report order.
_FIELDS: tuple[tuple[Aspect, str, Callable[[MessageFunction], str | None]], ...] = (
    ("process", N_("process version"), lambda f: f.process.version),
    ("process", N_("process uuid"), lambda f: _uuid(f.process.uuid)),
    ("process", N_("process href"), lambda f: f.process.href),
    ("role", N_("counterparty role"), lambda f: f.counterparty_role),
    ("role", N_("my role"), lambda f: f.my_role),
    ("service", N_("service"), lambda f: f.service),
    ("service", N_("service type"), lambda f: f.service_type),
    ("action", N_("action"), lambda f: f.action),
    ("endpoint", N_("endpoint"), lambda f: f.destination.uri if f.destination else None),
    ("endpoint", N_("transport protocol"), lambda f: f.destination.protocol if f.destination else None),
    ("namespaces", N_("payload namespaces"), _namespaces),
)


def _compare_function(key: FunctionKey, ours: MessageFunction, theirs: MessageFunction) -> list[Difference]:
    out = []
    if ours.process.name != theirs.process.name:
        out.append(Difference("process", key, N_("process name"), ours.process.name, theirs.process.name))
    for aspect, field, value in _FIELDS:
        a, b = value(ours), value(theirs)
        if a != b:
            out.append(Difference(aspect, key, field, a, b))
    return out


def _pair_leftovers(
    ours: dict[FunctionKey, MessageFunction], theirs: dict[FunctionKey, MessageFunction]
) -> list[tuple[FunctionKey, MessageFunction, MessageFunction]]:
    """Unmatched functions with the same direction and action on both sides, where each side has only one."""
    pairs = []
    for direction, action in sorted({(k.direction, k.action) for k in ours}):
        mine = [k for k in ours if (k.direction, k.action) == (direction, action)]
        other = [k for k in theirs if (k.direction, k.action) == (direction, action)]
        if len(mine) == 1 and len(other) == 1:
            pairs.append((mine[0], ours.pop(mine[0]), theirs.pop(other[0])))
    return pairs


def _certificate(c: Certificate | None) -> str | None:
    if c is None:
        return None
    return c.sha1 if c.sha1 else f"{c.cert_id} ({c.status})"


def _party(who: str, ours: Party | None, theirs: Party | None) -> list[Difference]:
    out = []
    for usage in ("signing", "encryption"):
        a = _certificate(getattr(ours, usage) if ours else None)
        b = _certificate(getattr(theirs, usage) if theirs else None)
        if a != b:
            out.append(Difference("certificate", None, f"{usage} certificate of {who} (SHA-1 thumbprint)", a, b))
    return out


def compare(ours: Reading, theirs: Reading) -> tuple[Difference, ...]:
    """Every difference between two readings made as the same party."""
    if ours.her_id != theirs.her_id:
        raise UsageError(
            _("compare two agreements as the same party (read as {her_id} and {her_id2})").format(
                her_id=ours.her_id, her_id2=theirs.her_id
            )
        )
    out: list[Difference] = []

    def agreement(field: str, a: object, b: object) -> None:
        if a != b:
            out.append(
                Difference("agreement", None, field, None if a is None else str(a), None if b is None else str(b))
            )

    agreement("document", ours.kind, theirs.kind)
    agreement("counterparty HER-id", ours.counterparty.her_id, theirs.counterparty.her_id)
    agreement("counterparty name", ours.counterparty.name, theirs.counterparty.name)
    agreement("status", ours.status, theirs.status)
    agreement(
        "start", ours.start.isoformat() if ours.start else None, theirs.start.isoformat() if theirs.start else None
    )
    agreement("end", ours.end.isoformat() if ours.end else None, theirs.end.isoformat() if theirs.end else None)
    out += _party("the counterparty", ours.counterparty, theirs.counterparty)
    out += _party("my party", ours.me, theirs.me)

    mine, other = _first_by_key(ours.functions), _first_by_key(theirs.functions)
    functions: list[Difference] = []
    for key in sorted(mine.keys() & other.keys()):
        functions += _compare_function(key, mine.pop(key), other.pop(key))
    for key, a, b in _pair_leftovers(mine, other):
        functions += _compare_function(key, a, b)
    functions += [Difference("function", k, "message function", str(k), None) for k in mine]
    functions += [Difference("function", k, "message function", None, str(k)) for k in other]
    functions.sort(key=lambda d: (d.function or FunctionKey("receive", "", ""), d.field))
    return (*out, *functions)
