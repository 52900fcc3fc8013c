"""The edits ``oppkobling record`` makes to a declaration, each recording one step's evidence on
its round-trip representation (``pipeline.model.roundtrip``), so only the lines it means to
change change. New keys go where the models' field order puts them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from pipeline.errors import EditError, UsageError
from pipeline.i18n import _
from pipeline.model.models import TYPED_BY_HAND, Status

# The order keys take in a declaration (the models' field order): new keys go where they belong.
TOP_ORDER = (
    "kommune",
    "name",
    "org_number",
    "contact",
    "status",
    "paused_from",
    "activation",
    "order",
    "parties",
    "tests",
    "deviations",
)
PARTY_ORDER = ("her_id", "name", "edi_address", "ar_published_on", "messages")
ATTEMPT_TAIL = ("source", "justification", "receipts")
PRETEST_ORDER = ("sent_on", "transport_receipt", "apprec", *ATTEMPT_TAIL)
DIALOG_ORDER = ("sent_at", "answered_at", *ATTEMPT_TAIL)
RECEIPT_ORDER = ("kind", "test", "message", "result", "errors", "at", "id")
DEVIATION_ORDER = ("opened_on", "hf", "description", "resolved_on")


def _put(mapping: CommentedMap, key: Any, value: Any, order: tuple[str, ...]) -> None:
    """Set ``key``; a new key goes after the keys that precede it in ``order``."""
    if key in mapping:
        mapping[key] = value
        return
    rank = order.index(key) if key in order else len(order)
    position = sum(1 for k in mapping if (order.index(k) if k in order else len(order)) <= rank)
    mapping.insert(position, key, value)


def _child(mapping: CommentedMap, key: str, order: tuple[str, ...], *, flow: bool = False) -> CommentedMap:
    current = mapping.get(key)
    if isinstance(current, CommentedMap):
        return current
    child = CommentedMap()
    if flow:
        child.fa.set_flow_style()
    _put(mapping, key, child, order)
    return child


def _her_key(mapping: CommentedMap, her_id: int) -> Any:
    """The HER-id key as the file writes it (quoted text or a bare number); new ones quoted."""
    for key in mapping:
        if str(key) == str(her_id):
            return key
    return DoubleQuotedScalarString(str(her_id))


def _date(value: dt.date) -> dt.date:
    return dt.date(value.year, value.month, value.day)


def _timestamp(value: dt.datetime) -> str:
    """Quoted ISO 8601 text, as the examples write timestamps (a bare one would be re-typed)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise UsageError(
            _("{value}: give the time with its UTC offset, e.g. 2027-03-30T09:00:00+02:00").format(
                value=value.isoformat()
            )
        )
    text: str = DoubleQuotedScalarString(value.isoformat())
    return text


Edit = Callable[[CommentedMap], str]


def _set(path: str, value: object) -> str:
    """What an edit wrote, as the declaration's own path and value (``activation.date = 2027-02-02``),
    the same in every language."""
    return f"{path} = {value}"


