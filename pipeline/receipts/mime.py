"""RFC 5322 / MIME messages: ebXML over SMTP as a message server stores or exports it.

An ebXML message is ``multipart/related``: the SOAP envelope part, then the payload part (an
AppRec, a dialog answer), the payload decrypted (a part still ``application/pkcs7-mime`` is
refused: export the decrypted message). A transport receipt may also come as a single-part
message whose body is the envelope. Every part is read once, by content; problems name the
part ("MIME part 2 (application/xml, <payload@example>)").

A message cut off (no closing boundary, no first boundary, headers without a body, broken
base64) is refused as a whole: a truncated export must not yield half its receipts. The
envelope's From must be the payload's sender: an AppRec in a message from another party is
refused.

The splitting is done here, on bytes, following RFC 5322 (header fields, folding) and RFC 2045/
2046 (Content-Type parameters, boundaries, transfer encodings) rather than with the stdlib
``email`` parser: that parser compiles a regular expression for every boundary it meets and
walks each line in Python, 450 microseconds a message against lxml's 25 for the XML inside, too
slow for a national Maildir (issue 18). Only what receipts need is read: Content-Type with its
boundary, Content-Transfer-Encoding, Content-ID.
"""

from __future__ import annotations

import binascii
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pipeline import i18n
from pipeline.i18n import _
from pipeline.receipts.ebxml import Envelope
from pipeline.receipts.model import AppRecReceipt, Batch, DialogAnswer, Origin, ProblemKind

# Reads one part's bytes as XML; returns the envelope when the part was one.
ReadXml = Callable[[bytes, Origin, Batch], Envelope | None]

ENCRYPTED = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})
MAX_DEPTH = 8  # multiparts inside multiparts; an ebXML message has one level
_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^;\s]*))')
_IDENTITY = frozenset({"", "7bit", "8bit", "binary"})


class Malformed(Exception):
    """Why a message cannot be read (the part is named by the caller)."""


@dataclass(slots=True)  # not frozen: never leaves this module, and three are made a message
class _Part:
    content_type: str  # lower case, "text/plain" when absent (RFC 2045 5.2)
    params: Mapping[str, str]  # shared by the parts of every message with the same header: read only
    encoding: str  # Content-Transfer-Encoding, lower case
    content_id: str | None
    body: bytes


# The three fields receipts need, each with its folded continuation lines, in one pass.
_FIELDS = re.compile(
    rb"^(content-type|content-transfer-encoding|content-id)[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE
)


def _fields(head: bytes) -> dict[bytes, bytes]:
    """The first of each field receipts need, by lower-case name, unfolded (every line break
    left in a value is followed by blanks: unfolding removes the break)."""
    found: dict[bytes, bytes] = {}
    for m in _FIELDS.finditer(head):
        found.setdefault(m[1].lower(), m[2].replace(b"\r", b"").replace(b"\n", b"").strip())
    return found


_Head = tuple[str, Mapping[str, str], str, str | None]  # content type, its parameters, encoding, Content-ID
SAME_HEAD = 512  # part headers up to this size are read once per distinct header


def _head(head: bytes) -> _Head:
    fields = _fields(head)
    ctype = fields.get(b"content-type")
    text = "" if ctype is None else ctype.decode("latin-1")
    main, semicolon, __ = text.partition(";")
    main = main.strip().lower() or "text/plain"
    params = (
        {m[1].lower(): m[2].replace('\\"', '"') if m[2] is not None else m[3] for m in _PARAM.finditer(text)}
        if semicolon
        else {}
    )
    encoding = fields.get(b"content-transfer-encoding")
    cid = fields.get(b"content-id")
    return (
        main,
        params,
        "" if encoding is None else encoding.decode("latin-1").lower(),
        None if cid is None else cid.decode("latin-1"),
    )


# The parts of a message server's messages carry the same few headers (the envelope's, the
# payload's), byte for byte: read each once. A message's own header never repeats (Message-ID,
# Date) and is read every time.
_same_head = functools.lru_cache(maxsize=256)(_head)


def _part(head: bytes, body: bytes, *, top: bool) -> _Part:
    main, params, encoding, cid = _head(head) if top or len(head) > SAME_HEAD else _same_head(head)
    return _Part(main, params, encoding, cid, body)


def _split(data: bytes, *, top: bool) -> _Part:
    """The fields receipts need (Content-Type and its parameters, Content-Transfer-Encoding,
    Content-ID; the first of each, unfolded) and the body."""
    if not top and data[:1] in (b"\r", b"\n"):
        return _part(b"", data[2:] if data[:2] == b"\r\n" else data[1:], top=False)  # a part without header fields
    end = _header_end(data)
    if end is None:
        if top:
            raise Malformed(_("headers without a body: the message is truncated"))
        return _part(data, b"", top=False)
    return _part(data[: end[0]], data[end[1] :], top=top)


def _header_end(data: bytes) -> tuple[int, int] | None:
    """Where the header block ends: the first empty line (LF or CRLF line ends)."""
    lf = data.find(b"\n\n")
    crlf = data.find(b"\n\r\n", 0, lf if lf >= 0 else len(data))
    if crlf >= 0:
        start = crlf - 1 if crlf > 0 and data[crlf - 1 : crlf] == b"\r" else crlf
        return start, crlf + 3
    return (lf, lf + 2) if lf >= 0 else None


