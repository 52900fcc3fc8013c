"""Bad input is refused with the file (and MIME part, line) named, as a problem value: never a
traceback, never half a message's receipts."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import make_receipts as mk
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from receipts_support import TESTING, fixture, problem, read, read_bytes

from pipeline.receipts.model import ProblemKind

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2012-02-15"><GenDate>&lol9;</GenDate></AppRec>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE AppRec [<!ENTITY id SYSTEM "file:///etc/passwd">]>
<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2012-02-15"><Id>&id;</Id></AppRec>
"""


def _fx() -> mk.Fixture:
    return fixture(TESTING, "st-olavs", "epikrise")


def _message() -> bytes:
    fx = _fx()
    return mk.apprec_message(fx, mk.apprec(fx))


def test_truncated_mime_names_the_message() -> None:
    data = _message()
    cut = data[: data.rindex(b"--") - 200]  # inside the payload part, before the closing boundary
    found = problem(read_bytes(cut, "box/cut.eml"), ProblemKind.MALFORMED)
    assert str(found).startswith("box/cut.eml (MIME message): malformed:")
    assert "truncated" in found.message


def test_truncated_base64_names_the_part() -> None:
    data = _message()
    payload_start = data.index(b"<ebxml-payload@oppkobling.example>")
    body = data.index(b"\n\n", payload_start) + 2
    cut = data[: body + 100] + b"\n" + data[data.rindex(b"\n--") :]  # 99 base64 characters: not whole
    found = problem(read_bytes(cut, "cut.eml"), ProblemKind.MALFORMED)
    assert found.origin.part == "MIME part 2 (application/xml, <ebxml-payload@oppkobling.example>)"
    assert "base64" in found.message


def test_headers_only_message() -> None:
    headers = _message().split(b"\n\n", 1)[0]
    found = problem(read_bytes(headers, "h.eml"), ProblemKind.MALFORMED)
    assert "truncated" in found.message


@pytest.mark.parametrize("doc", [BOMB, XXE], ids=["billion-laughs", "external-entity"])
def test_dtd_refused_before_parsing(doc: bytes) -> None:
    found = problem(read_bytes(doc, "bomb.xml"), ProblemKind.UNSAFE)
    assert (found.origin.file, found.origin.line) == ("bomb.xml", 2)
    assert "DOCTYPE" in found.message


def test_dtd_in_utf16_refused_after_parsing() -> None:
    found = problem(
        read_bytes(XXE.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")),
        ProblemKind.UNSAFE,
    )
    assert "DOCTYPE" in found.message


def test_dtd_inside_a_mime_part_names_the_part() -> None:
    fx = _fx()
    data = mk.apprec_message(fx, BOMB)
    batch = read_bytes(data, "bomb.eml")
    unsafe = [p for p in batch.problems if p.kind is ProblemKind.UNSAFE]
    assert len(unsafe) == 1 and unsafe[0].origin.part is not None and unsafe[0].origin.part.startswith("MIME part 2")
    assert batch.receipts == []


def test_wrong_namespace() -> None:
    doc = (
        mk.apprec(_fx())
        .replace(b"apprec/2012-02-15", b"apprec/2099-01-01")
        .replace(b"apprec/2004-11-21", b"apprec/2099-01-01")
    )
    found = problem(read_bytes(doc, "x.xml"), ProblemKind.UNRECOGNISED)
    assert "http://www.kith.no/xmlstds/apprec/2099-01-01" in found.message
    assert "2004-11-21" in found.message and "2012-02-15" in found.message


def test_xml_syntax_error_has_line_and_column() -> None:
    doc = mk.apprec(_fx()).replace(b"</Status>", b"").replace(b'<Status V="1" DN="OK"/>', b'<Status V="1" DN="OK">')
    found = problem(read_bytes(doc, "broken.xml"), ProblemKind.MALFORMED)
    assert found.origin.line is not None and found.origin.column is not None
    assert str(found).startswith(
        f"broken.xml:{found.origin.line}:{found.origin.column}: malformed: not well-formed XML"
    )


def test_leading_blank_lines_count_in_line_numbers() -> None:
    found = problem(read_bytes(b"\n\n\n<AppRec><Id>x</AppRec>", "blank.xml"), ProblemKind.MALFORMED)
    assert found.origin.line == 4


@pytest.mark.parametrize(
    ("data", "kind", "words"),
    [
        (b"", ProblemKind.MALFORMED, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), ProblemKind.MALFORMED, "binary"),
        (b"Hei, kvitteringen kommer i morgen.\n", ProblemKind.UNRECOGNISED, "not XML, JSON"),
        (b'{"receiverHerId": 1,,}', ProblemKind.MALFORMED, "not valid JSON"),
        (b'{"hello": "world"}', ProblemKind.UNRECOGNISED, "not an EDI 2.0"),
        (b"<html><body>no</body></html>", ProblemKind.UNRECOGNISED, "no receipt"),
    ],
    ids=["empty", "binary", "text", "bad-json", "other-json", "other-xml"],
)
def test_refused(data: bytes, kind: ProblemKind, words: str) -> None:
    found = problem(read_bytes(data, "in/file"), kind)
    assert found.origin.file == "in/file" and words in found.message


def test_json_syntax_error_position() -> None:
    found = problem(read_bytes(b'[\n {"receiverHerId": 1,\n  oops}]', "s.json"), ProblemKind.MALFORMED)
    assert (found.origin.line, found.origin.column) == (3, 3)


