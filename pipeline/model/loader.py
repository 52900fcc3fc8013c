"""Safe YAML loading with positions (rule S1).

The loader walks ruamel.yaml's *event* stream and builds plain Python values itself. Doing it
event by event (instead of composing nodes and constructing them) means an anchor, alias or tag
is refused the moment the parser meets it, before anything could be expanded or instantiated:
an alias bomb costs no more than its own bytes, and nothing from the YAML is ever executed.
The parser is a state machine, so deep nesting is refused by a counter, not by a RecursionError.

Positions are recorded for every mapping key and every value, keyed by the path from the
document root, so that a schema or rule finding can point at ``file:line:column``.

Speed: ruamel's parser is pure Python (about 10 ms for a kommune file). When PyYAML's libyaml
binding is installed, ``load_text`` first feeds libyaml's C event stream through the same
builder, with the same YAML 1.2 resolution; every refusal above still happens event by event.
Any error, directive or character the two parsers read differently sends the file to the
reference (ruamel) parser, so messages and positions of errors are always the reference's.
``tests/test_loader_fast.py`` checks that both paths agree.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.nodes import ScalarNode

from pipeline.i18n import _, library_texts
from pipeline.model import mistakes

try:  # libyaml through PyYAML: a C parser for the common case (see load_text)
    from yaml import _yaml as _libyaml
    from yaml import events as _pyyaml_events
    from yaml.error import YAMLError as _PyYAMLError
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _libyaml = None

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_SCALAR_CHARS = 10_000

# A place in a document: the keys and indexes from its root (not a file system path).
YamlPath = tuple[str | int, ...]


class LoadError(Exception):
    """A file that cannot be turned into data. Carries a 1-based position."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Document:
    """Plain data from one YAML file plus the position of every key and value."""

    data: Any
    positions: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    text: str | None = field(default=None, repr=False, compare=False)
    forgotten: bool = field(default=False, repr=False, compare=False)

    def forget_positions(self) -> None:
        """Free the position tables (a national build holds a few hundred thousand entries
        once its findings are made). They are read again from ``text`` if ever asked for. The
        plain data goes too: it was read once, into the model (at 4x, 13 MB of dicts and lists)."""
        if self.text is not None:
            self.positions, self.key_positions, self.forgotten = {}, {}, True
            self.data = None

    def ensure_positions(self) -> None:
        if self.forgotten and self.text is not None:
            again = load_text(self.text)
            self.positions, self.key_positions, self.forgotten = again.positions, again.key_positions, False

    def position(self, path: YamlPath, *, key: bool = False) -> tuple[int, int]:
        """Best position for ``path``: the value (or its key), else the nearest ancestor."""
        self.ensure_positions()
        probe = path
        while True:
            table = self.key_positions if key else self.positions
            if probe in table:
                return table[probe]
            if probe in self.positions:
                return self.positions[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]


# Characters that render text differently from what it is: bidirectional overrides and
# isolates (the "Trojan Source" family) and zero-width joiners inside names.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


# One search in C instead of a Python loop per character; category Cc is exactly
# U+0000-U+001F and U+007F-U+009F (\n and \t are allowed).
_SUSPICIOUS = re.compile("[" + re.escape("".join(sorted(_BIDI | _INVISIBLE))) + "\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _suspicious(text: str) -> str | None:
    found = _SUSPICIOUS.search(text)
    if found is None:
        return None
    ch = found.group()
    if ch in _BIDI:
        return _("bidirectional control character U+{code:04X}").format(code=ord(ch))
    if ch in _INVISIBLE:
        return _("invisible character U+{code:04X}").format(code=ord(ch))
    assert unicodedata.category(ch) == "Cc"
    return _("control character U+{code:04X}").format(code=ord(ch))


_TIMESTAMP = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>\d{1,2}):(?P<M>\d{2}):(?P<S>\d{2})(?:\.(?P<f>\d+))?"
    r"(?:[ \t]*(?P<tz>Z|[-+]\d{1,2}(?::?\d{2})?))?)?$"
)