def _parts(body: bytes, boundary: bytes) -> list[bytes]:
    """The parts of a multipart body (RFC 2046 5.1.1): a delimiter is "--boundary" at the start
    of a line, the CRLF before it belongs to it; "--boundary--" closes."""
    delimiter = b"--" + boundary
    if body.startswith(delimiter):
        position = len(delimiter)
    else:
        first = body.find(b"\n" + delimiter)
        if first < 0:
            raise Malformed(_("the multipart's first boundary is missing (truncated, or not the boundary it names)"))
        position = first + 1 + len(delimiter)
    parts: list[bytes] = []
    while True:
        if body[position : position + 2] == b"--":
            return parts
        line_end = body.find(b"\n", position)
        if line_end < 0 or body[position:line_end].strip():
            raise Malformed(_("the multipart's closing boundary is missing: the message is truncated"))
        start = line_end + 1
        following = body.find(b"\n" + delimiter, line_end)
        if following < 0:
            raise Malformed(_("the multipart's closing boundary is missing: the message is truncated"))
        end = following - 1 if following > start and body[following - 1 : following] == b"\r" else following
        parts.append(body[start : max(start, end)])
        position = following + 1 + len(delimiter)


def _decode(part: _Part) -> bytes:
    encoding = part.encoding
    if encoding in _IDENTITY:
        return part.body
    if encoding == "base64":
        try:
            # Line breaks are skipped; a cut-off part fails on its padding. Other damage shows when
            # the decoded bytes are parsed.
            return binascii.a2b_base64(part.body)
        except binascii.Error as exc:
            raise Malformed(_("broken base64 ({exc}): the part is truncated or damaged").format(exc=exc)) from None
    if encoding == "quoted-printable":
        return binascii.a2b_qp(part.body)
    raise Malformed(_("transfer encoding {encoding!r} is not one MIME defines for a part").format(encoding=encoding))


def _leaves(part: _Part, depth: int, out: list[_Part]) -> None:
    main, params = part.content_type, part.params
    if not main.startswith("multipart/"):
        out.append(part)
        return
    if depth >= MAX_DEPTH:
        raise Malformed(_("multiparts nested deeper than {MAX_DEPTH}").format(MAX_DEPTH=MAX_DEPTH))
    boundary = params.get("boundary")
    if not boundary:
        raise Malformed(_("{main} without a boundary parameter").format(main=main))
    for raw in _parts(part.body, boundary.encode("latin-1")):
        _leaves(_split(raw, top=False), depth + 1, out)


def _label(index: int, part: _Part, single: bool) -> str:
    return _label_text(i18n.current(), index, part.content_type, part.content_id, single)


@functools.lru_cache(maxsize=1024)
def _label_text(language: str, index: int, content_type: str, content_id: str | None, single: bool) -> str:
    """One string for every part named alike (a Maildir's messages mostly are): no translation
    a part, and the workers' pickles of a chunk's receipts carry it once (``pipeline.io.receipts``).
    ``language`` is only the cache key: ``_`` reads the same ``i18n.current()``."""
    inner = f"{content_type}, {content_id}" if content_id else content_type
    return (
        _("MIME body ({inner})").format(inner=inner)
        if single
        else _("MIME part {index} ({inner})").format(index=index, inner=inner)
    )


def read(data: bytes, origin: Origin, batch: Batch, read_xml: ReadXml) -> None:
    leaves: list[_Part] = []
    try:
        message = _split(data, top=True)
        _leaves(message, 0, leaves)
    except Malformed as exc:
        batch.problem(ProblemKind.MALFORMED, origin.within(part="MIME message"), str(exc))
        return
    single = not message.content_type.startswith("multipart/")
    parts: list[tuple[Origin, bytes]] = []
    for index, part in enumerate(leaves, start=1):
        where = origin.within(part=_label(index, part, single))
        if part.content_type in ENCRYPTED:
            batch.problem(
                ProblemKind.ENCRYPTED,
                where,
                _("the payload is still encrypted (S/MIME): export the decrypted message from the message server"),
            )
            return
        try:
            body = _decode(part)
        except Malformed as exc:
            batch.problem(ProblemKind.MALFORMED, where, str(exc))
            return
        if body[:1] == b"<" or body.lstrip()[:1] == b"<":  # the copy lstrip makes only when it is needed
            parts.append((where, body))
    if not parts:
        batch.problem(
            ProblemKind.NOT_A_RECEIPT, origin, _("a mail without an ebXML envelope or an XML payload: not a receipt")
        )
        return
    envelope: Envelope | None = None
    start = len(batch.receipts)
    own: range = range(0)
    for where, body in parts:
        before = len(batch.receipts)
        found = read_xml(body, where, batch)
        if found is not None and envelope is None:
            envelope, own = found, range(before, len(batch.receipts))
    if envelope is not None and envelope.receipts == 0 and len(parts) == 1:
        batch.problem(
            ProblemKind.NOT_A_RECEIPT,
            origin,
            _("an ebXML {action} without payload, Acknowledgment or ErrorList: not a receipt").format(
                action=envelope.action or _("message")
            ),
        )
    if envelope is not None:
        _same_sender(envelope, batch, [i for i in range(start, len(batch.receipts)) if i not in own])


def _same_sender(envelope: Envelope, batch: Batch, payload: list[int]) -> None:
    """The envelope names the parties the payload names: From is the payload's sender. A
    payload receipt from someone else is refused (and not used)."""
    refused: set[int] = set()
    for i in payload:
        receipt = batch.receipts[i]
        if not isinstance(receipt, (AppRecReceipt, DialogAnswer)):
            continue
        outer, inner = envelope.sender.her_id, receipt.sender.her_id
        if outer is not None and inner is not None and outer != inner:
            refused.add(i)
            batch.problem(
                ProblemKind.INCONSISTENT,
                receipt.origin,
                _("the ebXML envelope is from HER-id {outer}, the {what} in it from HER-id {inner}").format(
                    outer=outer, what=receipt.what, inner=inner
                ),
            )
    if refused:
        batch.receipts[:] = [r for i, r in enumerate(batch.receipts) if i not in refused]
