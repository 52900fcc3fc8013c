"""Strict JSON with positions, and the canonical form the snapshot is written in.

Loading goes through the C parser (``json.loads``): fast for the thousands of files a national
snapshot holds. Positions are worked out only when something must be pointed at (an error, or a
rule naming a field): ``JsonText.locate`` scans the text once, then answers from a table.

Refused, each with line and column: bytes that are not UTF-8, a byte order mark, anything
``json`` refuses, ``NaN``/``Infinity`` (not JSON), a key twice in one object (the YAML loader's
rule, for the same reason: which one counts is a matter of parser), and characters that render
differently from what they are (bidirectional controls, invisible characters, line separators),
since these files are reviewed in pull requests.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.i18n import _

MAX_BYTES = 1024 * 1024  # the limit pipeline.source puts on every file under partners/

JsonPath = tuple[str | int, ...]

_BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_INVISIBLE = "\u200b-\u200d\u2060\ufeff"
_SEPARATORS = "\u2028\u2029"
# In the file: the above and every C0/C1 control except the JSON whitespace \t \n \r.
_REFUSED = re.compile(f"[{_BIDI}{_INVISIBLE}{_SEPARATORS}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# In what we write: json.dumps escapes C0 and " and \\ already; the rest of the above needs it.
_ESCAPED = re.compile(f"[{_BIDI}{_INVISIBLE}{_SEPARATORS}\x7f-\x9f]")

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")


class JsonError(Exception):
    """A file that is not strict JSON. Carries a 1-based position."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # a key twice: name the first one repeated
        seen: set[str] = set()
        for key, __ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(_("{name} is not JSON").format(name=name))


# One decoder for every file: json.loads with these hooks builds a new one (and its scanner) per
# call, a quarter of the decoding of a national snapshot's thousands of small files.
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_no_constant)


@dataclass
class _Table:
    values: dict[JsonPath, int] = field(default_factory=dict)
    keys: dict[JsonPath, int] = field(default_factory=dict)
    duplicate: tuple[int, str] | None = None


