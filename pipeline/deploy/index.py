"""Optional: which agreements change state, read from the per-HF partner index in each release.

The index (``partner-index.xml``, written by ``pipeline.agreements``, schema
``schemas/partner-index.xsd``) holds one ``agreement`` element per communication party, with a
``cpaid`` and a ``state`` attribute and ``kommune``/``party`` children naming it. This reader
goes by local names only and reports nothing when the index is absent or unreadable: the file
plan stays the authority, this is a reviewer's summary.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from pipeline.xsd import safe_parser

INDEX = "partner-index.xml"


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _attr(el: etree._Element, name: str) -> str:
    value = el.get(name)
    return value if isinstance(value, str) else ""


def _label(agreement: etree._Element, key: str) -> str:
    children = {_local(c.tag): c for c in agreement}
    parts = []
    if (kommune := children.get("kommune")) is not None:
        parts.append(f"{_attr(kommune, 'name')} ({_attr(kommune, 'number')})")
    if (party := children.get("party")) is not None:
        parts.append(f"party {_attr(party, 'her-id')} {_attr(party, 'name')}".rstrip())
    return ", ".join(parts) or key


def _agreements(data: bytes | None) -> dict[str, tuple[str, str]]:
    """cpaid -> (label, state); empty when there is no readable index."""
    if data is None:
        return {}
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for el in root:
        if _local(el.tag) != "agreement":
            continue
        key = _attr(el, "cpaid") or _attr(el, "cpa")
        if key:
            found[key] = (_label(el, key), _attr(el, "state") or "?")
    return found


def state_changes(served: Mapping[str, bytes], wanted: Mapping[str, bytes]) -> list[str]:
    """One line per agreement that appears, disappears or changes state, ordered by its label."""
    old, new = _agreements(served.get(INDEX)), _agreements(wanted.get(INDEX))
    lines: list[tuple[str, str]] = []
    for key in set(old) | set(new):
        before, after = old.get(key), new.get(key)
        if before is None and after is not None:
            lines.append((after[0], f"{after[0]}: new, {after[1]}"))
        elif after is None and before is not None:
            lines.append((before[0], f"{before[0]}: removed (was {before[1]})"))
        elif before is not None and after is not None and before[1] != after[1]:
            lines.append((after[0], f"{after[0]}: {before[1]} → {after[1]}"))
    return [text for _, text in sorted(lines)]
