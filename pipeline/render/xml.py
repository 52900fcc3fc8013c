"""The one way oppkobling parses XML (no network, no entities, no DTD) and the one way a document
it builds becomes bytes (UTF-8, with its declaration, indented)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from lxml import etree


def safe_parser(*, remove_blank_text: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        no_network=True,
        resolve_entities=False,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=remove_blank_text,
    )


def safe_iterparse(
    source: IO[bytes], *, tag: str, schema: etree.XMLSchema | None = None
) -> Iterator[tuple[str, etree._Element]]:
    """The ``end`` of every ``tag`` element of ``source``, parsed as ``safe_parser`` does (lxml's
    iterparse takes no parser object), validated against ``schema`` while it is read."""
    yield from etree.iterparse(
        source,
        events=("end",),
        tag=tag,
        schema=schema,
        no_network=True,
        resolve_entities=False,
        load_dtd=False,
        huge_tree=False,
    )


def serialise(document: etree._ElementTree) -> bytes:
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