def _timestamp(value: str) -> dt.date | dt.datetime:
    m = _TIMESTAMP.match(value)
    if m is None:  # pragma: no cover - the resolver only sends matching text here
        raise ValueError(value)
    date = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    if m["H"] is None:
        return date
    micro = int((m["f"] or "0")[:6].ljust(6, "0"))
    tz: dt.tzinfo | None = None
    if m["tz"] == "Z" or m["tz"] == "z":
        tz = dt.UTC
    elif m["tz"]:
        sign = -1 if m["tz"][0] == "-" else 1
        digits = m["tz"][1:].replace(":", "")
        hours, minutes = int(digits[:-2] or digits), int(digits[-2:]) if len(digits) > 2 else 0
        tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    return dt.datetime(date.year, date.month, date.day, int(m["H"]), int(m["M"]), int(m["S"]), micro, tz)


def _impossible(value: str, exc: ValueError) -> str:
    """Why a well-shaped timestamp is not one: '2026-13-02 is not a date: there is no month 13'."""
    m = _TIMESTAMP.match(value)
    if m is not None:
        year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
        try:
            dt.date(year, month, day)
        except ValueError:
            return mistakes.impossible(year, month, day)
    reason = library_texts.python_date_reason(str(exc))
    return _("{shown} is not a valid {what}: {exc}").format(shown=_shown(value), what=_("date"), exc=reason)


_TAG = "tag:yaml.org,2002:"

