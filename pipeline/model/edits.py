"""The edits ``oppkobling record`` makes to a declaration, each recording one step's evidence on
its round-trip representation (``pipeline.model.roundtrip``), so only the lines it means to
change change. New keys go where the models' field order puts them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from pipeline.errors import EditError, UsageError
from pipeline.model.models import Status

# The order keys take in a declaration (the models' field order): new keys go where they belong.
TOP_ORDER = (
    "kommune",
    "name",
    "org_number",
    "contact",
    "status",
    "paused_from",
    "activation",
    "order",
    "parties",
    "tests",
    "deviations",
)
PARTY_ORDER = ("her_id", "name", "edi_address", "ar_published_on", "messages")
PRETEST_ORDER = ("sent_on", "transport_receipt", "apprec")
DIALOG_ORDER = ("sent_at", "answered_at")
DEVIATION_ORDER = ("opened_on", "hf", "description", "resolved_on")


def _put(mapping: CommentedMap, key: Any, value: Any, order: tuple[str, ...]) -> None:
    """Set ``key``; a new key goes after the keys that precede it in ``order``."""
    if key in mapping:
        mapping[key] = value
        return
    rank = order.index(key) if key in order else len(order)
    position = sum(1 for k in mapping if (order.index(k) if k in order else len(order)) <= rank)
    mapping.insert(position, key, value)


def _child(mapping: CommentedMap, key: str, order: tuple[str, ...], *, flow: bool = False) -> CommentedMap:
    current = mapping.get(key)
    if isinstance(current, CommentedMap):
        return current
    child = CommentedMap()
    if flow:
        child.fa.set_flow_style()
    _put(mapping, key, child, order)
    return child


def _her_key(mapping: CommentedMap, her_id: int) -> Any:
    """The HER-id key as the file writes it (quoted text or a bare number); new ones quoted."""
    for key in mapping:
        if str(key) == str(her_id):
            return key
    return DoubleQuotedScalarString(str(her_id))


def _date(value: dt.date) -> dt.date:
    return dt.date(value.year, value.month, value.day)


def _timestamp(value: dt.datetime) -> str:
    """Quoted ISO 8601 text, as the examples write timestamps (a bare one would be re-typed)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise UsageError(f"{value.isoformat()}: give the time with its UTC offset, e.g. 2027-03-30T09:00:00+02:00")
    text: str = DoubleQuotedScalarString(value.isoformat())
    return text


Edit = Callable[[CommentedMap], str]


