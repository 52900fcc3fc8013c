"""Receipts for the shipped examples, made from ``generated/fixtures/*/schedule.json`` (and the
fixtures' expected answers): what the message servers and receiving systems would send back.

Our own files, built with lxml and the stdlib ``email``/``mailbox`` (no official file is copied),
shaped like the official examples in ``../shared/standards/examples/``:

- AppRec 1.0 and 1.1 as in ``apprec/1.0/AppRec-v1-eksempel-*.xml`` and HITS 1168's examples
  (``apprec/1.1``): MsgType, MIGversion, GenDate, Id, Sender (Role PRIM, the receiving party),
  Receiver (Role AVS, the HF), Status (8258), Error (8221), OriginalMsgId;
- ebXML envelopes as in ``ebxml/Acknowledgment.xml`` and ``ebxml/ebxml-eksempel.xml``: the
  Acknowledgment in the SOAP header, an ErrorList for a rejection (ebMS 2.0), an APPREC or dialog
  message whose Manifest points at the payload part;
- RFC 5322 ``multipart/related`` messages (envelope part, payload part decrypted), a Maildir and
  an mbox of them, and NHN EDI 2.0 exports (message + status + apprec, as in ``edi2/``).

Usage: ``python tests/receipts/make_receipts.py OUT [--generated generated] [--kommune 1506]
[--step K5/H2|K6/H4] [--reject HF:TYPE:CODE ...] [--transport-error HF:TYPE:CODE ...]`` writes, per kommune,
``xml/``, ``eml/``, ``maildir/``, ``receipts.mbox`` and ``edi2/``. Tests call ``build`` and write
into temporary directories.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import mailbox
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Literal

from lxml import etree

APPREC_NS = {
    "1.0": "http://www.kith.no/xmlstds/apprec/2004-11-21",
    "1.1": "http://www.kith.no/xmlstds/apprec/2012-02-15",
}
APPREC_MIG = {"1.0": "1.0 2004-11-21", "1.1": "v1.1 2012-02-15"}
OID_8221 = "2.16.578.1.12.4.1.1.8221"
STATUS_DN = {"1": "OK", "2": "Avvist", "3": "OK, feil i delmelding"}
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
EB = "http://www.oasis-open.org/committees/ebxml-msg/schema/msg-header-2_0.xsd"
XLINK = "http://www.w3.org/1999/xlink"
MSGHEAD = "http://www.kith.no/xmlstds/msghead/2006-05-24"
EBXML_SERVICE = "urn:oasis:names:tc:ebxml-msg:service"
NAMESPACE = uuid.UUID("0b7c4d0e-7f0a-4a40-9a57-5d7c2b8f3c11")  # ids of these receipts, stable per input
# Texts of the codes the examples use (kodeverk 8221), for the DN attribute.
CODE_TEXT = {
    "E10": "Ugyldig meldingsidentifikator",
    "E21": "Mottaker finnes ikke",
    "E30": "Pasientens fødselsnummer mangler",
    "E35": "Pasienten finnes ikke i mottakersystemet",
    "S02": "Ugyldig sertifikat",
    "T02": "XML validerer ikke",
}
APPREC_DELAY = dt.timedelta(minutes=7)
ACK_DELAY = dt.timedelta(minutes=1)
ANSWER_DELAY = dt.timedelta(hours=2)

Form = Literal["xml", "eml", "edi2"]
What = Literal["apprec", "ack", "error", "answer", "apprec-message", "answer-message"]


@dataclass(frozen=True)
class Fixture:
    """One test message from a schedule, with what its answer should look like."""

    kommune: str
    directory: Path  # generated/fixtures/<kommune>/
    data: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def hf(self) -> str:
        return str(self.data["hf"])

    @property
    def party(self) -> int:
        return int(self.data["receiver"]["her_id"])

    @property
    def hf_her(self) -> int:
        return int(self.data["sender"]["her_id"])

    @property
    def sent_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.data["send_at"])

    @property
    def attempt(self) -> int:
        return int(self.data.get("attempt", 1))

    @property
    def stem(self) -> str:
        retest = f"-attempt-{self.attempt}" if self.attempt > 1 else ""
        return f"{self.hf}-{self.party}-{self.data['message_type']}{retest}"

    def stable_id(self, kind: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.data['msg_id']}|{kind}"))


def schedules(generated: Path) -> list[tuple[dict[str, Any], Path]]:
    return [
        (json.loads(p.read_text("utf-8")), p.parent) for p in sorted((generated / "fixtures").glob("*/schedule.json"))
    ]


def fixtures(schedule: dict[str, Any], directory: Path) -> list[Fixture]:
    return [Fixture(schedule["kommune"], directory, f) for f in schedule["fixtures"]]


def _sub(parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}")
    for name, value in attrs.items():
        element.set(name, value)
    if text is not None:
        element.text = text
    return element


def _inst(ns: str, parent: etree._Element, party: dict[str, Any], her_id: int | None = None) -> None:
    inst = _sub(_sub(parent, ns, "HCP"), ns, "Inst")
    _sub(inst, ns, "Name", party["name"])
    _sub(inst, ns, "Id", str(her_id if her_id is not None else party["her_id"]))
    _sub(inst, ns, "TypeId", V="HER", DN="HER-id")


def apprec(
    fx: Fixture,
    *,
    status: str = "1",
    errors: Iterable[str] = (),
    at: dt.datetime | None = None,
    own_id: str | None = None,
    version: str | None = None,
    sender_her: int | None = None,
    original: str | None = None,
) -> bytes:
    """An AppRec from the party back to the HF for the test message ``fx``."""
    version = version or fx["apprec"]["version"]
    ns = APPREC_NS[version]
    root = etree.Element(f"{{{ns}}}AppRec", nsmap={None: ns})  # type: ignore[dict-item]
    _sub(root, ns, "MsgType", V="APPREC", DN="Applikasjonskvittering")
    _sub(root, ns, "MIGversion", APPREC_MIG[version])
    _sub(root, ns, "GenDate", (at or fx.sent_at + APPREC_DELAY).isoformat(timespec="seconds"))
    _sub(root, ns, "Id", own_id or fx.stable_id(f"apprec-{status}"))
    sender = _sub(root, ns, "Sender")
    _sub(sender, ns, "Role", V="PRIM", DN="Primærmottaker")
    _inst(ns, sender, fx["receiver"], sender_her)
    receiver = _sub(root, ns, "Receiver")
    _sub(receiver, ns, "Role", V="AVS", DN="Avsender")
    _inst(ns, receiver, fx["sender"])
    _sub(root, ns, "Status", V=status, DN=STATUS_DN[status])
    for code in errors:
        _sub(root, ns, "Error", S=OID_8221, V=code, DN=CODE_TEXT.get(code, code))
    orig = _sub(root, ns, "OriginalMsgId")
    _sub(orig, ns, "MsgType", V=fx["action"])
    _sub(orig, ns, "IssueDate", fx["send_at"])
    _sub(orig, ns, "Id", original or fx["msg_id"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def answer(fx: Fixture, *, at: dt.datetime | None = None, own_id: str | None = None) -> bytes:
    """The answer to the test dialog ``fx``: the fixture's expected answer with its own MsgId and time."""
    expected = fx.directory / fx["answer"]["file"]
    root = etree.fromstring(expected.read_bytes())
    info = root.find(f"{{{MSGHEAD}}}MsgInfo")
    assert info is not None
    gen_date, msg_id = info.find(f"{{{MSGHEAD}}}GenDate"), info.find(f"{{{MSGHEAD}}}MsgId")
    assert gen_date is not None and msg_id is not None
    gen_date.text = (at or fx.sent_at + ANSWER_DELAY).isoformat(timespec="seconds")
    msg_id.text = own_id or fx.stable_id("answer")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class Header:
    """An ebXML MessageHeader: From and To by HER-id, the service and action, ids and time."""

    from_her: int
    to_her: int
    from_role: str
    to_role: str
    service: str
    action: str
    message_id: str
    conversation_id: str
    timestamp: dt.datetime
    ref_to: str | None = None


