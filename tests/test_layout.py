"""The one path check every generated and deployed path passes (``layout.is_safe_relative``):
a generator, a remembered part or a deploy manifest that names a path leaving its directory
is refused."""

from __future__ import annotations

import itertools

import pytest

from pipeline import layout

ESCAPES = ["", "/", "/etc/passwd", "../x", "a/../../x", "a/..", "..", ".", "./a", "a/.", "a//b", "a/"]
ESCAPES += ["a\\..\\b", "a\\b"]


@pytest.mark.parametrize("path", ESCAPES)
def test_a_path_that_leaves_or_is_ambiguous_is_refused(path: str) -> None:
    assert not layout.is_safe_relative(path)
    with pytest.raises(ValueError):
        layout.check_generated(path)


@pytest.mark.parametrize("path", ["a", "kommuner/5001/cpa/x.xml", "a/.b/c..d/...", "MANIFEST.json"])
def test_a_plain_relative_path_is_accepted(path: str) -> None:
    assert layout.is_safe_relative(path)
    layout.check_generated(path)


def test_the_string_search_agrees_with_the_parts_of_the_path() -> None:
    pieces = ["a", ".", "..", "", ".b", "...", "\\"]
    for n in range(1, 5):
        for parts in itertools.product(pieces, repeat=n):
            path = "/".join(parts)
            by_parts = bool(path) and "\\" not in path and not any(p in ("", ".", "..") for p in path.split("/"))
            assert layout.is_safe_relative(path) == by_parts, path