def set_activation(date: dt.date, agreed_on: dt.date | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        activation = _child(doc, "activation", TOP_ORDER)
        _put(activation, "date", _date(date), ("date", "agreed_on"))
        said = _set("activation.date", date.isoformat())
        if agreed_on is not None:
            _put(activation, "agreed_on", _date(agreed_on), ("date", "agreed_on"))
            said += ", " + _set("agreed_on", agreed_on.isoformat())
        return said

    return edit


def set_order(sent_on: dt.date, reference: str | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        order = _child(doc, "order", TOP_ORDER)
        _put(order, "sent_on", _date(sent_on), ("sent_on", "reference"))
        said = _set("order.sent_on", sent_on.isoformat())
        if reference is not None:
            _put(order, "reference", reference, ("sent_on", "reference"))
            said += ", " + _set("reference", reference)
        return said

    return edit


def _parties(doc: CommentedMap) -> list[CommentedMap]:
    parties = doc.get("parties")
    return [p for p in parties if isinstance(p, CommentedMap)] if isinstance(parties, CommentedSeq) else []


def _party(doc: CommentedMap, her_id: int) -> CommentedMap:
    for party in _parties(doc):
        if str(party.get("her_id")) == str(her_id):
            return party
    declared = ", ".join(str(p.get("her_id")) for p in _parties(doc)) or _("none")
    raise EditError(
        _(
            "no communication party with HER-id {her_id} (declared: {declared}); add it "
            "first with 'oppkobling record KOMMUNE party --her-id ...'"
        ).format(her_id=her_id, declared=declared)
    )


def set_party(her_id: int, name: str | None, edi_address: str | None, messages: dict[str, str]) -> Edit:
    """Add the communication party ``her_id`` (as AR has it), or change the fields given of the
    one already declared; ``messages`` (type -> version) are added or replaced one by one."""

    def edit(doc: CommentedMap) -> str:
        party = next((p for p in _parties(doc) if str(p.get("her_id")) == str(her_id)), None)
        if party is None:
            if name is None or edi_address is None:
                raise UsageError(
                    _("a new party {her_id} needs --name and --edi-address (as AR has them)").format(her_id=her_id)
                )
            if not isinstance(doc.get("parties"), CommentedSeq):
                _put(doc, "parties", CommentedSeq(), TOP_ORDER)
            party = CommentedMap()
            party["her_id"] = her_id
            doc["parties"].append(party)
            said = _("party {her_id} added").format(her_id=her_id)
        else:
            said = _("party {her_id} changed").format(her_id=her_id)
        if name is not None:
            _put(party, "name", name, PARTY_ORDER)
        if edi_address is not None:
            _put(party, "edi_address", edi_address, PARTY_ORDER)
        if messages:
            ordered = _child(party, "messages", PARTY_ORDER)
            for mtype, version in sorted(messages.items()):
                ordered[mtype] = DoubleQuotedScalarString(version)  # quoted: 1.10 must stay "1.10"
        shown = ", ".join(f"{t} {v}" for t, v in sorted(messages.items()))
        return said + (f": {shown}" if shown else "")

    return edit


def set_ar(her_id: int, on: dt.date) -> Edit:
    def edit(doc: CommentedMap) -> str:
        _put(_party(doc, her_id), "ar_published_on", _date(on), PARTY_ORDER)
        return _("party {her_id}: {change}").format(her_id=her_id, change=_set("ar_published_on", on.isoformat()))

    return edit


def _evidence(doc: CommentedMap, hf: str, her_id: int) -> CommentedMap:
    tests = _child(doc, "tests", TOP_ORDER)
    by_party = _child(tests, hf, ())
    key = _her_key(by_party, her_id)
    current = by_party.get(key)
    if isinstance(current, CommentedMap):
        return current
    entry = CommentedMap()
    by_party[key] = entry
    return entry


def _typed_attempt(doc: CommentedMap, hf: str, her_id: int, kind: str, new_attempt: bool) -> CommentedMap:
    """The attempt a value typed by hand goes into: the latest (a new one with ``new_attempt``)."""
    entry = _evidence(doc, hf, her_id)
    current = entry.get(kind)
    if current is None and not new_attempt:
        return _child(entry, kind, ("pretest", "dialog"), flow=True)
    if not new_attempt and isinstance(current, CommentedMap):
        return current
    if not new_attempt and isinstance(current, CommentedSeq) and current:
        latest = current[-1]
        if not isinstance(latest, CommentedMap):
            raise EditError(
                _("tests.{hf}.{her_id}.{kind}: the latest attempt is not a mapping").format(
                    hf=hf, her_id=her_id, kind=kind
                )
            )
        return latest
    node = CommentedMap()
    node.fa.set_flow_style()
    if isinstance(current, CommentedSeq):
        current.append(node)
    else:
        _put(entry, kind, CommentedSeq([node] if current is None else [current, node]), ("pretest", "dialog"))
    return node


def _type_by_hand(node: CommentedMap, key: str, value: Any, order: tuple[str, ...], where: str) -> None:
    """Set a value typed by hand: never over a recorded rejection, never over what the imported
    receipts recorded (a re-test is a new attempt)."""
    old = node.get(key)
    if old is not None and str(old) != str(value):
        if str(old) in ("rejected", "ok-with-errors"):
            raise EditError(
                _(
                    "{where}.{key} records {old}: a rejection is never replaced; a re-test is a new "
                    "attempt (--new-attempt)"
                ).format(where=where, key=key, old=old)
            )
        if isinstance(node.get("receipts"), CommentedSeq) and node["receipts"]:
            raise EditError(
                _(
                    "{where}.{key} = {old} was imported from the receipts (oppkobling receipts "
                    "import); a value typed by hand does not replace it"
                ).format(where=where, key=key, old=old)
            )
    _put(node, key, value, order)


def _mark(node: CommentedMap, justification: str | None, order: tuple[str, ...]) -> None:
    _put(node, "source", TYPED_BY_HAND, order)
    if justification is not None:
        _put(node, "justification", justification, order)


def set_pretest(
    hf: str,
    her_id: int,
    sent_on: dt.date | None,
    transport: str | None,
    apprec: str | None,
    *,
    justification: str | None = None,
    new_attempt: bool = False,
) -> Edit:
    """The fallback when the receipts cannot be imported: values typed by hand, marked so."""

    def edit(doc: CommentedMap) -> str:
        if sent_on is None and transport is None and apprec is None:
            raise UsageError(_("give at least one of --sent-on, --transport, --apprec"))
        pretest = _typed_attempt(doc, hf, her_id, "pretest", new_attempt)
        where = f"tests.{hf}.{her_id}.pretest"
        said = []
        for key, value in (("sent_on", sent_on), ("transport_receipt", transport), ("apprec", apprec)):
            if value is not None:
                _type_by_hand(pretest, key, _date(value) if isinstance(value, dt.date) else value, PRETEST_ORDER, where)
                said.append(f"{key} = {value}")
        _mark(pretest, justification, PRETEST_ORDER)
        return f"{where}: {', '.join(said)} ({TYPED_BY_HAND})"

    return edit


def set_dialog(
    hf: str,
    her_id: int,
    sent_at: dt.datetime | None,
    answered_at: dt.datetime | None,
    *,
    justification: str | None = None,
    new_attempt: bool = False,
) -> Edit:
    """The fallback when the dialog's answer cannot be imported: typed by hand, marked so."""

    def edit(doc: CommentedMap) -> str:
        if sent_at is None and answered_at is None:
            raise UsageError(_("give --sent-at, --answered-at or both"))
        dialog = _typed_attempt(doc, hf, her_id, "dialog", new_attempt)
        where = f"tests.{hf}.{her_id}.dialog"
        said = []
        for key, value in (("sent_at", sent_at), ("answered_at", answered_at)):
            if value is not None:
                _type_by_hand(dialog, key, _timestamp(value), DIALOG_ORDER, where)
                said.append(f"{key} = {value.isoformat()}")
        _mark(dialog, justification, DIALOG_ORDER)
        return f"{where}: {', '.join(said)} ({TYPED_BY_HAND})"

    return edit


def open_deviation(hf: str | None, on: dt.date, description: str) -> Edit:
    def edit(doc: CommentedMap) -> str:
        deviations = doc.get("deviations")
        if not isinstance(deviations, CommentedSeq):
            deviations = CommentedSeq()
            _put(doc, "deviations", deviations, TOP_ORDER)
        entry = CommentedMap()
        entry["opened_on"] = _date(on)
        if hf is not None:
            entry["hf"] = hf
        entry["description"] = description
        deviations.append(entry)
        return _("deviation {index} opened on {on}").format(index=len(deviations), on=on.isoformat())

    return edit


def resolve_deviation(index: int, on: dt.date) -> Edit:
    """``index`` counts from 1, in file order."""

    def edit(doc: CommentedMap) -> str:
        deviations = doc.get("deviations")
        count = len(deviations) if isinstance(deviations, CommentedSeq) else 0
        if not isinstance(deviations, CommentedSeq) or not 1 <= index <= count:
            raise EditError(
                _("no deviation number {index} (the declaration lists {count}; the first is 1)").format(
                    index=index, count=count
                )
            )
        entry = deviations[index - 1]
        if not isinstance(entry, CommentedMap):
            raise EditError(_("deviation {index} is not a mapping").format(index=index))
        if entry.get("resolved_on") is not None:
            raise EditError(
                _("deviation {index} is already resolved (on {entry})").format(index=index, entry=entry["resolved_on"])
            )
        _put(entry, "resolved_on", _date(on), DEVIATION_ORDER)
        return _("deviation {index} resolved on {on}").format(index=index, on=on.isoformat())

    return edit


def set_status(new: Status, paused_from: Status | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        old = str(doc.get("status"))
        if new is Status.PAUSED:
            if old == Status.PAUSED:
                raise EditError(_("the kommune is already paused"))
            if paused_from is None and old not in Status.__members__.values():
                raise EditError(_("the current status {old!r} is not a status; give --paused-from").format(old=old))
            _put(doc, "status", new.value, TOP_ORDER)
            _put(doc, "paused_from", (paused_from or Status(old)).value, TOP_ORDER)
            return _("status {old} → paused (from {paused_from})").format(old=old, paused_from=doc["paused_from"])
        if paused_from is not None:
            raise UsageError(_("--paused-from only goes with the status 'paused'"))
        _put(doc, "status", new.value, TOP_ORDER)
        if "paused_from" in doc:
            del doc["paused_from"]
        return _("status {old} → {new}").format(old=old, new=new.value)

    return edit


# -- attempts and their receipts (``oppkobling receipts import``) -------------------------------


def _flow(values: dict[str, Any], order: tuple[str, ...]) -> CommentedMap:
    node = CommentedMap()
    node.fa.set_flow_style()
    for key in order:
        if key in values and values[key] is not None:
            node[key] = values[key]
    return node


def _yaml_value(value: Any) -> Any:
    """A model value as the declaration writes it: dates bare, times quoted, lists in flow style."""
    if isinstance(value, dt.datetime):
        return _timestamp(value)
    if isinstance(value, dt.date):
        return _date(value)
    if isinstance(value, list):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    return value


def _receipt_key(node: Any) -> tuple[str, str] | None:
    if not isinstance(node, CommentedMap):
        return None
    return str(node.get("kind")), str(node.get("message"))


@dataclass(frozen=True)
class AttemptEdit:
    """The values and receipts one attempt is to hold (``index``: its place in the file's list of
    attempts; None appends it). ``drop`` names keys to remove (a hand-typed marker once the
    receipts back every value)."""

    hf: str
    her_id: int
    kind: str  # "pretest" or "dialog"
    index: int | None
    values: dict[str, Any]
    receipts: tuple[dict[str, Any], ...]
    drop: tuple[str, ...] = ()

    @property
    def order(self) -> tuple[str, ...]:
        return PRETEST_ORDER if self.kind == "pretest" else DIALOG_ORDER


def _attempt_node(entry: CommentedMap, change: AttemptEdit) -> CommentedMap:
    """The mapping of the attempt to edit, made a block mapping in a list of attempts when it is
    new or a second one joins an attempt written without a list."""
    current = entry.get(change.kind)
    if isinstance(current, CommentedMap) and change.index == 0:
        if current.fa.flow_style():
            block = CommentedMap(current.items())
            _put(entry, change.kind, CommentedSeq([block]), ("pretest", "dialog"))
            return block
        return current
    if isinstance(current, CommentedSeq) and change.index is not None and 0 <= change.index < len(current):
        found = current[change.index]
        if not isinstance(found, CommentedMap):
            raise EditError(
                _("tests.{hf}.{her_id}.{kind}[{index}] is not a mapping").format(
                    hf=change.hf, her_id=change.her_id, kind=change.kind, index=change.index
                )
            )
        return found
    if change.index is not None:
        raise EditError(
            _("tests.{hf}.{her_id}.{kind} has no attempt {value}").format(
                hf=change.hf, her_id=change.her_id, kind=change.kind, value=change.index + 1
            )
        )
    attempts = current if isinstance(current, CommentedSeq) else CommentedSeq([] if current is None else [current])
    if attempts is not current:
        _put(entry, change.kind, attempts, ("pretest", "dialog"))
    block = CommentedMap()
    attempts.append(block)
    return block


# Full-line comments that follow a block belong, to a reader, before whatever comes next; ruamel
# keeps them with the block's deepest last element (or in a list's ``end``). Content added at the
# end of that block would land after them, so they are taken off first and put back at its end.


def _chain(node: Any) -> Iterator[tuple[CommentedMap | CommentedSeq, Any]]:
    """(container, last key or index), from ``node`` down its last block elements."""
    while isinstance(node, CommentedMap | CommentedSeq) and len(node) and not node.fa.flow_style():
        key = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
        yield node, key
        node = node[key]


def _slot(container: CommentedMap | CommentedSeq) -> int:
    return 2 if isinstance(container, CommentedMap) else 0  # where ruamel keeps a comment after a value


def _split(lines: str, indent: int) -> tuple[str, str]:
    """(what stays, what is taken): the comment lines from the first one indented no deeper than
    ``indent`` on belong before what follows the block; deeper ones end the block itself."""
    parts = lines.splitlines(keepends=True)
    at = next((i for i, line in enumerate(parts) if len(line) - len(line.lstrip(" ")) <= indent), len(parts))
    return "".join(parts[:at]), "".join(parts[at:])


def _take_trailing(node: Any) -> str:
    """Remove the full-line comments after ``node``'s last line that are indented no deeper than
    its keys (they introduce what comes next); an end-of-line comment, and deeper lines, stay."""
    indent = node.lc.col if isinstance(node, CommentedMap | CommentedSeq) and node.lc.col is not None else 0
    taken: list[str] = []
    for container, key in _chain(node):
        kept_end = []
        for token in container.ca.end or ():
            stays, goes = _split(" " * (token.column or 0) + token.value.lstrip(" "), indent)
            if goes and not stays:
                taken.append(goes)
            else:
                kept_end.append(token)
        container.ca.end = kept_end
        slot = container.ca.items.get(key)
        token = slot[_slot(container)] if slot else None
        if token is None:
            continue
        eol, __, rest = str(token.value).partition("\n")
        stays, goes = _split(rest, indent)
        if goes:
            taken.append(goes)
            if eol.strip() or stays:
                token.value = eol + "\n" + stays
            else:
                slot[_slot(container)] = None
    return "".join(taken)


def _put_trailing(node: Any, text: str) -> None:
    """Put full-line comments taken by ``_take_trailing`` back after ``node``'s last line."""
    found = list(_chain(node))
    if not text or not found:
        return
    container, key = found[-1]
    width = 4 if isinstance(container, CommentedMap) else 2
    slot = container.ca.items.setdefault(key, [None] * width)
    token = slot[_slot(container)]
    if token is None:
        slot[_slot(container)] = CommentToken("\n" + text, CommentMark(0), None)
    else:
        token.value = token.value.rstrip("\n") + "\n" + text


def _take_after_flow(entry: CommentedMap, key: str) -> str:
    """The full-line comments after an attempt written as one flow mapping (its end-of-line
    comment stays on the key's line once the attempt becomes a block)."""
    slot = entry.ca.items.get(key)
    token = slot[2] if slot else None
    if token is None:
        return ""
    eol, __, rest = str(token.value).partition("\n")
    if eol.strip():
        token.value = eol + "\n"
    else:
        slot[2] = None
    return rest


def _scope(doc: CommentedMap, hf: str, her_id: int) -> Any:
    """The innermost block that exists around ``tests.<hf>.<her-id>``: what the edit appends to."""
    tests = doc.get("tests")
    if not isinstance(tests, CommentedMap):
        return doc
    by_party = tests.get(hf)
    if not isinstance(by_party, CommentedMap):
        return tests
    entry = by_party.get(_her_key(by_party, her_id))
    return entry if isinstance(entry, CommentedMap) else by_party


def record_attempts(changes: tuple[AttemptEdit, ...]) -> Edit:
    """One edit of a declaration: every attempt in ``changes``, each value set where the models'
    field order puts it, each new receipt a line of its own after those already there (a
    receipt already recorded is updated in place, keeping its comments)."""

    def edit(doc: CommentedMap) -> str:
        said = []
        for change in changes:
            scope = _scope(doc, change.hf, change.her_id)
            trailing = _take_trailing(scope)
            entry = _evidence(doc, change.hf, change.her_id)
            current = entry.get(change.kind)
            flow = isinstance(current, CommentedMap) and current.fa.flow_style()
            after_flow = _take_after_flow(entry, change.kind) if flow else ""
            node = _attempt_node(entry, change)
            for key, value in change.values.items():
                _put(node, key, _yaml_value(value), change.order)
            for key in change.drop:
                if key in node:
                    del node[key]
            if change.receipts:
                listed = node.get("receipts")
                if not isinstance(listed, CommentedSeq):
                    listed = CommentedSeq()
                    _put(node, "receipts", listed, change.order)
                known = {_receipt_key(r): i for i, r in enumerate(listed)}
                for receipt in change.receipts:
                    flow = _flow({k: _yaml_value(v) for k, v in receipt.items()}, RECEIPT_ORDER)
                    at = known.get(_receipt_key(flow))
                    if at is None:
                        listed.append(flow)
                    else:
                        for key in RECEIPT_ORDER:
                            if key in flow:
                                _put(listed[at], key, flow[key], RECEIPT_ORDER)
            _put_trailing(entry[change.kind], after_flow)
            _put_trailing(scope, trailing)
            number = _("new attempt") if change.index is None else _("attempt {value}").format(value=change.index + 1)
            said.append(f"tests.{change.hf}.{change.her_id}.{change.kind} ({number})")
        return "; ".join(said)

    return edit
