"""ebXML (ebMS 2.0) SOAP envelopes: the transport receipt.

A positive transport receipt is an ``eb:Acknowledgment`` in the SOAP header, its
``RefToMessageId`` naming the message it answers; a negative one an ``eb:ErrorList`` of
``eb:Error`` (``errorCode``, ``severity``), in a message whose ``MessageData/RefToMessageId`` names
the message in error (Action "MessageError"). Either may ride on another message (ebMS
piggy-backing), so both are looked for in every envelope. ``From`` is who sends the receipt: the
test message's receiver. PartyIds of type HER name the parties (HIS 1037: HER-id is mandatory).
``Timestamp`` is UTC (ebMS 2.0), ``pipeline.receipts.times``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from pipeline.i18n import _
from pipeline.receipts.apprec import her_id
from pipeline.receipts.model import (
    Batch,
    Origin,
    PartyRef,
    ProblemKind,
    TransportError,
    TransportReceipt,
    TransportState,
    party,
)
from pipeline.receipts.times import ebxml_time

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
EB = "http://www.oasis-open.org/committees/ebxml-msg/schema/msg-header-2_0.xsd"
ENVELOPE = f"{{{SOAP}}}Envelope"

_S = "{" + SOAP + "}"
_E = "{" + EB + "}"
_PARTY_ID = _E + "PartyId"
_TYPE = _E + "type"


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the envelope says about its own message, for cross-checks with its payload."""

    sender: PartyRef
    receiver: PartyRef
    action: str | None
    message_id: str | None
    receipts: int  # transport receipts found in it


def _text(fields: dict[object, etree._Element], tag: str) -> str | None:
    node = fields.get(_E + tag)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _party(side: etree._Element | None) -> PartyRef:
    if side is None:
        return PartyRef(None)
    found: int | None = None
    others: list[str] = []
    for pid in side:  # a plain walk over the children: a tag filter costs more than it saves here
        if pid.tag != _PARTY_ID:
            continue
        kind = (pid.get(_TYPE) or pid.get("type") or "").strip()
        value = (pid.text or "").strip()
        number = her_id(value) if found is None and kind.upper() == "HER" else None
        if number is not None:
            found = number
        elif value:
            others.append(f"{kind or '?'} {value}")
    return party(found, None, () if found is not None else tuple(others))


def _attr(element: etree._Element, name: str) -> str | None:
    value = element.get(_E + name) or element.get(name)
    return value.strip() if value else None


def _children(parent: etree._Element | None) -> dict[object, etree._Element]:
    """The first child of each tag (one pass over the children)."""
    found: dict[object, etree._Element] = {}
    for child in () if parent is None else parent:
        found.setdefault(child.tag, child)
    return found


def read(root: etree._Element, origin: Origin, batch: Batch) -> Envelope:
    """Add the transport receipts in the envelope ``root`` to ``batch``; describe the envelope."""
    header = _children(root).get(_S + "Header")
    parts = _children(header)
    head = parts.get(_E + "MessageHeader")
    fields = _children(head)
    data = fields.get(_E + "MessageData")
    sender = _party(fields.get(_E + "From"))
    receiver = _party(fields.get(_E + "To"))
    data_fields = _children(data)
    own_id = _text(data_fields, "MessageId")
    action = _text(fields, "Action")
    if header is None or head is None:
        batch.problem(ProblemKind.INCOMPLETE, origin, _("SOAP envelope without an ebXML MessageHeader (ebMS 2.0)"))
        return Envelope(sender, receiver, action, own_id, 0)
    found = 0
    ack = parts.get(_E + "Acknowledgment")
    if ack is not None:
        ack_fields = _children(ack)
        refers_to = _text(ack_fields, "RefToMessageId") or _text(data_fields, "RefToMessageId")
        if refers_to is None:
            batch.problem(
                ProblemKind.INCOMPLETE, origin, _("ebXML Acknowledgment without RefToMessageId: it names no message")
            )
        else:
            at_text = _text(ack_fields, "Timestamp") or _text(data_fields, "Timestamp")
            batch.receipts.append(
                TransportReceipt(origin, "ok", refers_to, ebxml_time(at_text), sender, receiver, own_id)
            )
            found += 1
    errors = parts.get(_E + "ErrorList")
    if errors is not None:
        found += _error_list(errors, data_fields, origin, sender, receiver, own_id, batch)
    return Envelope(sender, receiver, action, own_id, found)


def _error_list(
    errors: etree._Element,
    data: dict[object, etree._Element],
    origin: Origin,
    sender: PartyRef,
    receiver: PartyRef,
    own_id: str | None,
    batch: Batch,
) -> int:
    entries = tuple(
        TransportError(
            code=_attr(e, "errorCode") or "Unknown",
            severity=_attr(e, "severity") or "Error",
            description=_text(_children(e), "Description"),
            location=_attr(e, "location"),
        )
        for e in errors.iterfind(_E + "Error")
    )
    refers_to = _text(data, "RefToMessageId")
    if not entries:
        batch.problem(ProblemKind.INCOMPLETE, origin, _("ebXML ErrorList without any Error"))
        return 0
    if refers_to is None:
        batch.problem(
            ProblemKind.INCOMPLETE,
            origin,
            _("ebXML ErrorList in a message without MessageData/RefToMessageId: it names no message"),
        )
        return 0
    state: TransportState = "rejected" if any(e.severity.lower() != "warning" for e in entries) else "warning"
    at = ebxml_time(_text(data, "Timestamp"))
    batch.receipts.append(TransportReceipt(origin, state, refers_to, at, sender, receiver, own_id, entries))
    return 1
