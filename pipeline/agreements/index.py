"""The per-HF partner index ``generated/<hf-key>/partner-index.xml``: the message server's view of
every agreement of one HF (kommune, party, CPA, CPA status, and per message type its version and
state), valid against the project's own ``schemas/partner-index.xsd``.

The schema is read from the copy shipped as package data (``pipeline/data/partner-index.xsd``),
so validation works wherever the package is installed; a test keeps the copy identical to
``schemas/partner-index.xsd``. It is always available, so every index is validated before it is
returned, with or without the official schema directory.

``state_changes`` reads two indexes back (what a message server serves and what is about to be
deployed, or a pull request's base and head) and says which agreements appear, disappear or
change state: the one answer the plan and the deploy report both give. It goes by local names
only and finds nothing in an index that is absent or unreadable.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from lxml import etree

from pipeline import layout
from pipeline.agreements.agreement import Agreement
from pipeline.agreements.states import AgreementState
from pipeline.errors import XmlValidationError
from pipeline.i18n import _
from pipeline.model.models import Helseforetak
from pipeline.render.context import generated_by
from pipeline.render.xml import safe_iterparse, safe_parser

NS = "https://oppkobling.example/schemas/partner-index"
SCHEMA_FILE = layout.PARTNER_INDEX_XSD.rsplit("/", 1)[-1]
FORMAT_VERSION = "1"


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _sub(parent: etree._Element, tag: str, /, **attrs: str) -> etree._Element:
    """An element with unqualified attributes; ``org_number`` is written ``org-number``."""
    element = etree.SubElement(parent, _q(tag))
    for key, value in attrs.items():
        element.set(key.replace("_", "-"), value)
    return element


def schema_bytes() -> bytes:
    return resources.files("pipeline").joinpath(layout.PARTNER_INDEX_XSD).read_bytes()


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(schema_bytes(), safe_parser()))


def validate(document: etree._ElementTree, *, what: str) -> None:
    checker = schema()
    if not checker.validate(document):
        entries = [(e.line, e.message) for e in checker.error_log]  # type: ignore[attr-defined]
        errors = "; ".join(
            _("line {line}: {message}").format(line=line, message=message) for line, message in entries[:5]
        )
        raise XmlValidationError(
            _("{what} is not valid against {SCHEMA_FILE}: {errors}").format(
                what=what, SCHEMA_FILE=SCHEMA_FILE, errors=errors
            )
        )


# One agreement as the index lists it, kept apart from the tree so that an index can be put
# together from remembered per-kommune parts (``entry``, then ``assemble``): [tag, [[name,
# value], ...], [child, ...]], only strings and lists (it is stored as JSON).
Entry = list[object]


def _e(tag: str, attrs: dict[str, str], *children: Entry) -> Entry:
    """Attribute names as ``_sub`` writes them (``org_number`` is ``org-number``)."""
    return [tag, [[k.replace("_", "-"), v] for k, v in attrs.items()], list(children)]


def entry(a: Agreement) -> Entry:
    """``a`` as the index lists it."""
    k, party, state = a.kommune, a.party, a.state
    attrs = {
        "cpaid": a.cpaid,
        "cpa": layout.cpa_file(a.kommune.kommune, a.party.her_id),
        "cpa_status": a.cpa_status,
        "state": str(state),
        "start": a.start.isoformat(),
        "end": a.end.isoformat(),
    }
    if state is AgreementState.ACTIVE:
        attrs["fallback"] = "none"
    t = k.t
    children = [
        _e(
            "kommune",
            {
                "number": k.kommune,
                "name": k.name,
                "org_number": k.org_number,
                "status": str(k.status),
                "activation_date": t.isoformat() if t else "",
            },
        ),
        _e("party", {"her_id": str(party.her_id), "name": party.name, "edi_address": party.edi_address}),
        *(_e("incomplete", {"reason": reason}) for reason in a.incomplete),
    ]
    states = a.message_states
    for message in a.messages:
        v = message.version
        actions = [_e("action", {"name": p.action, "service": p.service, "process": p.process}) for p in v.processes]
        message_attrs = {
            "type": message.key,
            "version": v.version,
            "apprec": v.apprec,
            "direction": "both" if message.kommune_sends else "hf-to-kommune",
            "state": str(states[message.key]),
        }
        children.append(_e("message", message_attrs, *actions))
    return _e("agreement", attrs, *children)


def entry_order(a: Agreement) -> tuple[str, int]:
    """Where ``a`` stands in its HF's index."""
    return (a.kommune.kommune, a.party.her_id)


def _emit(parent: etree._Element, e: Entry) -> None:
    tag, attrs, children = e
    element = etree.SubElement(parent, _q(str(tag)))
    for name, value in attrs:  # type: ignore[attr-defined]
        element.set(name, value)
    for child in children:  # type: ignore[attr-defined]
        _emit(element, child)


def build(hf: Helseforetak, agreements: Iterable[Agreement]) -> etree._ElementTree:
    """The index of ``hf`` over its agreements, validated against the partner-index schema."""
    return assemble(hf, entries(hf, agreements))