_KINDS = (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
# Event class -> the ruamel event class it stands for. PyYAML's C parser has classes of the
# same names and attributes; both parsers' events go through the same builder.
_KIND_OF: dict[type, type | None] = {k: k for k in _KINDS}
if _libyaml is not None:
    _KIND_OF.update({getattr(_pyyaml_events, k.__name__): k for k in _KINDS})


def _kind(event: Any) -> type | None:
    cls = type(event)
    try:
        return _KIND_OF[cls]
    except KeyError:
        kind = next((k for k in _KINDS if isinstance(event, k)), None)
        _KIND_OF[cls] = kind
        return kind


def _shown(value: Any) -> str:
    """A value for a message: a hostile file must not make the message as long as itself."""
    text = repr(value)
    return text if len(text) <= 60 else _("{start}... ({n} characters)").format(start=text[:50], n=len(text))


def _spelled_otherwise(key: str | int) -> str | int | None:
    """The same key written the other way: HER-id keys are read as text whether quoted or not,
    so 8170001 and "8170001" in one mapping are one key twice."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return str(key)
    if len(key) <= 20 and key.isascii() and key.isdigit() and str(int(key)) == key:
        return int(key)
    return None


def _typed(kind: str, value: str, line: int, col: int) -> Any:
    """The value of a scalar resolved to ``tag:yaml.org,2002:<kind>``; ValueError when its text
    is not one (the caller says so), LoadError for what is never allowed."""
    if kind == "str":
        return value
    if kind == "null":
        return None
    if kind == "bool":
        return value.lower() in ("true", "yes", "on")
    if kind == "int":
        return int(value.replace("_", ""), 0) if value[:2] in ("0x", "0o") else int(value)
    if kind == "float":
        number = float(value.replace("_", "").replace(".inf", "inf").replace(".nan", "nan"))
        if math.isnan(number) or math.isinf(number):
            raise LoadError(_("not-a-number and infinite values are not allowed"), line, col)
        return number
    if kind == "timestamp":
        return _timestamp(value)
    raise LoadError(_("scalar type {kind!r} is not allowed").format(kind=kind), line, col)


class _Builder:
    def __init__(self, resolver: Any) -> None:
        self.resolver = resolver
        self.doc = Document(data=None)

    def scalar(self, event: Any, path: YamlPath) -> Any:
        value: str = event.value
        line, col = event.start_mark.line + 1, event.start_mark.column + 1
        self.doc.positions[path] = (line, col)
        if len(value) > MAX_SCALAR_CHARS:
            raise LoadError(
                _("value longer than {MAX_SCALAR_CHARS} characters").format(MAX_SCALAR_CHARS=MAX_SCALAR_CHARS),
                line,
                col,
            )
        bad = _suspicious(value)
        if bad:
            raise LoadError(_("{bad} in value").format(bad=bad), line, col)
        explicit = getattr(event, "tag", None)
        if explicit == _TAG + "str":
            return value
        tag = self.tag(value, event.implicit)
        if not tag.startswith(_TAG):
            raise LoadError(_("tag {shown} is not allowed").format(shown=_shown(tag)), line, col)
        kind = tag[len(_TAG) :]
        try:
            return _typed(kind, value, line, col)
        except LoadError:
            raise
        except ValueError as exc:
            if kind == "timestamp":
                raise LoadError(_impossible(value, exc), line, col) from None
            what = kind
            raise LoadError(
                _("{shown} is not a valid {what}: {exc}").format(shown=_shown(value), what=what, exc=exc), line, col
            ) from None

    def build(self, events: Iterator[Any]) -> Any:
        # Events of ruamel's parser or of libyaml's (PyYAML): same names and attributes.
        # Explicit stack instead of recursion: each frame is (container, path, pending key).
        stack: list[tuple[Any, YamlPath, Any]] = []
        root: Any = None
        have_root = False
        documents = 0
        for event in events:
            mark = event.start_mark
            line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            kind = _kind(event)
            if kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise LoadError(_("more than one YAML document in the file"), line, col)
                if getattr(event, "version", None) or getattr(event, "tags", None):
                    self.unusual()
                continue
            if kind is AliasEvent:
                raise LoadError(_("aliases are not allowed (anchors/aliases are refused)"), line, col)
            if kind is StreamEndEvent:
                break
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                container, __, __ = stack.pop()
                if not stack:
                    root, have_root = container, True
                continue
            if kind is not ScalarEvent and kind is not MappingStartEvent and kind is not SequenceStartEvent:
                continue
            if getattr(event, "anchor", None):
                anchor = event.anchor if len(event.anchor) <= 40 else f"{event.anchor[:40]}..."
                raise LoadError(_("anchor &{anchor} is not allowed").format(anchor=anchor), line, col)
            tag = getattr(event, "tag", None)
            if tag is not None:
                self.unusual()
            if tag is not None and tag not in ("!",) and not (kind is ScalarEvent and tag == _TAG + "str"):
                raise LoadError(_("tag {shown} is not allowed").format(shown=_shown(tag)), line, col)

            if stack:
                parent, parent_path, pending = stack[-1]
                if isinstance(parent, dict) and pending is _NO_KEY:
                    # This event is a mapping key.
                    if kind is not ScalarEvent:
                        raise LoadError(_("mapping keys must be plain scalars"), line, col)
                    key = self.scalar(event, (*parent_path, "\0key"))
                    del self.doc.positions[(*parent_path, "\0key")]
                    if not isinstance(key, str | int):
                        raise LoadError(
                            _("mapping key {shown} must be text").format(shown=_shown(event.value)), line, col
                        )
                    same = key if key in parent else _spelled_otherwise(key)
                    if same is not None and same in parent:
                        first = self.doc.key_positions[(*parent_path, same)]
                        spelled = "" if same == key else _(" as {same!r}").format(same=same)
                        raise LoadError(
                            _("duplicate key {shown} (first at line {first}{spelled})").format(
                                shown=_shown(key), first=first[0], spelled=spelled
                            ),
                            line,
                            col,
                        )
                    self.doc.key_positions[(*parent_path, key)] = (line, col)
                    stack[-1] = (parent, parent_path, key)
                    continue
                path: YamlPath = (*parent_path, pending if isinstance(parent, dict) else len(parent))
            else:
                path = ()

            if kind is ScalarEvent:
                value = self.scalar(event, path)
                if not stack:
                    root, have_root = value, True
                    continue
            else:
                if len(stack) >= MAX_DEPTH:
                    raise LoadError(_("nesting deeper than {MAX_DEPTH} levels").format(MAX_DEPTH=MAX_DEPTH), line, col)
                self.doc.positions[path] = (line, col)
                value = {} if kind is MappingStartEvent else []
            if stack:
                parent, parent_path, pending = stack[-1]
                if isinstance(parent, dict):
                    parent[pending] = value
                    stack[-1] = (parent, parent_path, _NO_KEY)
                else:
                    parent.append(value)
            if isinstance(value, dict | list) and kind is not ScalarEvent:
                stack.append((value, path, _NO_KEY))
        return root if have_root else None

    def unusual(self) -> None:
        """A directive or an explicit tag: the fast path leaves these to the reference parser."""

    def tag(self, value: str, implicit: tuple[bool, bool]) -> str:
        return str(self.resolver.resolve(ScalarNode, value, implicit))


# The fast path always resolves as YAML 1.2 (a %YAML directive sends a file to the reference
# path), so the value of a (text, implicit) pair never changes: remember the short ones. Every
# value cached here passed the checks the reference builder makes of it.
_VALUES: dict[tuple[str, bool, bool], Any] = {}
_MISSING = object()


class _FastBuilder(_Builder):
    """The builder for libyaml's events, in one loop with no per-event dispatch: the same data
    and the same positions as ``_Builder.build``, and ``_NotFast`` for anything that builder
    would refuse or that the parsers may read differently (anchors, aliases, tags, directives,
    block scalars, empty values, a second document, duplicate or non-scalar keys, any value it
    would refuse): the reference parser then decides, and says where."""

    def value(self, event: Any) -> Any:
        implicit = event.implicit
        key = (event.value, implicit[0], implicit[1])
        known = _VALUES.get(key, _MISSING)
        if known is not _MISSING:
            return known
        text: str = event.value
        if (not text and implicit[0]) or len(text) > MAX_SCALAR_CHARS or _SUSPICIOUS.search(text):
            # An empty value ("key:"): the parsers place it differently (after the colon or at
            # the next token), so let the reference say where it is.
            raise _NotFast
        tag = str(self.resolver.resolve(ScalarNode, text, implicit))
        if not tag.startswith(_TAG):
            raise _NotFast
        try:
            value = _typed(tag[len(_TAG) :], text, 1, 1)
        except (LoadError, ValueError):
            raise _NotFast from None
        if len(text) <= 64:
            if len(_VALUES) >= 100_000:
                _VALUES.clear()
            _VALUES[key] = value
        return value

    def build(self, events: Iterator[Any]) -> Any:
        positions, key_positions = self.doc.positions, self.doc.key_positions
        # Open containers: [container, its path, the key waiting for its value (a mapping's)].
        stack: list[list[Any]] = []
        root: Any = None
        have_root = False
        documents = 0
        for event in events:
            cls = type(event)
            if cls is _Y_SCALAR or cls is _Y_MAPPING or cls is _Y_SEQUENCE:
                if event.anchor is not None or event.tag is not None:
                    raise _NotFast
                mark = event.start_mark
                where = (mark.line + 1, mark.column + 1)
                if cls is _Y_SCALAR:
                    if event.style == "|" or event.style == ">":
                        # Block scalar headers are parsed more leniently by libyaml ("|#" is accepted).
                        raise _NotFast
                    value = self.value(event)
                    if not stack:
                        positions[()] = where
                        root, have_root = value, True
                        continue
                    frame = stack[-1]
                    parent = frame[0]
                    if type(parent) is dict:
                        pending = frame[2]
                        if pending is _NO_KEY:  # this scalar is a key
                            if not isinstance(value, str | int):
                                raise _NotFast
                            if value in parent:
                                raise _NotFast
                            # Only a number, or text starting with a digit, can be spelled otherwise.
                            if parent and (isinstance(value, int) or "0" <= value[:1] <= "9"):
                                other = _spelled_otherwise(value)
                                if other is not None and other in parent:
                                    raise _NotFast
                            key_positions[(*frame[1], value)] = where
                            frame[2] = value
                            continue
                        positions[(*frame[1], pending)] = where
                        parent[pending] = value
                        frame[2] = _NO_KEY
                    else:
                        positions[(*frame[1], len(parent))] = where
                        parent.append(value)
                    continue
                container: Any = {} if cls is _Y_MAPPING else []
                if not stack:
                    path: YamlPath = ()
                else:
                    if len(stack) >= MAX_DEPTH:
                        raise _NotFast
                    frame = stack[-1]
                    parent = frame[0]
                    if type(parent) is dict:
                        pending = frame[2]
                        if pending is _NO_KEY:  # a mapping or sequence as a key
                            raise _NotFast
                        path = (*frame[1], pending)
                        parent[pending] = container
                        frame[2] = _NO_KEY
                    else:
                        path = (*frame[1], len(parent))
                        parent.append(container)
                positions[path] = where
                stack.append([container, path, _NO_KEY])
            elif cls is _Y_MAPPING_END or cls is _Y_SEQUENCE_END:
                done = stack.pop()
                if not stack:
                    root, have_root = done[0], True
            elif cls is _Y_DOCUMENT_START:
                documents += 1
                if documents > 1 or event.version or event.tags:
                    raise _NotFast
            elif cls is _Y_STREAM_END:
                break
            elif cls is not _Y_STREAM_START and cls is not _Y_DOCUMENT_END:
                raise _NotFast  # an alias, or an event this loop does not know
        return root if have_root else None


if _libyaml is not None:
    _Y_SCALAR = _pyyaml_events.ScalarEvent
    _Y_MAPPING = _pyyaml_events.MappingStartEvent
    _Y_SEQUENCE = _pyyaml_events.SequenceStartEvent
    _Y_MAPPING_END = _pyyaml_events.MappingEndEvent
    _Y_SEQUENCE_END = _pyyaml_events.SequenceEndEvent
    _Y_DOCUMENT_START = _pyyaml_events.DocumentStartEvent
    _Y_DOCUMENT_END = _pyyaml_events.DocumentEndEvent
    _Y_STREAM_START = _pyyaml_events.StreamStartEvent
    _Y_STREAM_END = _pyyaml_events.StreamEndEvent


class _NotFast(Exception):
    """The C parser met something the reference (ruamel) path must decide."""


_NO_KEY = object()


def decode(raw: bytes) -> str:
    """Bytes -> text: UTF-8 only (a BOM is accepted), CRLF normalised."""
    if len(raw) > MAX_BYTES:
        raise LoadError(
            _("file is {n} bytes; the limit is {MAX_BYTES} (1 MiB)").format(n=len(raw), MAX_BYTES=MAX_BYTES)
        )
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise LoadError(_("binary file (NUL byte); declarations are UTF-8 text"), line)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError(_("file is not valid UTF-8"), line, column) from None
    return text.replace("\r\n", "\n")


# Text the two parsers may read differently (YAML 1.1 line breaks, tabs, a BOM, lone CR):
# such a file always goes to the reference parser.
_NOT_FAST = re.compile("[\t\r\x85\u2028\u2029\ufeff]")
_FAST_RESOLVER: Any = None


def _load_fast(text: str) -> Document | None:
    """The common case at C speed: libyaml's event parser feeding the same builder, with the
    same (ruamel, YAML 1.2) scalar resolution. Anything unusual -- an error of any kind, a
    directive, a character the parsers treat differently -- returns None, and the reference
    parser decides and locates it, so error messages and positions stay the reference ones."""
    global _FAST_RESOLVER
    if _libyaml is None or _NOT_FAST.search(text):
        return None
    if _FAST_RESOLVER is None:
        _FAST_RESOLVER = YAML(typ="safe", pure=True).resolver
    builder = _FastBuilder(_FAST_RESOLVER)
    parser = _libyaml.CParser(text)
    try:
        builder.doc.data = builder.build(iter(parser.get_event, None))
    except (_PyYAMLError, LoadError, _NotFast):
        return None
    finally:
        parser.dispose()
    return builder.doc


def load_text(text: str) -> Document:
    fast = _load_fast(text)
    doc = fast if fast is not None else _load_reference(text)
    doc.text = text
    return doc


def _load_reference(text: str) -> Document:
    """ruamel's pure-Python parser: the reference for what a file means and where errors are."""
    yaml = YAML(typ="safe", pure=True)
    builder = _Builder(yaml.resolver)
    try:
        data = builder.build(iter(yaml.parse(text)))
    except LoadError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        written = exc.problem or exc.context
        problem = library_texts.yaml_problem(str(written)) if written else _("invalid YAML")
        raise LoadError(_("YAML syntax error: {problem}").format(problem=problem), line, col) from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "mark", None)
        line = getattr(mark, "line", 0) + 1
        col = getattr(mark, "column", 0) + 1
        offset = getattr(exc, "position", None)  # ReaderError: a character offset, no mark
        if mark is None and isinstance(offset, int):
            line = text.count("\n", 0, offset) + 1
            col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        first = library_texts.yaml_problem(str(exc).strip().splitlines()[0]) if str(exc).strip() else _("invalid YAML")
        raise LoadError(_("YAML error: {first}").format(first=first), line, col) from None
    except RecursionError:  # pragma: no cover - the depth counter stops this first
        raise LoadError(_("nesting deeper than {MAX_DEPTH} levels").format(MAX_DEPTH=MAX_DEPTH)) from None
    builder.doc.data = data
    return builder.doc


def load_bytes(raw: bytes) -> Document:
    return load_text(decode(raw))
