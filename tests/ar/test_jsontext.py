"""Strict JSON with positions, and the canonical form."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.ar import jsontext
from pipeline.ar.jsontext import JsonError


@pytest.mark.parametrize(
    ("raw", "line", "column", "text"),
    [
        (b'{"a": 1,\n "b": }', 2, 7, "not JSON"),
        (b'{"a": 1,\n  "a": 2}', 2, 3, "key 'a' appears twice"),
        (b'{"x": {"a": 1, "b": [{"c": 1, "c": 2}]}}', 1, 31, "key 'c' appears twice"),
        (b'{"a": NaN}', 1, 1, "NaN is not JSON"),
        (b'{"a": -Infinity}', 1, 1, "-Infinity is not JSON"),
        (b'\xef\xbb\xbf{"a": 1}', 1, 1, "byte order mark"),
        (b'{"a":\n "\xc3\xa6\xff"}', 2, 4, "not UTF-8: byte 0xff"),
        ('{"name": "Molde \u202ekommune"}'.encode(), 1, 17, "U+202E"),
        ('{"name":\n"a\u200bb"}'.encode(), 2, 3, "U+200B"),
        (b"[" * 100_000 + b"]" * 100_000, 1, 1, "nested too deeply"),
        (b"", 1, 1, "not JSON"),
    ],
)
def test_refused_with_position(raw: bytes, line: int, column: int, text: str) -> None:
    with pytest.raises(JsonError) as exc:
        jsontext.load(raw)
    assert (exc.value.line, exc.value.column) == (line, column)
    assert text in exc.value.message


def test_size_limit() -> None:
    with pytest.raises(JsonError, match="larger than"):
        jsontext.load(b'"' + b"a" * jsontext.MAX_BYTES + b'"')


def test_locate_values_and_keys() -> None:
    doc = jsontext.load(b'{\n  "a": [1, {"b": "x\\"y"}],\n\t"c": {"d": null}\n}\n')
    assert doc.locate(()) == (1, 1)
    assert doc.locate(("a",)) == (2, 8)
    assert doc.locate(("a", 1, "b")) == (2, 18)
    assert doc.locate(("a", 1, "b"), key=True) == (2, 13)
    assert doc.locate(("c", "d")) == (3, 13)
    # A path that is not there: its nearest ancestor.
    assert doc.locate(("c", "missing")) == (3, 7)
    assert doc.locate(("a", 7)) == (2, 8)


def test_escaped_and_canonical_form() -> None:
    data = {"b": [1, "Ålesund – «sjø»"], "a": {"z": None, "y": True}, "c": "a\u202eb\u2028"}
    raw = jsontext.dump(data)
    assert raw.endswith(b"\n") and not raw.endswith(b"\n\n")
    text = raw.decode()
    assert "Ålesund – «sjø»" in text  # readable, not \u-escaped
    assert "\\u202e" in text and "\\u2028" in text  # but what would render as something else, escaped
    assert text.index('"a"') < text.index('"b"') < text.index('"c"')
    assert jsontext.load(raw).data == data
    assert jsontext.dump(jsontext.load(raw).data) == raw


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_positions_point_at_each_value(value: object) -> None:
    raw = jsontext.dump(value)
    doc = jsontext.load(raw)
    assert doc.data == value

    def walk(node: object, path: tuple[str | int, ...]) -> None:
        line, column = doc.locate(path)
        offset = sum(len(x) + 1 for x in doc.text.split("\n")[: line - 1]) + column - 1
        # The text at the position parses to the value (a prefix of the rest does).
        decoded, _ = json.JSONDecoder().raw_decode(doc.text, offset)
        assert decoded == node
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, (*path, key))
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, (*path, index))

    walk(value, ())


def _reference(data: object) -> bytes:
    """The canonical form as ``json`` itself writes it (what ``dump`` replaced, for speed)."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (jsontext._ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n").encode()


any_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        | st.dictionaries(st.integers() | st.booleans() | st.none(), inner, max_size=3)
    ),
    max_leaves=20,
)


def _outcome(encode: Callable[[object], bytes], value: object) -> bytes | type[Exception]:
    try:
        return encode(value)
    except (ValueError, TypeError) as exc:
        return type(exc)


@given(any_values)
def test_dump_writes_what_json_writes(value: object) -> None:
    """The same bytes, or the same refusal (keys json cannot sort, say)."""
    assert _outcome(jsontext.dump, value) == _outcome(_reference, value)


@pytest.mark.parametrize("value", [float("nan"), {"a": [float("inf")]}, {"a": object()}, {1: 1, "b": 2}])
def test_dump_refuses_what_json_refuses(value: object) -> None:
    with pytest.raises((ValueError, TypeError)) as expected:
        _reference(value)
    with pytest.raises(expected.type):
        jsontext.dump(value)
