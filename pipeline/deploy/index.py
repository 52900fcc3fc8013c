"""Optional: which agreements change state, read from the per-HF partner index in a release.

The index's exact shape belongs to ``pipeline.agreements.index``; this reader only assumes that it
is an XML file whose root element's name contains "index" and that each agreement (or message
type of one) is an element carrying its state as a ``state`` attribute or a ``<state>`` child.
An entry is identified by its own and its ancestors' other attributes and leaf children. When no
such file is there, or it cannot be read, there is simply nothing to report.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from pipeline.xsd import safe_parser

Entry = tuple[tuple[str, ...], ...]


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def _identity(el: etree._Element) -> tuple[str, ...]:
    parts = [f"{_local(k)}={_text(v)}" for k, v in sorted(el.attrib.items()) if _local(k) != "state"]
    for child in el:
        name = _local(child.tag)
        if name and name != "state" and len(child) == 0 and (child.text or "").strip():
            parts.append(f"{name}={(child.text or '').strip()}")
    return tuple(parts)


def _states(data: bytes) -> dict[Entry, str] | None:
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError:
        return None
    if "index" not in _local(root.tag).lower():
        return None
    found: dict[Entry, str] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        state = el.get("state")
        if state is None:
            child = next((c for c in el if _local(c.tag) == "state" and len(c) == 0), None)
            state = (child.text or "").strip() if child is not None else None
        if not state:
            continue
        chain = [el, *el.iterancestors()]
        key = tuple(_identity(e) for e in reversed(chain))
        found[key] = state
    return found


def _label(key: Entry) -> str:
    return ", ".join(part for level in key for part in level) or "(unnamed entry)"


def _all_states(files: Mapping[str, bytes]) -> dict[tuple[str, Entry], str]:
    states: dict[tuple[str, Entry], str] = {}
    for path in sorted(files):
        if path.endswith(".xml") and "index" in path.rsplit("/", 1)[-1].lower():
            entries = _states(files[path])
            for key, state in (entries or {}).items():
                states[(path, key)] = state
    return states


def state_changes(served: Mapping[str, bytes], wanted: Mapping[str, bytes]) -> list[str]:
    """One line per agreement entry whose state differs between the two releases."""
    old, new = _all_states(served), _all_states(wanted)
    lines = []
    for path, key in sorted(set(old) | set(new)):
        before, after = old.get((path, key)), new.get((path, key))
        if before == after:
            continue
        label = _label(key)
        if before is None:
            lines.append(f"{label}: new, {after}")
        elif after is None:
            lines.append(f"{label}: removed (was {before})")
        else:
            lines.append(f"{label}: {before} → {after}")
    return lines
