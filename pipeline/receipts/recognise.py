"""Bytes -> receipts and problems, the format decided by content alone (pure: no file system).

- ``<`` (after blanks or a byte-order mark): XML -- an AppRec 1.0/1.1, an ebXML SOAP envelope, a
  MsgHead (the dialog answer); any other root is named and refused or, for a business message,
  reported as not a receipt;
- ``{`` or ``[``: JSON -- the EDI 2.0 responses (``pipeline.receipts.edi2``);
- a header line (``Name: value``) or an mbox ``From`` line: an RFC 5322 / MIME message;
- anything else: refused (binary data, other text).
"""

from __future__ import annotations

import functools
import re

import orjson

from pipeline.i18n import _
from pipeline.model.catalogue import catalogue
from pipeline.receipts import apprec, ebxml, edi2, mime, msghead, xmldoc
from pipeline.receipts.ebxml import Envelope
from pipeline.receipts.model import Batch, Origin, ProblemKind

_BLANKS = b" \t\r\n"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HEADER = re.compile(rb"(?:From |[!-9;-~]+:)")


@functools.cache
def _business_namespaces() -> dict[str, str]:
    """Namespace -> "epikrise 1.2" for every message in the catalogue (test messages themselves)."""
    found: dict[str, str] = {}
    for mtype in catalogue().types.values():
        for version in mtype.versions.values():
            found.setdefault(version.namespace, f"{mtype.key} {version.version}")
            for process in version.processes:
                found.setdefault(process.namespace, f"{mtype.key} {version.version}")
    return found


def read_xml(data: bytes, origin: Origin, batch: Batch) -> Envelope | None:
    """One XML document; returns its ebXML envelope when it is one (``pipeline.receipts.mime``
    checks the envelope against the payload)."""
    lead = 0
    if data[:1] in b" \t\r\n" and data:
        stripped = data.lstrip(_BLANKS)
        lead = data.count(b"\n", 0, len(data) - len(stripped))
        data = stripped
    root = xmldoc.parse(data, origin, batch, line_offset=lead)
    if root is None:
        return None
    ns, local = xmldoc.qname(root)
    if local == "AppRec" and ns in apprec.versions():
        apprec.read(root, origin, batch)
    elif root.tag == ebxml.ENVELOPE:
        return ebxml.read(root, origin, batch)
    elif local == "MsgHead" and ns == msghead.namespace():
        msghead.read(root, origin, batch)
    elif ns in _business_namespaces():
        batch.problem(
            ProblemKind.NOT_A_RECEIPT,
            origin,
            _("a {kind} message ({local}), not a receipt").format(kind=_business_namespaces()[ns], local=local),
        )
    else:
        batch.problem(ProblemKind.UNRECOGNISED, origin, _unknown_root(ns, local))
    return None


def _unknown_root(ns: str | None, local: str) -> str:
    where = _("in namespace {ns}").format(ns=ns) if ns else _("without a namespace")
    if local == "AppRec":
        known = ", ".join(f"{v} {n}" for n, v in sorted(apprec.versions().items(), key=lambda kv: kv[1]))
        return _("an AppRec {where}: not an AppRec namespace ({known})").format(where=where, known=known)
    if local == "Envelope":
        return _("an Envelope {where}: not a SOAP 1.1 envelope ({soap})").format(where=where, soap=ebxml.SOAP)
    if local == "MsgHead":
        return _("a MsgHead {where}: not MsgHead 1.2 ({ns})").format(where=where, ns=msghead.namespace())
    return _(
        "XML root element {local} {where} is no receipt (AppRec, ebXML envelope, dialog answer in MsgHead)"
    ).format(local=local, where=where)


def _no_receipt(envelope: Envelope) -> str:
    return _("an ebXML {action} envelope without Acknowledgment or ErrorList: not a receipt").format(
        action=envelope.action or _("message")
    )


def read_json(data: bytes, origin: Origin, batch: Batch) -> None:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        batch.problem(
            ProblemKind.MALFORMED, origin.at(exc.lineno, exc.colno), _("not valid JSON: {msg}").format(msg=exc.msg)
        )
        return
    edi2.read(doc, origin, batch, read_payload)


def read_payload(data: bytes, origin: Origin, batch: Batch) -> None:
    """A decoded business document: XML, or refused."""
    if data.lstrip(_BLANKS)[:1] == b"<" or data.startswith(_BOMS):
        read_xml(data, origin, batch)
    else:
        batch.problem(ProblemKind.MALFORMED, origin, _("the business document is not XML"))


def read_bytes(data: bytes, origin: Origin, batch: Batch) -> None:
    """Whatever ``data`` is, by its content."""
    start = data if data[:1] not in _BLANKS else data.lstrip(_BLANKS)  # a copy only when blanks lead (or empty)
    if not start:
        batch.problem(ProblemKind.MALFORMED, origin, _("empty: no receipt in it"))
    elif start[:1] == b"<" or data.startswith(_BOMS):
        envelope = read_xml(data, origin, batch)
        if envelope is not None and envelope.receipts == 0:
            batch.problem(ProblemKind.NOT_A_RECEIPT, origin, _no_receipt(envelope))
    elif start[:1] in (b"{", b"["):
        read_json(data, origin, batch)
    elif _HEADER.match(data) and data.find(b"\x00", 0, 1024) < 0:
        mime.read(data, origin, batch, read_xml)
    elif b"\x00" in data[:4096] or not _is_text(data[:4096]):
        batch.problem(ProblemKind.MALFORMED, origin, _("binary data: not XML, JSON or a MIME message"))
    else:
        batch.problem(ProblemKind.UNRECOGNISED, origin, _("text, but not XML, JSON or an RFC 5322 / MIME message"))


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a multi-byte character cut at the end is still text
    return True