def _ebxml_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    h: Header, *, ack_of: str | None = None, errors: Iterable[str] = (), payload_cid: str | None = None
) -> bytes:
    nsmap = {"SOAP": SOAP, "eb": EB, "xlink": XLINK}
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap=nsmap)
    header = _sub(root, SOAP, "Header")
    head = _sub(header, EB, "MessageHeader", **{f"{{{SOAP}}}mustUnderstand": "1", f"{{{EB}}}version": "2.0"})
    for side, her, role in (("From", h.from_her, h.from_role), ("To", h.to_her, h.to_role)):
        node = _sub(head, EB, side)
        _sub(node, EB, "PartyId", str(her), **{f"{{{EB}}}type": "HER"})
        _sub(node, EB, "Role", role)
    _sub(head, EB, "CPAId", f"oppkobling_{h.to_her}_{h.from_her}")
    _sub(head, EB, "ConversationId", h.conversation_id)
    _sub(head, EB, "Service", h.service)
    _sub(head, EB, "Action", h.action)
    data = _sub(head, EB, "MessageData")
    _sub(data, EB, "MessageId", h.message_id)
    _sub(data, EB, "Timestamp", _ebxml_time(h.timestamp))
    if h.ref_to:
        _sub(data, EB, "RefToMessageId", h.ref_to)
    if ack_of is not None:
        ack = _sub(header, EB, "Acknowledgment", **{f"{{{EB}}}version": "2.0", f"{{{SOAP}}}mustUnderstand": "1"})
        _sub(ack, EB, "Timestamp", _ebxml_time(h.timestamp))
        _sub(ack, EB, "RefToMessageId", ack_of)
    codes = list(errors)
    if codes:
        error_list = _sub(
            header,
            EB,
            "ErrorList",
            **{f"{{{EB}}}version": "2.0", f"{{{SOAP}}}mustUnderstand": "1", f"{{{EB}}}highestSeverity": "Error"},
        )
        for code in codes:
            error = _sub(
                error_list,
                EB,
                "Error",
                **{
                    f"{{{EB}}}errorCode": code,
                    f"{{{EB}}}severity": "Error",
                    f"{{{EB}}}codeContext": "urn:oasis:names:tc:ebxml-msg:service:errors",
                },
            )
            _sub(
                error,
                EB,
                "Description",
                f"{code} ved mottak av testmelding",
                **{"{http://www.w3.org/XML/1998/namespace}lang": "no"},
            )
    body = _sub(root, SOAP, "Body")
    if payload_cid:
        manifest = _sub(body, EB, "Manifest", **{f"{{{EB}}}version": "2.0"})
        ref = _sub(
            manifest, EB, "Reference", **{f"{{{XLINK}}}href": f"cid:{payload_cid}", f"{{{XLINK}}}type": "simple"}
        )
        _sub(ref, EB, "Description", h.action, **{"{http://www.w3.org/XML/1998/namespace}lang": "no"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _leg(fx: Fixture, action: str, message_id: str, at: dt.datetime, ref_to: str | None = None) -> Header:
    """A header from the party back to the HF (roles swapped, as on the AppRec leg)."""
    original = str(fx["action"])
    service = EBXML_SERVICE if action in ("Acknowledgment", "MessageError") else f"S-{original}"
    return Header(
        fx.party,
        fx.hf_her,
        f"{original}receiver",
        f"{original}sender",
        service,
        action,
        message_id,
        fx["msg_id"],
        at,
        ref_to,
    )


def acknowledgment(fx: Fixture, *, at: dt.datetime | None = None, from_her: int | None = None) -> bytes:
    h = _leg(fx, "Acknowledgment", fx.stable_id("ack"), at or fx.sent_at + ACK_DELAY, fx["msg_id"])
    return envelope(replace(h, from_her=from_her) if from_her else h, ack_of=fx["msg_id"])


def message_error(fx: Fixture, codes: Iterable[str], *, at: dt.datetime | None = None) -> bytes:
    h = _leg(fx, "MessageError", fx.stable_id("error"), at or fx.sent_at + ACK_DELAY, fx["msg_id"])
    return envelope(h, errors=codes)


def mime(envelope_xml: bytes, payload: bytes | None, *, subject: str, message_id: str, at: dt.datetime) -> bytes:
    """An ebXML message over SMTP: multipart/related, the envelope part first (``start``)."""
    msg = EmailMessage()
    msg["From"] = "edi@testedi.nhn.no"
    msg["To"] = "hemit@testedi.nhn.no"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = f"<{message_id}@oppkobling.example>"
    msg["SOAPAction"] = "ebXML"
    if payload is None:
        msg.set_content(envelope_xml, maintype="text", subtype="xml", cte="base64")
        return msg.as_bytes()
    msg.set_type("multipart/related")
    msg.set_param("type", "text/xml")
    msg.set_param("start", "<ebxml-envelope@oppkobling.example>")
    head = EmailMessage()
    head.set_content(envelope_xml, maintype="text", subtype="xml", cte="base64")
    head["Content-ID"] = "<ebxml-envelope@oppkobling.example>"
    body = EmailMessage()
    body.set_content(payload, maintype="application", subtype="xml", cte="base64")
    body["Content-ID"] = "<ebxml-payload@oppkobling.example>"
    msg.attach(head)
    msg.attach(body)
    return msg.as_bytes()


def apprec_message(fx: Fixture, payload: bytes, *, at: dt.datetime | None = None) -> bytes:
    moment = at or fx.sent_at + APPREC_DELAY
    h = _leg(fx, "APPREC", fx.stable_id("apprec-message"), moment)
    env = envelope(h, payload_cid="ebxml-payload@oppkobling.example")
    return mime(env, payload, subject="APPREC", message_id=h.message_id, at=moment)


def answer_message(fx: Fixture, payload: bytes, *, at: dt.datetime | None = None) -> bytes:
    moment = at or fx.sent_at + ANSWER_DELAY
    answer_action = str(fx["answer"]["action"])
    h = replace(
        _leg(fx, answer_action, fx.stable_id("answer-message"), moment),
        service=f"S-{answer_action}",
        from_role=f"{answer_action}sender",
        to_role=f"{answer_action}receiver",
    )
    env = envelope(h, payload_cid="ebxml-payload@oppkobling.example")
    return mime(env, payload, subject=answer_action, message_id=h.message_id, at=moment)


def transport_message(fx: Fixture, xml: bytes, kind: str) -> bytes:
    return mime(xml, None, subject=kind, message_id=fx.stable_id(kind), at=fx.sent_at + ACK_DELAY)


def edi2_export(
    fx: Fixture,
    *,
    delivery: str = "Acknowledged",
    apprec_status: str | None = "Ok",
    errors: Iterable[str] = (),
    retrieved_at: dt.datetime | None = None,
) -> bytes:
    """What oppkobling's EDI 2.0 client saves for one message: GET /Messages/{id}, /status, /apprec."""
    edi2_id = fx.stable_id("edi2")
    doc = {
        "message": {
            "id": edi2_id,
            "contentType": "application/xml",
            "receiverHerId": fx.party,
            "senderHerId": fx.hf_her,
            "businessDocumentId": fx["msg_id"],
            "businessDocumentGenDate": fx["send_at"],
            "isAppRec": False,
        },
        "status": [{"receiverHerId": fx.party, "transportDeliveryState": delivery, "appRecStatus": apprec_status}],
        "apprec": [
            {
                "receiverHerId": fx.party,
                "appRecStatus": apprec_status,
                "appRecErrorList": [
                    {"errorCode": c, "details": CODE_TEXT.get(c, c), "description": None, "oid": None} for c in errors
                ],
            }
        ],
        "retrievedAt": (retrieved_at or fx.sent_at + dt.timedelta(hours=1)).isoformat(timespec="seconds"),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


@dataclass(frozen=True)
class Item:
    name: str
    data: bytes
    form: Form
    what: What
    fixture: Fixture


@dataclass
class Plan:
    """Which receipts are negative: (hf, message_type) -> 8221 codes (AppRec Avvist) or ebMS codes."""

    reject: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    transport_error: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    answers: bool = True


def build(fx_list: Iterable[Fixture], plan: Plan | None = None) -> list[Item]:
    """Every receipt for the test messages, in each form."""
    plan = plan or Plan()
    items: list[Item] = []
    for fx in fx_list:
        key = (fx.hf, str(fx["message_type"]))
        codes = plan.reject.get(key, ())
        status = "2" if codes else "1"
        rec = apprec(fx, status=status, errors=codes)
        transport_codes = plan.transport_error.get(key, ())
        transport = message_error(fx, transport_codes) if transport_codes else acknowledgment(fx)
        kind: What = "error" if transport_codes else "ack"
        items += [
            Item(f"xml/{fx.stem}.apprec.xml", rec, "xml", "apprec", fx),
            Item(f"xml/{fx.stem}.{kind}.xml", transport, "xml", kind, fx),
            Item(f"eml/{fx.stem}.apprec.eml", apprec_message(fx, rec), "eml", "apprec-message", fx),
            Item(f"eml/{fx.stem}.{kind}.eml", transport_message(fx, transport, kind), "eml", kind, fx),
            Item(
                f"edi2/{fx.stem}.json",
                edi2_export(
                    fx,
                    delivery="Rejected" if transport_codes else "Acknowledged",
                    apprec_status="Rejected" if codes else "Ok",
                    errors=codes,
                ),
                "edi2",
                "apprec",
                fx,
            ),
        ]
        if fx["answer"] is not None and plan.answers:
            ans = answer(fx)
            items += [
                Item(f"xml/{fx.stem}.answer.xml", ans, "xml", "answer", fx),
                Item(f"eml/{fx.stem}.answer.eml", answer_message(fx, ans), "eml", "answer-message", fx),
            ]
    return items


def write(items: Iterable[Item], out: Path) -> None:
    """Bare XML, .eml and EDI 2.0 files as named; every .eml also into ``maildir/`` and ``receipts.mbox``."""
    out.mkdir(parents=True, exist_ok=True)
    mails = []
    for item in items:
        target = out / item.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.data)
        if item.form == "eml":
            mails.append(item.data)
    write_maildir(out / "maildir", mails)
    write_mbox(out / "receipts.mbox", mails)


def write_maildir(path: Path, messages: Iterable[bytes]) -> Path:
    box = mailbox.Maildir(path, create=True)
    for data in messages:
        box.add(data)
    return path


def write_mbox(path: Path, messages: Iterable[bytes]) -> Path:
    box = mailbox.mbox(path, create=True)
    box.lock()
    try:
        for data in messages:
            box.add(data)
        box.flush()
    finally:
        box.unlock()
        box.close()
    return path


def _codes(values: list[str]) -> dict[tuple[str, str], tuple[str, ...]]:
    result: dict[tuple[str, str], tuple[str, ...]] = {}
    for value in values:
        hf, mtype, codes = value.split(":", 2)
        result[(hf, mtype)] = tuple(codes.split(","))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--generated", type=Path, default=Path(__file__).resolve().parents[2] / "generated")
    parser.add_argument("--kommune", action="append", help="only these kommunenummer (default: all)")
    parser.add_argument(
        "--step",
        action="append",
        help="only the test messages of this routine step: K5/H2 (T-7) or K6/H4 (the dialog on T); default: all",
    )
    parser.add_argument("--reject", action="append", default=[], help="HF:TYPE:CODE[,CODE]: a rejected AppRec")
    parser.add_argument("--transport-error", action="append", default=[], help="HF:TYPE:CODE: an ebXML ErrorList")
    args = parser.parse_args(argv)
    plan = Plan(_codes(args.reject), _codes(args.transport_error))
    for schedule, directory in schedules(args.generated):
        if args.kommune and schedule["kommune"] not in args.kommune:
            continue
        chosen = [fx for fx in fixtures(schedule, directory) if not args.step or fx["step"] in args.step]
        write(build(chosen, plan), args.out / directory.name)
        print(f"{args.out / directory.name}: receipts for {len(chosen)} test messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