def test_encrypted_payload() -> None:
    fx = _fx()
    data = mk.apprec_message(fx, mk.apprec(fx)).replace(
        b"Content-Type: application/xml", b"Content-Type: application/pkcs7-mime"
    )
    found = problem(read_bytes(data, "enc.eml"), ProblemKind.ENCRYPTED)
    assert found.origin.part is not None and "application/pkcs7-mime" in found.origin.part
    assert "decrypted" in found.message


def test_edi2_error_response() -> None:
    doc = {"error": "Not authorized for HerId(s): 1234", "errorCode": 0, "validationErrors": None, "requestId": "r-1"}
    found = problem(read_bytes(json.dumps(doc).encode(), "e.json"), ProblemKind.SERVICE_ERROR)
    assert "Not authorized" in found.message and "r-1" in found.message


def test_edi2_export_with_bad_entries() -> None:
    doc = json.loads(mk.edi2_export(_fx()))
    doc["status"][0]["transportDeliveryState"] = "Delivered"
    batch = read_bytes(json.dumps(doc).encode(), "x.json")
    bad = [p for p in batch.problems if p.kind is ProblemKind.INCOMPLETE]
    assert [p.origin.part for p in bad] == ["status[0]"] and "Delivered" in bad[0].message
    doc = json.loads(mk.edi2_export(_fx()))
    doc["apprec"][0]["appRecStatus"] = "Maybe"
    found = [p for p in read_bytes(json.dumps(doc).encode()).problems if p.kind is ProblemKind.INCOMPLETE]
    assert [p.origin.part for p in found] == ["apprec[0]"] and "Maybe" in found[0].message
    doc = {"businessDocument": "not base64!", "contentType": "application/xml", "contentTransferEncoding": "base64"}
    assert problem(read_bytes(json.dumps(doc).encode()), ProblemKind.MALFORMED).origin.part == "businessDocument"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b"<OriginalMsgId>", b"<Original>", "without OriginalMsgId"),
        (b'<Status V="1"', b'<Status V="7"', "not in kodeverk 8258"),
        (b"<GenDate>", b"<GenDate>i morgen", "is not a date and time"),
    ],
    ids=["no-original", "bad-status", "bad-gendate"],
)
def test_incomplete_apprec(old: bytes, new: bytes, words: str) -> None:
    doc = mk.apprec(_fx())
    if old == b"<OriginalMsgId>":
        doc = doc.replace(old, new).replace(b"</OriginalMsgId>", b"</Original>")
    else:
        doc = doc.replace(old, new, 1)
    assert words in problem(read_bytes(doc), ProblemKind.INCOMPLETE).message


def test_error_list_without_reference() -> None:
    doc = mk.message_error(_fx(), ["Inconsistent"])
    start = doc.index(b"<eb:RefToMessageId>")
    doc = doc[:start] + doc[doc.index(b"</eb:RefToMessageId>") + len(b"</eb:RefToMessageId>") :]
    assert "names no message" in problem(read_bytes(doc), ProblemKind.INCOMPLETE).message


def test_unreadable_path(tmp_path: Path) -> None:
    found = problem(read(tmp_path / "missing"), ProblemKind.MALFORMED)
    assert found.message == "no such file or directory"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=4000), junk=st.binary(max_size=40))
def test_any_truncation_is_a_value_never_a_traceback(cut: int, junk: bytes) -> None:
    """A message cut anywhere (with junk appended) gives problems or whole receipts, nothing else."""
    data = _message()
    batch = read_bytes(data[: cut % (len(data) + 1)] + junk)
    for p in batch.problems:
        assert p.origin.file == "receipt" and p.message
    if batch.receipts:
        assert not batch.errors


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=600))
def test_random_bytes_never_raise(data: bytes) -> None:
    batch = read_bytes(data)
    assert batch.problems or batch.receipts is not None


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=300))
def test_random_json_and_xml_never_raise(text: str) -> None:
    for data in (
        json.dumps(
            {
                "message": {"businessDocumentId": text},
                "status": [{"receiverHerId": text, "transportDeliveryState": text}],
            }
        ).encode(),
        f"<AppRec xmlns='http://www.kith.no/xmlstds/apprec/2012-02-15'><GenDate>{text}</GenDate></AppRec>".encode(),
        base64.b64encode(text.encode()),
    ):
        read_bytes(data)


def test_oversized_file_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.io import receipts as reading

    monkeypatch.setattr(reading, "MAX_FILE", 1000)
    (tmp_path / "big.xml").write_bytes(b"<a>" + b"x" * 2000 + b"</a>")
    found = problem(read(tmp_path / "big.xml"), ProblemKind.UNSAFE)
    assert "not read" in found.message


def test_a_bad_message_in_a_mailbox_is_named(tmp_path: Path) -> None:
    good = _message()
    cut = good[: len(good) // 2]
    box = mk.write_maildir(tmp_path / "box", [good, cut])
    batch = read(box, base=tmp_path)
    [found] = batch.problems
    assert found.kind is ProblemKind.MALFORMED and found.origin.file == "box"
    assert found.origin.item is not None and found.origin.item.startswith("Maildir message ")
    assert str(found).startswith(f"box ({found.origin.item}, MIME message): malformed:")
    mbox = mk.write_mbox(tmp_path / "all.mbox", [good, cut])
    batch = read(mbox, base=tmp_path)
    [found] = batch.problems
    assert (found.origin.file, found.origin.item) == ("all.mbox", "message 2 of 2 in the mbox")
