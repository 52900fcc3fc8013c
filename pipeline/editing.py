"""Editing declarations the way a person would: keeping every comment, the key order and layout.

``scaffold`` writes a new declaration from the kommune register (``oppkobling new``); the
``set_*``/``*_deviation`` edits record evidence (``oppkobling record``). An edit works on
ruamel.yaml's round-trip representation, so only the lines it means to change change. ``apply``
then checks the edited text *in memory* with the project's own loader, models and rules, with
the file's current content as the L1-L3 base (a status may move one step at a time), and
accepts it only if it introduces no error that was not already there. The caller writes the
file only when ``Outcome.accepted``.

Slugs (file names, contact placeholders) follow the examples and the kommune.no domains:
æ → ae, ø → o, å → a, other accents dropped (á → a), anything else non-alphanumeric → "-",
so "Stjørdal" → ``stjordal``, "Bærum" → ``baerum``, "Møre og Romsdal" → ``more-og-romsdal``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from pipeline import layout
from pipeline.errors import OppkoblingError, UsageError
from pipeline.findings import Finding, Severity, sort_findings
from pipeline.model.declarations import parse
from pipeline.model.kommuner import KommuneEntry
from pipeline.model.loader import LoadError, decode, load_text
from pipeline.model.models import Status
from pipeline.rules import Context, evaluate, s1_well_formed

SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/kommune.schema.json"
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
PRETEST_ORDER = ("sent_on", "transport_receipt", "apprec")
DIALOG_ORDER = ("sent_at", "answered_at")
DEVIATION_ORDER = ("opened_on", "hf", "description", "resolved_on")


class EditError(OppkoblingError):
    """The edit cannot be made as asked (no such party, no such deviation...)."""


# --- slugs and the scaffold -----------------------------------------------------------------

_FOLD = {"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"}


def slug(name: str) -> str:
    text = "".join(_FOLD.get(ch, ch) for ch in name)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _plain_or_quoted(value: str) -> str:
    """``value`` as a YAML scalar: plain where it reads back as the same text, else double-quoted."""
    try:
        plain = load_text(f"v: {value}\n").data
    except LoadError:
        plain = None
    if isinstance(plain, dict) and plain.get("v") == value and "#" not in value:
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _line(text: str, comment: str, column: int = 32) -> str:
    return f"{text.ljust(column)}# {comment}" if len(text) < column else f"{text}  # {comment}"


def scaffold(entry: KommuneEntry) -> tuple[str, str]:
    """(repository path, text) of a new ``planned`` declaration for ``entry``. Values come from
    the register; the contact is a placeholder to verify; the fields still to fill in are there
    with empty values and a comment each, so ``oppkobling record`` can fill them in place."""
    name = entry.short_name
    file_slug = slug(name)
    domain = slug(name.split(" (")[0])
    path = f"{layout.KOMMUNER_DIR}/{entry.number}-{file_slug}.yaml"
    org = f'"{entry.org_number}"' if entry.org_number else '"TODO"'
    org_comment = (
        "organisation number, from the kommune register (S5)"
        if entry.org_number
        else "TODO: not in the register; look it up in Enhetsregisteret (S5)"
    )
    lines = [
        SCHEMA_LINE,
        f"# {name} ({entry.number}): scaffolded by 'oppkobling new' from the kommune register.",
        "# Next: agree T with Hemit (activation, K1), send the order with its parties (K2),",
        "# and record each step with 'oppkobling record', which keeps these comments.",
        _line(f'kommune: "{entry.number}"', "kommunenummer, 4 digits, a string (S2, S4)"),
        _line(f"name: {_plain_or_quoted(name)}", "the register's name (S4)"),
        _line(f"org_number: {org}", org_comment),
        _line(
            f"contact: meldingsansvarlig@{domain}.kommune.no",
            "VERIFY: the address Hemit writes to about deviations (H3)",
        ),
        _line("status: planned", "planned | ordered | testing | active | paused | withdrawn"),
        _line("activation:", "K1: agreed with Hemit"),
        _line("  date:", "T, YYYY-MM-DD: a Norwegian working day (test dialog at 09:00)"),
        _line("  agreed_on:", "YYYY-MM-DD: the day T was agreed"),
        _line("order:", "K2: 'oppkobling order' writes the e-mail to Hemit"),
        _line("  sent_on:", "YYYY-MM-DD: the day the order was sent"),
        _line("parties: []", "communication parties as published in NHN AR (K2, K3), e.g.:"),
        "#  - her_id: 1234567               # the party's HER-id in AR",
        f"#    name: {name} kommune - Helse og omsorg",
        f"#    edi_address: {domain}-helse@edi.nhn.no",
        "#    ar_published_on: YYYY-MM-DD   # K3: no later than T-14",
        "#    messages:                     # message type: version, supported by all three HFs (K2)",
        '#      dialogmelding: "1.1"',
        '#      epikrise: "1.2"',
    ]
    return path, "\n".join(lines) + "\n"


def existing_declaration(files: Mapping[str, bytes], number: str) -> str | None:
    """The path of a declaration for ``number``, by file name or by content."""
    for path in sorted(files):
        directory, _, name = path.rpartition("/")
        if directory == layout.KOMMUNER_DIR and name.startswith(f"{number}-"):
            return path
    for k in parse(files).kommuner:
        if k.model.kommune == number:
            return k.path
    return None


def locate(files: Mapping[str, bytes], wanted: str) -> str:
    """The declaration file for KOMMUNE given as number, name or file stem (even one that does
    not load: it can still be found by its file name)."""
    found = parse(files).kommune(wanted.strip())
    if found is not None:
        return found.path
    folded = wanted.strip().casefold()
    for path in sorted(files):
        directory, _, name = path.rpartition("/")
        match = layout.KOMMUNE_FILE.match(name)
        if directory == layout.KOMMUNER_DIR and match and folded in (match["number"], name.removesuffix(".yaml")):
            return path
    raise UsageError(f"no kommune declaration matches {wanted!r} (give its number, name or file stem)")


# --- round-trip YAML ------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How a file indents, so re-emitting it changes nothing but the edit."""

    mapping: int = 2
    offset: int = 2
    newline: str = "\n"
    bom: bool = False

    @property
    def sequence(self) -> int:
        return self.offset + 2


