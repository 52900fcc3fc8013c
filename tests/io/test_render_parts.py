"""A remembered part's files are read back as written, one line at a time, and a row of the wrong
shape (or not packed) is no part at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.io import cache
from pipeline.io.render_parts import RenderParts
from pipeline.render.packed import pack, unpack

FILES = [("agreements", "st-olavs/cpa/a.xml", "a" * 64), ("fixtures", "hemit/b.xml", "b" * 64)]


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RenderParts:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    (tmp_path / "repo" / "partners").mkdir(parents=True)
    store = cache.Cache.open(tmp_path / "repo")
    assert store is not None
    return RenderParts(store, None, "nb")


def row(files: object) -> dict[str, object]:
    kept = pack(files) if isinstance(files, str) else files
    return {"files": kept, "notes": ["n"], "joined": {"status": "[]"}, "path": "p", "inputs": ["p"]}


def test_a_part_is_read_back_as_it_was_kept(parts: RenderParts) -> None:
    parts.known = {"k": row("\n".join("\t".join(f) for f in FILES)), "empty": row("")}
    kept = parts._row("k")
    assert kept is not None
    files, notes, joined = kept
    assert list(files) == FILES and notes == ["n"] and joined == {"status": "[]"}
    empty = parts._row("empty")
    assert empty is not None and list(empty[0]) == []


@pytest.mark.parametrize(
    "files",
    ["agreements\tst-olavs/cpa/a.xml", "a\tb\tc\td", "a\tb\tc\n", "a\tb\tc\nd\te", 7, None],
    ids=["two-fields", "four-fields", "trailing-newline", "short-second-line", "number", "null"],
)
def test_a_row_of_the_wrong_shape_is_no_part(parts: RenderParts, files: object) -> None:
    parts.known = {"k": row(files)}
    assert parts._row("k") is None


@pytest.mark.parametrize(
    "files",
    ["agreements\tst-olavs/cpa/a.xml\t" + "a" * 64, "not base64 !", pack("a\tb\tc")[:-4], "eA=="],
    ids=["unpacked", "not-base64", "cut-off", "not-zlib"],
)
def test_files_kept_other_than_packed_are_no_part(parts: RenderParts, files: str) -> None:
    parts.known = {"k": {**row(""), "files": files}}
    assert parts._row("k") is None


@pytest.mark.parametrize("odd", ["a\tb.xml", "a\nb.xml", "a\tb\nc\td.xml"], ids=["tab", "newline", "both"])
def test_a_part_whose_fields_would_read_back_as_other_lines_is_not_kept(
    parts: RenderParts, monkeypatch: pytest.MonkeyPatch, odd: str
) -> None:
    from types import SimpleNamespace

    from pipeline.render import generators

    monkeypatch.setattr(RenderParts, "key", staticmethod(lambda declarations, k: "k"))
    monkeypatch.setattr(generators, "part_inputs", lambda declarations, k: ["p"])
    kommune: Any = SimpleNamespace(path="p")
    declarations: Any = None  # what the key and the inputs are made of is stubbed above
    parts.put(declarations, kommune, (iter(FILES), ["n"], {"status": "[]"}))
    assert unpack(parts.new["k"]["files"]) == "\n".join("\t".join(f) for f in FILES)
    parts.new.clear()
    parts.put(declarations, kommune, ([*FILES, ("agreements", odd, "c" * 64)], ["n"], {"status": "[]"}))
    assert parts.new == {}