def set_activation(date: dt.date, agreed_on: dt.date | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        activation = _child(doc, "activation", TOP_ORDER)
        _put(activation, "date", _date(date), ("date", "agreed_on"))
        said = f"activation.date = {date.isoformat()}"
        if agreed_on is not None:
            _put(activation, "agreed_on", _date(agreed_on), ("date", "agreed_on"))
            said += f", agreed_on = {agreed_on.isoformat()}"
        return said

    return edit


def set_order(sent_on: dt.date, reference: str | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        order = _child(doc, "order", TOP_ORDER)
        _put(order, "sent_on", _date(sent_on), ("sent_on", "reference"))
        said = f"order.sent_on = {sent_on.isoformat()}"
        if reference is not None:
            _put(order, "reference", reference, ("sent_on", "reference"))
            said += f", reference = {reference}"
        return said

    return edit


def _party(doc: CommentedMap, her_id: int) -> CommentedMap:
    parties = doc.get("parties")
    for party in parties if isinstance(parties, CommentedSeq) else []:
        if isinstance(party, CommentedMap) and str(party.get("her_id")) == str(her_id):
            return party
    raise EditError(f"no communication party with HER-id {her_id} in this declaration")


def set_ar(her_id: int, on: dt.date) -> Edit:
    def edit(doc: CommentedMap) -> str:
        _put(_party(doc, her_id), "ar_published_on", _date(on), PARTY_ORDER)
        return f"party {her_id}: ar_published_on = {on.isoformat()}"

    return edit


def _evidence(doc: CommentedMap, hf: str, her_id: int) -> CommentedMap:
    tests = _child(doc, "tests", TOP_ORDER)
    by_party = _child(tests, hf, ())
    key = _her_key(by_party, her_id)
    current = by_party.get(key)
    if isinstance(current, CommentedMap):
        return current
    entry = CommentedMap()
    by_party[key] = entry
    return entry


def set_pretest(hf: str, her_id: int, sent_on: dt.date | None, transport: str | None, apprec: str | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        if sent_on is None and transport is None and apprec is None:
            raise UsageError("give at least one of --sent-on, --transport, --apprec")
        pretest = _child(_evidence(doc, hf, her_id), "pretest", ("pretest", "dialog"), flow=True)
        said = []
        for key, value in (("sent_on", sent_on), ("transport_receipt", transport), ("apprec", apprec)):
            if value is not None:
                _put(pretest, key, _date(value) if isinstance(value, dt.date) else value, PRETEST_ORDER)
                said.append(f"{key} = {value}")
        return f"tests.{hf}.{her_id}.pretest: {', '.join(said)}"

    return edit


def set_dialog(hf: str, her_id: int, sent_at: dt.datetime | None, answered_at: dt.datetime | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        if sent_at is None and answered_at is None:
            raise UsageError("give --sent-at, --answered-at or both")
        dialog = _child(_evidence(doc, hf, her_id), "dialog", ("pretest", "dialog"), flow=True)
        said = []
        for key, value in (("sent_at", sent_at), ("answered_at", answered_at)):
            if value is not None:
                _put(dialog, key, _timestamp(value), DIALOG_ORDER)
                said.append(f"{key} = {value.isoformat()}")
        return f"tests.{hf}.{her_id}.dialog: {', '.join(said)}"

    return edit


def open_deviation(hf: str | None, on: dt.date, description: str) -> Edit:
    def edit(doc: CommentedMap) -> str:
        deviations = doc.get("deviations")
        if not isinstance(deviations, CommentedSeq):
            deviations = CommentedSeq()
            _put(doc, "deviations", deviations, TOP_ORDER)
        entry = CommentedMap()
        entry["opened_on"] = _date(on)
        if hf is not None:
            entry["hf"] = hf
        entry["description"] = description
        deviations.append(entry)
        return f"deviation {len(deviations)} opened on {on.isoformat()}"

    return edit


def resolve_deviation(index: int, on: dt.date) -> Edit:
    """``index`` counts from 1, in file order."""

    def edit(doc: CommentedMap) -> str:
        deviations = doc.get("deviations")
        count = len(deviations) if isinstance(deviations, CommentedSeq) else 0
        if not isinstance(deviations, CommentedSeq) or not 1 <= index <= count:
            raise EditError(f"no deviation number {index} (the declaration lists {count}; the first is 1)")
        entry = deviations[index - 1]
        if not isinstance(entry, CommentedMap):
            raise EditError(f"deviation {index} is not a mapping")
        if entry.get("resolved_on") is not None:
            raise EditError(f"deviation {index} is already resolved (on {entry['resolved_on']})")
        _put(entry, "resolved_on", _date(on), DEVIATION_ORDER)
        return f"deviation {index} resolved on {on.isoformat()}"

    return edit


def set_status(new: Status, paused_from: Status | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        old = str(doc.get("status"))
        if new is Status.PAUSED:
            if old == Status.PAUSED:
                raise EditError("the kommune is already paused")
            if paused_from is None and old not in Status.__members__.values():
                raise EditError(f"the current status {old!r} is not a status; give --paused-from")
            _put(doc, "status", new.value, TOP_ORDER)
            _put(doc, "paused_from", (paused_from or Status(old)).value, TOP_ORDER)
            return f"status {old} → paused (from {doc['paused_from']})"
        if paused_from is not None:
            raise UsageError("--paused-from only goes with the status 'paused'")
        _put(doc, "status", new.value, TOP_ORDER)
        if "paused_from" in doc:
            del doc["paused_from"]
        return f"status {old} → {new.value}"

    return edit