_KEY_LINE = re.compile(r"^(?P<indent> *)[^\s#-][^#]*:\s*(#.*)?$")
_DASH_LINE = re.compile(r"^(?P<indent> *)- ")
_CONTENT = re.compile(r"^(?P<indent> *)[^\s#]")


def layout_of(raw: bytes) -> Layout:
    text = raw.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    mapping, offset = 2, 2
    previous: re.Match[str] | None = None
    found_mapping = found_offset = False
    for line in text.split("\n"):
        content = _CONTENT.match(line)
        if not content:
            continue
        if previous is not None:
            parent = len(previous["indent"])
            dash = _DASH_LINE.match(line)
            if dash and not found_offset:
                offset, found_offset = len(dash["indent"]) - parent, True
            elif not dash and not found_mapping and len(content["indent"]) > parent:
                mapping, found_mapping = len(content["indent"]) - parent, True
        previous = _KEY_LINE.match(line)
    return Layout(
        mapping=max(mapping, 1),
        offset=max(offset, 0),
        newline="\r\n" if b"\r\n" in raw else "\n",
        bom=raw.startswith(b"\xef\xbb\xbf"),
    )


def _yaml(layout: Layout) -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    yaml.indent(mapping=layout.mapping, sequence=layout.sequence, offset=layout.offset)
    return yaml


def load_rt(raw: bytes) -> tuple[CommentedMap, Layout]:
    layout = layout_of(raw)
    doc = _yaml(layout).load(decode(raw))
    if not isinstance(doc, CommentedMap):
        raise EditError("the declaration is not a YAML mapping")
    return doc, layout


def dump_rt(doc: CommentedMap, layout: Layout) -> bytes:
    out = io.StringIO()
    _yaml(layout).dump(doc, out)
    text = out.getvalue().replace("\n", layout.newline)
    return (b"\xef\xbb\xbf" if layout.bom else b"") + text.encode("utf-8")


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
        raise UsageError(f"{value.isoformat()}: give the time with its UTC offset, e.g. 2027-03-30T09:00:00+02:00")
    text: str = DoubleQuotedScalarString(value.isoformat())
    return text


# --- the edits ------------------------------------------------------------------------------

Edit = Callable[[CommentedMap], str]