def entries(hf: Helseforetak, agreements: Iterable[Agreement]) -> list[Entry]:
    """The entries of ``hf``'s index over its agreements, in index order."""
    mine = sorted(agreements, key=entry_order)
    for a in mine:
        if a.hf.key != hf.key:
            raise ValueError(_("agreement of {key} in the index of {key2}").format(key=a.hf.key, key2=hf.key))
    return [entry(a) for a in mine]


def assemble(hf: Helseforetak, entries: Iterable[Entry]) -> etree._ElementTree:
    """The index of ``hf`` listing ``entries`` (in index order), validated against the schema."""
    # A default namespace: lxml takes None as its prefix, which lxml-stubs does not allow for.
    root = etree.Element(_q("partner-index"), nsmap={None: NS})  # type: ignore[dict-item]
    root.set("version", FORMAT_VERSION)
    _sub(
        root,
        "helseforetak",
        key=hf.key,
        name=hf.name,
        her_id=str(hf.her_id),
        org_number=hf.org_number,
        edi_address=hf.edi_address,
    )
    for e in entries:
        _emit(root, e)
    root.addprevious(etree.Comment(f" {generated_by()} "))
    document = root.getroottree()
    validate(document, what=layout.partner_index(hf.key))
    return document


_CLOSE = b"</partner-index>\n"


def _root(hf: Helseforetak | None = None) -> etree._Element:
    # A default namespace: lxml takes None as its prefix, which lxml-stubs does not allow for.
    root = etree.Element(_q("partner-index"), nsmap={None: NS})  # type: ignore[dict-item]
    root.set("version", FORMAT_VERSION)
    return root