@dataclass
class JsonText:
    """Plain data from one JSON file, and where each value and key stands in it. The file's bytes
    are kept (the reader of partners/ holds them already), not their text: it is decoded only when
    a position is asked for. ``data`` may be let go once it is turned into models (``forget_data``):
    at national scale the parsed values are the larger part of the snapshot's memory. Once every
    finding is made, ``forget_positions`` lets the bytes go too."""

    raw: bytes
    data: Any
    _table: _Table | None = field(default=None, repr=False, compare=False)
    _lines: list[int] | None = field(default=None, repr=False, compare=False)
    _forgotten: bool = field(default=False, repr=False, compare=False)

    @property
    def text(self) -> str:
        if self._forgotten:
            raise RuntimeError("a position of an AR file was asked for after its findings were made")
        return self.raw.decode("utf-8")  # load() has checked that it decodes

    def forget_data(self) -> JsonText:
        """The same file's positions without its parsed values."""
        return JsonText(self.raw, None, self._table, self._lines, self._forgotten)

    def forget_positions(self) -> None:
        """No position will be asked for again (rules alone point into the file, and they have run):
        the bytes and tables go (at 4x, a snapshot's files were ~40 MB held through the render)."""
        self.raw, self._table, self._lines, self._forgotten = b"", None, None, True

    def locate(self, path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at ``path`` (or of its key), else of the nearest ancestor."""
        table = self._scanned()
        probe = path
        while probe:
            if key and probe in table.keys:
                return self.line_column(table.keys[probe])
            if probe in table.values:
                return self.line_column(table.values[probe])
            probe = probe[:-1]
        return self.line_column(table.values.get((), 0))

    def line_column(self, offset: int) -> tuple[int, int]:
        return _line_column(self._line_starts(), offset)

    def _line_starts(self, text: str | None = None) -> list[int]:
        if self._lines is None:
            self._lines = [0, *(m.end() for m in re.finditer("\n", self.text if text is None else text))]
        return self._lines

    def _scanned(self, text: str | None = None) -> _Table:
        if self._table is None:
            self._table = _scan(self.text if text is None else text)
        return self._table


def _line_column(lines: list[int], offset: int) -> tuple[int, int]:
    line = bisect.bisect_right(lines, offset)
    return line, offset - lines[line - 1] + 1


def load(raw: bytes, *, check_characters: bool = True) -> JsonText:
    """``raw`` as strict JSON. ``check_characters=False`` lets through (for an API's answer, which is
    written back in the canonical form, escaped) what only a reviewer of the file must not miss."""
    if len(raw) > MAX_BYTES:
        raise JsonError(_("file is larger than {MAX_BYTES} bytes (1 MiB)").format(MAX_BYTES=MAX_BYTES))
    if raw.startswith(b"\xef\xbb\xbf"):
        raise JsonError(_("file starts with a byte order mark; save it as UTF-8 without BOM"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        message = _("not UTF-8: byte 0x{raw:02x} cannot start or continue a character").format(raw=raw[exc.start])
        raise JsonError(message, line, column) from None
    doc = JsonText(raw, None)
    bad = _REFUSED.search(text) if check_characters else None
    if bad is not None:
        line, column = _line_column(doc._line_starts(text), bad.start())
        message = _("character U+{ord:04X} is not allowed (it renders differently from what it is)").format(
            ord=ord(bad.group())
        )
        raise JsonError(message, line, column)
    try:
        doc.data = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JsonError(_("not JSON: {msg}").format(msg=exc.msg), exc.lineno, exc.colno) from None
    except _Duplicate as exc:
        duplicate = doc._scanned(text).duplicate
        line, column = _line_column(doc._line_starts(text), duplicate[0]) if duplicate else (1, 1)
        raise JsonError(_("key {key!r} appears twice in one object").format(key=exc.key), line, column) from None
    except ValueError as exc:  # NaN / Infinity
        raise JsonError(_("not JSON: {exc}").format(exc=exc)) from None
    except RecursionError:
        raise JsonError(_("not JSON: nested too deeply")) from None
    return doc


def dump(data: Any) -> bytes:
    """The canonical form: two-space indent, sorted keys, UTF-8, a final newline, and the
    characters that render as something else written as escapes (a reviewer sees them)."""
    try:
        parts: list[str] = []
        _encode(data, "\n", parts)
        text = "".join(parts)
    except _Unusual:
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n").encode("utf-8")


class _Unusual(Exception):
    """A value ``_encode`` leaves to ``json.dumps`` (and to its errors)."""


_string = json.encoder.encode_basestring  # ensure_ascii=False's escaping of " \\ and controls


def _encode(value: Any, newline: str, parts: list[str]) -> None:
    """``json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)``, the
    same text, for what ``json.loads`` makes (str keys, finite floats): with an indent, ``json``
    encodes in Python, a generator step a value, and a sync writes 8568 files."""
    kind = type(value)
    if kind is str:
        parts.append(_string(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif kind is int:
        parts.append(int.__repr__(value))
    elif kind is float and math.isfinite(value):
        parts.append(float.__repr__(value))
    elif kind is dict and value:
        if any(type(key) is not str for key in value):
            raise _Unusual
        inner = newline + "  "
        separator = "{" + inner
        for key in sorted(value):
            parts.append(separator)
            parts.append(_string(key))
            parts.append(": ")
            _encode(value[key], inner, parts)
            separator = "," + inner
        parts.append(newline + "}")
    elif kind is list and value:
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            parts.append(separator)
            _encode(item, inner, parts)
            separator = "," + inner
        parts.append(newline + "]")
    elif kind is dict:
        parts.append("{}")
    elif kind is list:
        parts.append("[]")
    else:
        raise _Unusual


def _skip(text: str, i: int) -> int:
    m = _WS.match(text, i)
    assert m is not None
    return m.end()


def _scan(text: str) -> _Table:
    """Positions of every value and key of a text ``json.loads`` has accepted (iterative: depth
    costs no stack)."""
    table = _Table()
    # Open containers: (path, keys seen so far or None for an array, index of the current item).
    stack: list[tuple[JsonPath, set[str] | None, int]] = []

    def key_at(i: int, where: JsonPath, seen: set[str]) -> tuple[JsonPath, int]:
        m = _STRING.match(text, i)
        assert m is not None
        name = json.loads(m.group())
        if name in seen and table.duplicate is None:
            table.duplicate = (i, name)
        seen.add(name)
        child = (*where, name)
        table.keys.setdefault(child, i)
        i = _skip(text, m.end())
        return child, _skip(text, i + 1)  # past the colon

    path: JsonPath = ()
    i = _skip(text, 0)
    while True:
        table.values.setdefault(path, i)
        c = text[i]
        if c in "{[":
            close = "}" if c == "{" else "]"
            i = _skip(text, i + 1)
            if text[i] != close:
                if c == "{":
                    seen: set[str] = set()
                    stack.append((path, seen, 0))
                    path, i = key_at(i, path, seen)
                else:
                    stack.append((path, None, 0))
                    path = (*path, 0)
                continue
            i += 1
        else:
            m = (_STRING if c == '"' else _SCALAR).match(text, i)
            assert m is not None
            i = m.end()
        while True:  # after a value: the next member, or the end of containers
            i = _skip(text, i)
            if not stack:
                return table
            where, seen_keys, index = stack[-1]
            if text[i] == ",":
                i = _skip(text, i + 1)
                if seen_keys is not None:
                    path, i = key_at(i, where, seen_keys)
                else:
                    stack[-1] = (where, None, index + 1)
                    path = (*where, index + 1)
                break
            stack.pop()
            i += 1
