"""Every form a receipt arrives in parses to the same receipts: bare XML (AppRec 1.0 and 1.1,
ebXML Acknowledgment and ErrorList, the dialog answer), MIME messages with the ebXML envelope,
a Maildir, an mbox, NHN EDI 2.0 JSON; and the official examples themselves."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import make_receipts as mk
import pytest
from receipts_support import ORDERED, TESTING, fixture, fixtures, only, read, read_bytes, shared

from pipeline import i18n
from pipeline.receipts import mime
from pipeline.receipts.model import (
    AppRecReceipt,
    AppRecStatus,
    DialogAnswer,
    ProblemKind,
    Receipt,
    TransportReceipt,
)
from pipeline.routine.calendar import OSLO


@pytest.mark.parametrize(
    ("kommune", "message_type", "version"), [(TESTING, "epikrise", "1.0"), (ORDERED, "epikrise", "1.1")]
)
def test_apprec_both_versions(kommune: str, message_type: str, version: str) -> None:
    fx = fixture(kommune, "st-olavs", message_type)
    assert fx["apprec"]["version"] == version
    at = fx.sent_at + dt.timedelta(minutes=12)
    receipt = only(read_bytes(mk.apprec(fx, status="2", errors=["E21", "E35"], at=at, own_id="apprec-1")))
    assert isinstance(receipt, AppRecReceipt)
    assert receipt.version == version
    assert receipt.status is AppRecStatus.REJECTED
    assert receipt.error_codes == ("E21", "E35")
    assert receipt.errors[0].text == "Mottaker finnes ikke"
    assert receipt.refers_to == fx["msg_id"]
    assert receipt.original_type == fx["action"]
    assert receipt.own_id == "apprec-1"
    assert receipt.at == at
    assert receipt.sender.her_id == fx.party
    assert receipt.receiver.her_id == fx.hf_her


def test_apprec_ok_with_errors() -> None:
    fx = fixture(ORDERED, "helse-nord-trondelag", "svarrapport")
    receipt = only(read_bytes(mk.apprec(fx, status="3", errors=["X99"])))
    assert isinstance(receipt, AppRecReceipt)
    assert receipt.status is AppRecStatus.OK_WITH_ERRORS


def test_acknowledgment_and_error_list() -> None:
    fx = fixture(TESTING, "helse-more-og-romsdal", "epikrise")
    ack = only(read_bytes(mk.acknowledgment(fx)))
    assert isinstance(ack, TransportReceipt)
    assert (ack.state, ack.refers_to, ack.sender.her_id, ack.receiver.her_id) == (
        "ok",
        fx["msg_id"],
        fx.party,
        fx.hf_her,
    )
    assert ack.at == fx.sent_at + mk.ACK_DELAY
    assert ack.at is not None and ack.at.tzinfo == OSLO  # ebXML time is UTC, shown in Oslo time
    error = only(read_bytes(mk.message_error(fx, ["SecurityFailure", "DeliveryFailure"])))
    assert isinstance(error, TransportReceipt)
    assert error.state == "rejected"
    assert [e.code for e in error.errors] == ["SecurityFailure", "DeliveryFailure"]
    assert error.refers_to == fx["msg_id"]


def test_dialog_answer() -> None:
    fx = fixture(TESTING, "st-olavs", "dialogmelding")
    at = fx.sent_at + dt.timedelta(minutes=47)
    answer = only(read_bytes(mk.answer(fx, at=at, own_id="answer-1")))
    assert isinstance(answer, DialogAnswer)
    assert (answer.own_id, answer.at, answer.action) == ("answer-1", at, fx["answer"]["action"])
    assert answer.ref_to_conversation == fx["msg_id"] == answer.ref_to_parent
    assert (answer.sender.her_id, answer.receiver.her_id) == (fx.party, fx.hf_her)


def _summary(receipts: Sequence[Receipt]) -> list[tuple[str, str, str, object]]:
    rows = []
    for r in receipts:
        verdict = r.status if isinstance(r, AppRecReceipt) else r.state if isinstance(r, TransportReceipt) else r.at
        rows.append((type(r).__name__, r.references[0], str(verdict), r.sender.her_id))
    return sorted(rows)


def test_every_form_gives_the_same_receipts(tmp_path: Path) -> None:
    plan = mk.Plan(reject={("st-olavs", "epikrise"): ("E21",)})
    items = mk.build(fixtures(TESTING), plan)
    mk.write(items, tmp_path)
    bare = read(tmp_path / "xml")
    assert bare.problems == []
    want = _summary(bare.receipts)
    assert len(want) == 9 + 9 + 3  # an AppRec and an Acknowledgment per test message, 3 dialog answers
    for form in ("eml", "maildir", "receipts.mbox"):
        batch = read(tmp_path / form)
        assert batch.problems == [], (form, [str(p) for p in batch.problems])
        assert _summary(batch.receipts) == want, form
    edi2 = read(tmp_path / "edi2")
    assert edi2.problems == []
    assert _summary(edi2.receipts) == sorted(r for r in want if r[0] != "DialogAnswer")
    rejected = [r for r in edi2.receipts if isinstance(r, AppRecReceipt) and r.status is AppRecStatus.REJECTED]
    assert [r.error_codes for r in rejected] == [("E21",)]


def test_mime_message_names_its_parts(tmp_path: Path) -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    receipt = only(read_bytes(mk.apprec_message(fx, mk.apprec(fx)), "box/1.eml"))
    assert receipt.origin.file == "box/1.eml"
    assert receipt.origin.part == "MIME part 2 (application/xml, <ebxml-payload@oppkobling.example>)"


def test_part_names_follow_the_language() -> None:
    """Part names are made once per name and language: a switch of language is never answered
    from the other language's names."""
    fx = fixture(TESTING, "st-olavs", "epikrise")
    data = mk.apprec_message(fx, mk.apprec(fx))
    parts = []
    for language in ("nb", "en", "nb"):
        with i18n.use(language):
            parts.append(only(read_bytes(data)).origin.part)
    assert parts == [
        "MIME-del 2 (application/xml, <ebxml-payload@oppkobling.example>)",
        "MIME part 2 (application/xml, <ebxml-payload@oppkobling.example>)",
        "MIME-del 2 (application/xml, <ebxml-payload@oppkobling.example>)",
    ]


