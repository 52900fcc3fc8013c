"""NHN's hosted message server, EDI 2.0 (``msh-api-v2.json``): receipts as JSON.

The API's own responses, recognised by their keys:

- ``GET /Messages/{id}/status``: a list of ``StatusInfo`` per receiver -- ``transportDeliveryState``
  (Unconfirmed, Acknowledged, Rejected) and ``appRecStatus`` (Ok, Rejected, OkErrorInMessagePart or
  null while none has come);
- ``GET /Messages/{id}/apprec``: a list of ``ApprecInfo`` -- ``appRecStatus`` and ``appRecErrorList``
  (``errorCode``, kodeverk 8221, ``details``, ``description``, ``oid``);
- ``GET /Messages/{id}``: the ``Message`` -- ``id`` (EDI 2.0's own), ``businessDocumentId`` (the MsgId),
  ``senderHerId``, ``receiverHerId``;
- ``GET /Messages/{id}/business-document``: the payload, base64 (an AppRec or a dialog answer
  received through EDI 2.0), read like any other XML;
- an ``ErrorMessage`` (``error``, ``errorCode``, ``requestId``): refused, the service answered an error.

The status and apprec responses do not say which message they are about (the id is in the URL),
so on their own they cannot be matched: they are read, and reported as unlinked. What links them
is an export that keeps each response with its message, the shape oppkobling's EDI 2.0 client
saves::

    {"message": {...GET /Messages/{id}...}, "status": [...], "apprec": [...],
     "retrievedAt": "2027-06-01T09:05:00+02:00"}

``retrievedAt`` is the only time there is: EDI 2.0 reports no receipt times. Each entry's
``receiverHerId`` is the party the receipt comes from; the message's ``senderHerId`` is who it
goes to.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from typing import Any

from pipeline.i18n import _
from pipeline.receipts.codes import EDI2_APPREC_STATUS, EDI2_DELIVERY_STATE, STATUS_8258
from pipeline.receipts.model import (
    AppRecError,
    AppRecReceipt,
    Batch,
    Origin,
    PartyRef,
    ProblemKind,
    TransportReceipt,
    TransportState,
)
from pipeline.receipts.times import kith_time

HER_MAX = 2_147_483_647
# Reads a decoded business document (XML) the way any other file is read.
ReadPayload = Callable[[bytes, Origin, Batch], None]


def _her(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= HER_MAX:
        return value
    return None


def _is_status(entry: Any) -> bool:
    return isinstance(entry, dict) and "receiverHerId" in entry and "transportDeliveryState" in entry


def _is_apprec(entry: Any) -> bool:
    return isinstance(entry, dict) and "receiverHerId" in entry and "appRecStatus" in entry and not _is_status(entry)


def _is_message(entry: Any) -> bool:
    return isinstance(entry, dict) and "id" in entry and "receiverHerId" in entry


class _Link:
    """The message a response belongs to (from an export), or nothing (a bare response)."""

    def __init__(self, message: dict[str, Any] | None, retrieved_at: dt.datetime | None) -> None:
        self.msg_id: str | None = None
        self.own_id: str | None = None
        self.sender = PartyRef(None)
        self.at = retrieved_at
        if message is not None:
            doc_id = message.get("businessDocumentId")
            self.msg_id = doc_id.strip() if isinstance(doc_id, str) and doc_id.strip() else None
            own = message.get("id")
            self.own_id = own if isinstance(own, str) else None
            self.sender = PartyRef(_her(message.get("senderHerId")))


def read(doc: Any, origin: Origin, batch: Batch, payload: ReadPayload) -> None:
    """Add what the JSON document ``doc`` says to ``batch``."""
    if isinstance(doc, dict):
        _object(doc, origin, batch, payload)
    elif isinstance(doc, list) and doc and all(_is_status(e) for e in doc):
        _statuses(doc, origin, batch, _Link(None, None), None)
    elif isinstance(doc, list) and doc and all(_is_apprec(e) for e in doc):
        _apprecs(doc, origin, batch, _Link(None, None))
    elif isinstance(doc, list) and doc and all(_is_message(e) for e in doc):
        batch.problem(
            ProblemKind.NOT_A_RECEIPT, origin, _("an EDI 2.0 message list (GET /Messages): no receipts in it")
        )
    else:
        batch.problem(
            ProblemKind.UNRECOGNISED, origin, _("JSON, but not an EDI 2.0 status, apprec or message response")
        )


def _object(doc: dict[str, Any], origin: Origin, batch: Batch, payload: ReadPayload) -> None:
    if "message" in doc and ("status" in doc or "apprec" in doc):
        _export(doc, origin, batch)
    elif "requestId" in doc and ("error" in doc or "errorCode" in doc):
        batch.problem(
            ProblemKind.SERVICE_ERROR,
            origin,
            _(
                "EDI 2.0 answered with an error instead of a status: {error!r} "
                "(errorCode {code!r}, requestId {request!r})"
            ).format(error=doc.get("error"), code=doc.get("errorCode"), request=doc.get("requestId")),
        )
    elif "businessDocument" in doc and "contentType" in doc:
        _business_document(doc, origin, batch, payload)
    elif _is_message(doc):
        batch.problem(
            ProblemKind.NOT_A_RECEIPT,
            origin,
            _("EDI 2.0 message {value!r} (GET /Messages/{{id}}) without its status or apprec: no receipt in it").format(
                value=doc.get("id")
            ),
        )
    else:
        batch.problem(
            ProblemKind.UNRECOGNISED, origin, _("JSON, but not an EDI 2.0 status, apprec or message response")
        )


def _export(doc: dict[str, Any], origin: Origin, batch: Batch) -> None:
    message = doc.get("message")
    if not isinstance(message, dict):
        batch.problem(
            ProblemKind.INCOMPLETE, origin.within(part="message"), _("EDI 2.0 export: 'message' is not an object")
        )
        return
    retrieved_text = doc.get("retrievedAt")
    retrieved = kith_time(retrieved_text) if isinstance(retrieved_text, str) else None
    if retrieved_text is not None and retrieved is None:
        batch.problem(
            ProblemKind.INCOMPLETE,
            origin.within(part="retrievedAt"),
            _("{retrieved_text!r} is not a date and time").format(retrieved_text=retrieved_text),
        )
        return
    link = _Link(message, retrieved)
    if link.msg_id is None:
        batch.problem(
            ProblemKind.UNLINKED,
            origin.within(part="message.businessDocumentId"),
            _("EDI 2.0 message without businessDocumentId (fetch it with includeMetadata=true): it names no MsgId"),
        )
        return
    apprec = doc.get("apprec")
    status = doc.get("status")
    for key, value, check in (("status", status, _is_status), ("apprec", apprec, _is_apprec)):
        if value is not None and not (isinstance(value, list) and all(check(e) for e in value)):
            batch.problem(
                ProblemKind.INCOMPLETE,
                origin.within(part=key),
                _("EDI 2.0 export: '{key}' is not a {key} response").format(key=key),
            )
            return
    if isinstance(status, list):
        _statuses(status, origin, batch, link, apprec if isinstance(apprec, list) else None)
    if isinstance(apprec, list):
        _apprecs(apprec, origin, batch, link)


def _statuses(entries: list[Any], origin: Origin, batch: Batch, link: _Link, apprecs: list[Any] | None) -> None:
    apprec_by_receiver = {e.get("receiverHerId"): e.get("appRecStatus") for e in apprecs or ()}
    for index, entry in enumerate(entries):
        where = origin.within(part=f"status[{index}]")
        receiver = _her(entry.get("receiverHerId"))
        state_text = entry.get("transportDeliveryState")
        if receiver is None or state_text not in EDI2_DELIVERY_STATE:
            batch.problem(
                ProblemKind.INCOMPLETE,
                where,
                _(
                    "EDI 2.0 status entry: receiverHerId {her_id!r}, transportDeliveryState {state_text!r} "
                    "(expected a HER-id and one of {states})"
                ).format(
                    her_id=entry.get("receiverHerId"), state_text=state_text, states=", ".join(EDI2_DELIVERY_STATE)
                ),
            )
            continue
        state: TransportState | None = "ok" if state_text == "Acknowledged" else None
        if state_text == "Rejected":
            state = "rejected"
        if state is None:
            batch.problem(
                ProblemKind.PENDING,
                where,
                _("EDI 2.0: no transport receipt yet from HER-id {receiver}").format(receiver=receiver),
            )
        else:
            batch.receipts.append(
                TransportReceipt(
                    where, state, link.msg_id, link.at, PartyRef(receiver), link.sender, link.own_id, via="edi2"
                )
            )
        if apprecs is None:
            _apprec(entry, where, batch, link, errors=())
        elif receiver in apprec_by_receiver and apprec_by_receiver[receiver] != entry.get("appRecStatus"):
            batch.problem(
                ProblemKind.INCONSISTENT,
                where,
                _(
                    "EDI 2.0 status says appRecStatus {value!r} for HER-id {receiver}, the apprec response {value2!r}"
                ).format(value=entry.get("appRecStatus"), receiver=receiver, value2=apprec_by_receiver[receiver]),
            )


def _apprecs(entries: list[Any], origin: Origin, batch: Batch, link: _Link) -> None:
    for index, entry in enumerate(entries):
        where = origin.within(part=f"apprec[{index}]")
        raw = entry.get("appRecErrorList") or []
        if not isinstance(raw, list) or not all(
            isinstance(e, dict) and isinstance(e.get("errorCode"), str) for e in raw
        ):
            batch.problem(
                ProblemKind.INCOMPLETE, where, _("EDI 2.0 appRecErrorList is not a list of errors with an errorCode")
            )
            continue
        errors = tuple(
            AppRecError(
                code=e["errorCode"].strip(),
                system=e.get("oid") if isinstance(e.get("oid"), str) else None,
                text=e.get("details") if isinstance(e.get("details"), str) else None,
                detail=e.get("description") if isinstance(e.get("description"), str) else None,
            )
            for e in raw
        )
        _apprec(entry, where, batch, link, errors=errors)


def _apprec(entry: dict[str, Any], where: Origin, batch: Batch, link: _Link, errors: tuple[AppRecError, ...]) -> None:
    receiver = _her(entry.get("receiverHerId"))
    value = entry.get("appRecStatus")
    if receiver is None:
        batch.problem(
            ProblemKind.INCOMPLETE,
            where,
            _("EDI 2.0: receiverHerId {value!r} is not a HER-id").format(value=entry.get("receiverHerId")),
        )
        return
    if value is None:
        batch.problem(
            ProblemKind.PENDING, where, _("EDI 2.0: no AppRec yet from HER-id {receiver}").format(receiver=receiver)
        )
        return
    code = EDI2_APPREC_STATUS.get(value) if isinstance(value, str) else None
    if code is None:
        batch.problem(
            ProblemKind.INCOMPLETE,
            where,
            _("EDI 2.0 appRecStatus {value!r} is not one of {value2}").format(
                value=value, value2=", ".join(EDI2_APPREC_STATUS)
            ),
        )
        return
    batch.receipts.append(
        AppRecReceipt(
            origin=where,
            version=None,
            own_id=link.own_id,
            at=link.at,
            status=STATUS_8258[code][0],
            errors=errors,
            refers_to=link.msg_id,
            original_type=None,
            sender=PartyRef(receiver),
            receiver=link.sender,
            via="edi2",
        )
    )


def _business_document(doc: dict[str, Any], origin: Origin, batch: Batch, payload: ReadPayload) -> None:
    where = origin.within(part="businessDocument")
    encoding = str(doc.get("contentTransferEncoding") or "base64").lower()
    body = doc.get("businessDocument")
    if encoding != "base64" or not isinstance(body, str):
        batch.problem(
            ProblemKind.INCOMPLETE,
            where,
            _("EDI 2.0 business document in {encoding!r}, expected base64 text").format(encoding=encoding),
        )
        return
    try:
        data = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        batch.problem(
            ProblemKind.MALFORMED, where, _("EDI 2.0 business document is not valid base64: {exc}").format(exc=exc)
        )
        return
    payload(data, where, batch)