def set_activation(date: dt.date, agreed_on: dt.date | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        activation = _child(doc, "activation", TOP_ORDER)
        _put(activation, "date", _date(date), ("date", "agreed_on"))
        said = f"activation.date = {date.isoformat()}"
        if agreed_on is not None:
            _put(activation, "agreed_on", _date(agreed_on), ("date", "agreed_on"))
            said += f", agreed_on = {agreed_on.isoformat()}"
        return said

    return edit


def set_order(sent_on: dt.date, reference: str | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        order = _child(doc, "order", TOP_ORDER)
        _put(order, "sent_on", _date(sent_on), ("sent_on", "reference"))
        said = f"order.sent_on = {sent_on.isoformat()}"
        if reference is not None:
            _put(order, "reference", reference, ("sent_on", "reference"))
            said += f", reference = {reference}"
        return said

    return edit


def _party(doc: CommentedMap, her_id: int) -> CommentedMap:
    parties = doc.get("parties")
    for party in parties if isinstance(parties, CommentedSeq) else []:
        if isinstance(party, CommentedMap) and str(party.get("her_id")) == str(her_id):
            return party
    raise EditError(f"no communication party with HER-id {her_id} in this declaration")


def set_ar(her_id: int, on: dt.date) -> Edit:
    def edit(doc: CommentedMap) -> str:
        _put(_party(doc, her_id), "ar_published_on", _date(on), PARTY_ORDER)
        return f"party {her_id}: ar_published_on = {on.isoformat()}"

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


def set_pretest(hf: str, her_id: int, sent_on: dt.date | None, transport: str | None, apprec: str | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        if sent_on is None and transport is None and apprec is None:
            raise UsageError("give at least one of --sent-on, --transport, --apprec")
        pretest = _child(_evidence(doc, hf, her_id), "pretest", ("pretest", "dialog"), flow=True)
        said = []
        for key, value in (("sent_on", sent_on), ("transport_receipt", transport), ("apprec", apprec)):
            if value is not None:
                _put(pretest, key, _date(value) if isinstance(value, dt.date) else value, PRETEST_ORDER)
                said.append(f"{key} = {value}")
        return f"tests.{hf}.{her_id}.pretest: {', '.join(said)}"

    return edit


def set_dialog(hf: str, her_id: int, sent_at: dt.datetime | None, answered_at: dt.datetime | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        if sent_at is None and answered_at is None:
            raise UsageError("give --sent-at, --answered-at or both")
        dialog = _child(_evidence(doc, hf, her_id), "dialog", ("pretest", "dialog"), flow=True)
        said = []
        for key, value in (("sent_at", sent_at), ("answered_at", answered_at)):
            if value is not None:
                _put(dialog, key, _timestamp(value), DIALOG_ORDER)
                said.append(f"{key} = {value.isoformat()}")
        return f"tests.{hf}.{her_id}.dialog: {', '.join(said)}"

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
        return f"deviation {len(deviations)} opened on {on.isoformat()}"

    return edit


def resolve_deviation(index: int, on: dt.date) -> Edit:
    """``index`` counts from 1, in file order."""

    def edit(doc: CommentedMap) -> str:
        deviations = doc.get("deviations")
        count = len(deviations) if isinstance(deviations, CommentedSeq) else 0
        if not isinstance(deviations, CommentedSeq) or not 1 <= index <= count:
            raise EditError(f"no deviation number {index} (the declaration lists {count}; the first is 1)")
        entry = deviations[index - 1]
        if not isinstance(entry, CommentedMap):
            raise EditError(f"deviation {index} is not a mapping")
        if entry.get("resolved_on") is not None:
            raise EditError(f"deviation {index} is already resolved (on {entry['resolved_on']})")
        _put(entry, "resolved_on", _date(on), DEVIATION_ORDER)
        return f"deviation {index} resolved on {on.isoformat()}"

    return edit


def set_status(new: Status, paused_from: Status | None) -> Edit:
    def edit(doc: CommentedMap) -> str:
        old = str(doc.get("status"))
        if new is Status.PAUSED:
            if old == Status.PAUSED:
                raise EditError("the kommune is already paused")
            if paused_from is None and old not in Status.__members__.values():
                raise EditError(f"the current status {old!r} is not a status; give --paused-from")
            _put(doc, "status", new.value, TOP_ORDER)
            _put(doc, "paused_from", (paused_from or Status(old)).value, TOP_ORDER)
            return f"status {old} → paused (from {doc['paused_from']})"
        if paused_from is not None:
            raise UsageError("--paused-from only goes with the status 'paused'")
        _put(doc, "status", new.value, TOP_ORDER)
        if "paused_from" in doc:
            del doc["paused_from"]
        return f"status {old} → {new.value}"

    return edit


# --- apply and check ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    path: str
    before: bytes
    after: bytes
    description: str
    new_errors: tuple[Finding, ...]
    new_warnings: tuple[Finding, ...]

    @property
    def accepted(self) -> bool:
        return not self.new_errors

    def diff(self) -> str:
        before = self.before.decode("utf-8-sig").splitlines(keepends=True)
        after = self.after.decode("utf-8-sig").splitlines(keepends=True)
        return "".join(difflib.unified_diff(before, after, f"a/{self.path}", f"b/{self.path}", n=1))


def _key(f: Finding) -> tuple[str, str, str, str]:
    # Not the line: an edit that inserts lines moves every finding below it.
    return (f.rule, f.severity.value, f.file, f.message)


def _introduced(before: list[Finding], after: list[Finding], severity: Severity) -> tuple[Finding, ...]:
    seen = Counter(_key(f) for f in before if f.severity is severity)
    new = []
    for f in after:
        if f.severity is not severity:
            continue
        if seen[_key(f)]:
            seen[_key(f)] -= 1
        else:
            new.append(f)
    return tuple(sort_findings(new))


def apply(files: Mapping[str, bytes], path: str, edit: Edit, today: dt.date) -> Outcome:
    """Apply ``edit`` to ``files[path]`` and check the result against every rule, in memory."""
    raw = files[path]
    try:
        load_text(decode(raw))
    except LoadError:
        unloadable = tuple(s1_well_formed.from_loading(parse({path: raw})))
        return Outcome(path, raw, raw, "file does not load; fix it first", unloadable, ())
    doc, layout = load_rt(raw)
    description = edit(doc)
    new = dump_rt(doc, layout)
    current = parse(files)
    edited = parse({**files, path: new})
    before = evaluate(Context(current, today, current))
    after = evaluate(Context(edited, today, current))
    return Outcome(
        path,
        raw,
        new,
        description,
        _introduced(before, after, Severity.ERROR),
        _introduced(before, after, Severity.WARNING),
    )