def _head(hf: Helseforetak) -> bytes:
    """An index's lines before its first agreement: the declaration, the comment, the root's
    opening tag and the HF."""
    head = _root()
    _sub(
        head,
        "helseforetak",
        key=hf.key,
        name=hf.name,
        her_id=str(hf.her_id),
        org_number=hf.org_number,
        edi_address=hf.edi_address,
    )
    head.addprevious(etree.Comment(f" {generated_by()} "))
    first = etree.tostring(head.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    if not first.endswith(_CLOSE):  # pragma: no cover - libxml2 closes a root with children so
        raise ValueError(first[-40:])
    return first[: -len(_CLOSE)]


def _lines(e: Entry) -> bytes:
    """One agreement's lines as the whole index holds them: serialised by libxml2 under a root of
    its own (same depth, the same namespace in scope, nothing else in scope)."""
    alone = _root()
    _emit(alone, e)
    text = etree.tostring(alone, xml_declaration=False, encoding="UTF-8", pretty_print=True)
    return text[text.index(b"\n") + 1 : -len(_CLOSE)]


def document(hf: Helseforetak, entries: Iterable[Entry]) -> bytes:
    """``serialise(assemble(hf, entries))``, byte for byte, without holding the index as one tree:
    a national index is tens of thousands of elements, tens of MB as an lxml tree, where its bytes
    are a few. Each agreement is serialised by libxml2 under a root of its own (its lines are the
    ones it has in the whole document: same depth, same namespace in scope), and the joined bytes
    are validated against the schema as they are parsed, each agreement dropped once read."""
    chunks = [_head(hf), *(_lines(e) for e in entries), _CLOSE]
    data = b"".join(chunks)
    del chunks
    _validate_streamed(data, what=layout.partner_index(hf.key))
    return data


# One agreement of an index, made and validated once (``fragments``) so that the index of the
# whole set is put together by concatenation (``joined``): [cpaid, cpa file, its lines as text].
Fragment = list[str]


def fragments(hf: Helseforetak, entries: Iterable[Entry]) -> list[Fragment]:
    """``entries`` (one kommune's, in index order) as fragments of ``hf``'s index, validated now:
    the index of ``hf`` listing exactly these is parsed and validated against the schema, and each
    fragment's two keys are read back from that parse (the values the schema's uniqueness
    constraints compare), so ``joined`` need not parse them again."""
    lines = [_lines(e) for e in entries]
    data = b"".join([_head(hf), *lines, _CLOSE])
    what = layout.partner_index(hf.key)
    root = etree.fromstring(data, safe_parser())
    validate(etree.ElementTree(root), what=what)
    listed = root.findall(_q("agreement"))
    if len(listed) != len(lines):  # pragma: no cover - each entry is one agreement element
        raise ValueError(what)
    return [
        [_attr(el, "cpaid"), _attr(el, "cpa"), text.decode("utf-8")] for el, text in zip(listed, lines, strict=True)
    ]


def joined(hf: Helseforetak, rows: Iterable[Fragment]) -> bytes:
    """The index of ``hf`` listing ``rows`` (``fragments``, in index order): byte for byte
    ``document`` of their entries, put together without parsing them again. Why the result is
    valid against the schema: its head alone (an index with no agreement) is validated here; each
    fragment is one ``agreement`` element that was valid, in an index of this HF, when it was made
    (validating an element depends on nothing outside it but the namespaces in scope, the same
    here, and the identity constraints of its ancestors); the root's content model is the head's
    ``helseforetak`` followed by any number of agreements; and the root's two identity constraints
    (one agreement per CPA id, one per CPA file: plain strings, compared as such) are checked here
    on the values read back when each fragment was made. A fragment whose keys were already seen
    sends the whole document through the schema, which refuses it in its own words."""
    what = layout.partner_index(hf.key)
    head = _head(hf)
    _validate_streamed(head + _CLOSE, what=what)
    chunks = [head]
    ids: set[str] = set()
    files: set[str] = set()
    clash = False
    for cpaid, cpa_file, text in rows:
        clash = clash or cpaid in ids or cpa_file in files
        ids.add(cpaid)
        files.add(cpa_file)
        chunks.append(text.encode("utf-8"))
    chunks.append(_CLOSE)
    data = b"".join(chunks)
    del chunks
    if clash:
        _validate_streamed(data, what=what)
        raise ValueError(what)  # pragma: no cover - the schema refuses a repeated key first
    return data


def _validate_streamed(data: bytes, *, what: str) -> None:
    agreement = _q("agreement")
    try:
        for __, element in safe_iterparse(io.BytesIO(data), tag=agreement, schema=schema()):
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        # Refused while streaming: said again from the whole tree, with its lines (a bug path).
        validate(etree.ElementTree(etree.fromstring(data, safe_parser())), what=what)
        raise XmlValidationError(
            _("{what} is not valid against {SCHEMA_FILE}: {errors}").format(
                what=what, SCHEMA_FILE=SCHEMA_FILE, errors=str(exc)
            )
        ) from None


# -- reading an index back ----------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """One agreement as an index lists it."""

    cpaid: str
    kommune: str
    kommune_name: str
    her_id: str
    party: str
    state: str
    cpa: str = ""  # the CPA file, relative to the index
    reasons: tuple[str, ...] = ()  # why it is an incomplete draft
    messages: tuple[tuple[str, str], ...] = ()  # (message type, its state), as listed

    @property
    def incomplete(self) -> bool:
        return self.state == str(AgreementState.INCOMPLETE)

    @property
    def label(self) -> str:
        parts = []
        if self.kommune or self.kommune_name:
            parts.append(f"{self.kommune_name} ({self.kommune})")
        if self.her_id or self.party:
            parts.append(_("party {her_id} {name}").format(her_id=self.her_id, name=self.party).rstrip())
        return ", ".join(parts) or self.cpaid


@dataclass(frozen=True)
class StateChange:
    """An agreement that appears (``before`` None), disappears (``after`` None) or changes state;
    with ``message``, one message type of an agreement whose own state did not change (a type
    added to it, say, that starts its own routine)."""

    agreement: Listed
    before: str | None
    after: str | None
    message: str | None = None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _attr(el: etree._Element | None, name: str) -> str:
    value = el.get(name) if el is not None else None
    return value if isinstance(value, str) else ""


def read(data: bytes | None) -> dict[str, Listed]:
    """cpaid -> the agreement, for every agreement of an index; empty when there is none."""
    if data is None:
        return {}
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError:
        return {}
    found: dict[str, Listed] = {}
    for el in root:
        if _local(el.tag) != "agreement":
            continue
        key = _attr(el, "cpaid") or _attr(el, "cpa")
        if not key:
            continue
        children = {_local(c.tag): c for c in el}
        kommune, party = children.get("kommune"), children.get("party")
        messages = tuple((_attr(c, "type"), _attr(c, "state") or "?") for c in el if _local(c.tag) == "message")
        found[key] = Listed(
            key,
            _attr(kommune, "number"),
            _attr(kommune, "name"),
            _attr(party, "her-id"),
            _attr(party, "name"),
            _attr(el, "state") or "?",
            _attr(el, "cpa"),
            tuple(_attr(c, "reason") for c in el if _local(c.tag) == "incomplete"),
            messages,
        )
    return found


def state_changes(old: bytes | None, new: bytes | None) -> list[StateChange]:
    """Every agreement that appears, disappears or changes state between two indexes, by label;
    and of an agreement whose state stays, every message type that changes state (appears or
    goes included)."""
    before, after = read(old), read(new)
    changes = []
    for key in before.keys() | after.keys():
        was, now = before.get(key), after.get(key)
        if was is not None and now is not None and was.state == now.state:
            old_types, new_types = dict(was.messages), dict(now.messages)
            for t in sorted(old_types.keys() | new_types.keys()):
                if old_types.get(t) != new_types.get(t):
                    changes.append(StateChange(now, old_types.get(t), new_types.get(t), t))
            continue
        listed = now or was
        assert listed is not None
        changes.append(StateChange(listed, was.state if was else None, now.state if now else None))
    return sorted(changes, key=lambda c: (c.agreement.label, c.agreement.cpaid, c.message or ""))