def test_crlf_mime_message() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    data = mk.apprec_message(fx, mk.apprec(fx)).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    batch = read_bytes(data)
    assert batch.problems == []
    assert sorted(type(r).__name__ for r in batch.receipts) == ["AppRecReceipt"]


def test_quoted_printable_part() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    body = mk.apprec(fx)
    boundary = "b1"
    envelope = mk.envelope(mk._leg(fx, "APPREC", "m1", fx.sent_at), payload_cid="p@x")
    import binascii

    data = (
        (
            f'Content-Type: multipart/related; boundary="{boundary}"; type="text/xml"\r\n\r\n--{boundary}\r\n'
            "Content-Type: text/xml\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode()
        + envelope
        + (
            f"\r\n--{boundary}\r\nContent-Type: application/xml\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode()
        + binascii.b2a_qp(body)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    batch = read_bytes(data)
    assert batch.problems == []
    assert [type(r).__name__ for r in batch.receipts] == ["AppRecReceipt"]


def _multipart(boundary: str, parts: Sequence[tuple[str, bytes]]) -> bytes:
    """A multipart whose parts are (header lines, body)."""
    out = f'Content-Type: multipart/related; boundary="{boundary}"\r\n\r\n'.encode()
    for head, body in parts:
        out += f"--{boundary}\r\n{head}\r\n\r\n".encode() + body + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def test_parts_with_the_same_header_are_read_apart() -> None:
    """A part header seen before is read once (``mime._same_head``); what each message's parts
    hold, and whether they decode, is still each message's own."""
    env_head = "Content-Type: text/xml\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <env@x>"
    app_head = "Content-Type: application/xml\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <app@x>"
    inner_head = 'Content-Type: multipart/alternative; boundary="inner"'
    got = []
    for kommune in (TESTING, ORDERED):
        fx = fixture(kommune, "st-olavs", "epikrise")
        envelope = mk.envelope(mk._leg(fx, "APPREC", f"m-{kommune}", fx.sent_at), payload_cid="app@x")
        inner = _multipart("inner", [(app_head, base64.encodebytes(mk.apprec(fx)))]).split(b"\r\n\r\n", 1)[1]
        data = _multipart("b1", [(env_head, base64.encodebytes(envelope)), (inner_head, inner)])
        receipt = only(read_bytes(data))
        assert isinstance(receipt, AppRecReceipt) and receipt.refers_to == fx["msg_id"]
        got.append(receipt.origin.part)
        broken = _multipart("b1", [(env_head, base64.encodebytes(envelope)), (app_head, b"PD94bWwgdm")])
        bad = read_bytes(broken)
        assert bad.receipts == [] and [p.kind for p in bad.problems] == [ProblemKind.MALFORMED]
        assert bad.problems[0].origin.part == "MIME part 2 (application/xml, <app@x>)"
    assert got == ["MIME part 2 (application/xml, <app@x>)"] * 2
    long_head = app_head + "\r\nX-Padding: " + "p" * mime.SAME_HEAD  # read every time, the same way
    fx = fixture(TESTING, "st-olavs", "epikrise")
    envelope = mk.envelope(mk._leg(fx, "APPREC", "m-long", fx.sent_at), payload_cid="app@x")
    data = _multipart("b1", [(env_head, base64.encodebytes(envelope)), (long_head, base64.encodebytes(mk.apprec(fx)))])
    assert only(read_bytes(data)).origin.part == "MIME part 2 (application/xml, <app@x>)"


def test_official_apprec_examples_parse() -> None:
    found = {p.name: p for p in shared("standards", "examples", "apprec").rglob("*.xml")}
    assert len(found) == 5
    batch = read(*sorted(found.values()))
    assert batch.problems == []
    by_file = {Path(r.origin.file).name: r for r in batch.receipts}
    assert all(isinstance(r, AppRecReceipt) for r in by_file.values())
    avvist = by_file["AppRec-v1.1-eksempel-avvist_HITS1168.xml"]
    assert isinstance(avvist, AppRecReceipt)
    assert (avvist.status, avvist.error_codes, avvist.refers_to) == (
        AppRecStatus.REJECTED,
        ("E36",),
        "e0e21a90-5ec8-11e1-b86c-0800200c9a66",
    )
    # The person under the institution is the communication party (HITS 1168's example).
    assert (avvist.sender.her_id, avvist.receiver.her_id) == (258521, 91965)
    old = by_file["AppRec-v1-eksempel-avvist.xml"]
    assert isinstance(old, AppRecReceipt)
    assert old.version == "1.0" and old.error_codes == ("E30",)
    assert old.sender.her_id is None and old.sender.other_ids == ("ENH 974744570",)  # no HER-id in AppRec 1.0's example
    partly = by_file["AppRec-v1-eksempel-ok_feil_i_delmelding.xml"]
    assert isinstance(partly, AppRecReceipt)
    assert partly.status is AppRecStatus.OK_WITH_ERRORS
    assert [(e.code, e.system) for e in partly.errors] == [
        ("07", "2.16.578.1.12.4.1.1.8223"),
        ("16", "2.16.578.1.12.4.1.1.8223"),
    ]


def test_official_ebxml_examples() -> None:
    ack = only(read(shared("standards", "examples", "ebxml", "Acknowledgment.xml")))
    assert isinstance(ack, TransportReceipt)
    assert (ack.state, ack.refers_to, ack.sender.her_id, ack.receiver.her_id) == (
        "ok",
        "955536cb-fb9a-49d9-848d-2baca7b116e1",
        43213,
        12345,
    )
    message = read(shared("standards", "examples", "ebxml", "ebxml-eksempel.xml"))
    assert message.receipts == []
    assert [p.kind for p in message.problems] == [ProblemKind.NOT_A_RECEIPT]
    assert "EPIKRISE" in message.problems[0].message


def test_edi2_samples() -> None:
    """NHN's sample responses parse; on their own (the id is in the URL) they name no MsgId."""
    folder = shared("standards", "edi2")
    rejected = only(read(folder / "get-apprecinfo-rejected.json"))
    assert isinstance(rejected, AppRecReceipt)
    assert (rejected.status, rejected.error_codes, rejected.sender.her_id, rejected.refers_to) == (
        AppRecStatus.REJECTED,
        ("E10",),
        42,
        None,
    )
    multi = read(folder / "get-apprecinfo-multi.json")
    assert [(r.sender.her_id, str(getattr(r, "status", ""))) for r in multi.receipts] == [
        (1111, "rejected"),
        (2222, "ok"),
    ]
    partly = only(read(folder / "get-apprecinfo-okerrorinmessagepart.json"))
    assert isinstance(partly, AppRecReceipt) and partly.error_codes == ("E31", "E20")
    acked = read(folder / "get-status-acked.json")
    assert sorted(type(r).__name__ for r in acked.receipts) == ["AppRecReceipt", "TransportReceipt"]
    pending = read(folder / "get-status.json")
    assert pending.receipts == [] and {p.kind for p in pending.problems} == {ProblemKind.PENDING}
    assert all(not p.is_error for p in pending.problems)


def test_edi2_business_document(tmp_path: Path) -> None:
    """An AppRec received through EDI 2.0 (GET /Messages/{id}/business-document, base64)."""
    import base64
    import json

    fx = fixture(ORDERED, "st-olavs", "epikrise")
    doc = {
        "businessDocument": base64.b64encode(mk.apprec(fx)).decode(),
        "contentType": "application/xml",
        "contentTransferEncoding": "base64",
    }
    receipt = only(read_bytes(json.dumps(doc).encode()))
    assert isinstance(receipt, AppRecReceipt) and receipt.refers_to == fx["msg_id"]
    assert receipt.origin.part == "businessDocument"


def test_recognised_by_content_not_name(tmp_path: Path) -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    files = {
        "apprec.txt": mk.apprec(fx),
        "apprec.eml": mk.apprec(fx),
        "message.xml": mk.apprec_message(fx, mk.apprec(fx)),
        "status.xml": mk.edi2_export(fx),
        "ack": mk.acknowledgment(fx),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    batch = read(tmp_path, base=tmp_path)
    assert batch.problems == []
    kinds: dict[str, list[str]] = {}
    for r in batch.receipts:
        kinds.setdefault(r.origin.file, []).append(type(r).__name__)
    assert {k: sorted(v) for k, v in kinds.items()} == {
        "ack": ["TransportReceipt"],
        "apprec.eml": ["AppRecReceipt"],
        "apprec.txt": ["AppRecReceipt"],
        "message.xml": ["AppRecReceipt"],
        "status.xml": ["AppRecReceipt", "TransportReceipt"],
    }


def test_single_mbox_file_and_maildir_tmp_ignored(tmp_path: Path) -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    box = mk.write_maildir(tmp_path / "box", [mk.apprec_message(fx, mk.apprec(fx))])
    (box / "tmp" / "half-delivered").write_bytes(b"Content-Type: multipart/related; boundary=x\n\n--x\n")
    (box / "new" / ".hidden").write_bytes(b"not a message")
    assert [type(r).__name__ for r in read(box).receipts] == ["AppRecReceipt"]
    assert read(box).problems == []
