"""One XML document from bytes, through the project's safe parser, or a problem saying why not.

A receipt never needs a DTD: any ``<!DOCTYPE`` before the root element is refused before
parsing (entity bombs and external entities live there), and once more after parsing, for an
encoding a byte search cannot see (UTF-16). The parser itself loads no DTD, resolves no entity
and reaches no network; libxml2's depth and size limits stay on (``huge_tree`` off).
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from pipeline.i18n import N_, _
from pipeline.receipts.model import Batch, Origin, ProblemKind
from pipeline.render.xml import safe_parser

MAX_BYTES = 40 * 1024 * 1024  # EDI 2.0 takes 35 MB per message; nothing a receipt carries is bigger
_ROOT_START = re.compile(rb"<[A-Za-z_]")


_LOCAL = threading.local()


def _parser() -> etree.XMLParser:
    """The safe parser of this thread, made once: making a parser costs about as much as parsing
    a small AppRec, and a Maildir holds two documents a message. One per thread, as lxml keeps
    a parser's state between calls."""
    parser: etree.XMLParser | None = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = safe_parser()
    return parser


def qname(element: etree._Element) -> tuple[str | None, str]:
    """(namespace, local name) of an element, from its tag."""
    tag = element.tag
    if not isinstance(tag, str):
        return None, ""
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def parse(data: bytes, origin: Origin, batch: Batch, *, line_offset: int = 0) -> etree._Element | None:
    """The root element, or None with the problem added to ``batch``. ``line_offset``: lines
    stripped before ``data`` (blank lines ahead of a MIME part's document), added to line numbers."""
    if len(data) > MAX_BYTES:
        batch.problem(
            ProblemKind.UNSAFE,
            origin,
            _("{value} bytes of XML, over the limit of {MAX_BYTES}").format(value=len(data), MAX_BYTES=MAX_BYTES),
        )
        return None
    doctype = data.find(b"<!DOCTYPE")
    if doctype >= 0:
        root_start = _ROOT_START.search(data)
        if root_start is None or doctype < root_start.start():
            line = data.count(b"\n", 0, doctype) + 1 + line_offset
            batch.problem(ProblemKind.UNSAFE, origin.at(line), _(_NO_DTD))
            return None
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        message = exc.msg or _("not well-formed")
        kind = ProblemKind.UNSAFE if "huge" in message.lower() else ProblemKind.MALFORMED
        batch.problem(
            kind,
            origin.at(line + line_offset if line else None, column or None),
            _("not well-formed XML: {message}").format(message=message),
        )
        return None
    # Bytes that start "<" and then no NUL are in an ASCII-compatible encoding, where the search
    # above sees any "<!DOCTYPE"; for any other (UTF-16, ...) ask the parsed document.
    if data[:1] != b"<" or data[1:2] == b"\x00":
        docinfo = root.getroottree().docinfo
        if docinfo.internalDTD is not None:  # lxml sets it for any <!DOCTYPE>, internal subset or not
            batch.problem(ProblemKind.UNSAFE, origin, _(_NO_DTD))
            return None
    return root


_NO_DTD = N_(
    "a document type declaration (<!DOCTYPE ...>) is not accepted in a receipt: its entity declarations "
    "could expand without limit or read other files"
)
