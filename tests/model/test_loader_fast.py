"""The C fast path of the loader (libyaml events) means exactly what the reference path
(ruamel) means: same data, same positions, and every file it cannot vouch for goes to the
reference. A difference here would make validation depend on whether libyaml is installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.model import loader

pytestmark = pytest.mark.skipif(loader._libyaml is None, reason="PyYAML without libyaml: no fast path to compare")


def reference(text: str) -> Any:
    try:
        doc = loader._load_reference(text)
    except loader.LoadError as exc:
        return ("error", exc.message, exc.line, exc.column)
    return (doc.data, doc.positions, doc.key_positions)


def fast(text: str) -> Any:
    doc = loader._load_fast(text)
    return None if doc is None else (doc.data, doc.positions, doc.key_positions)


def agree(text: str) -> None:
    quick = fast(text)
    if quick is not None:
        assert quick == reference(text), text
    # Whatever path load_text takes, the answer is the reference's.
    try:
        doc = loader.load_text(text)
        got: Any = (doc.data, doc.positions, doc.key_positions)
    except loader.LoadError as exc:
        got = ("error", exc.message, exc.line, exc.column)
    assert got == reference(text), text


# The shipped declarations, the rule cases and the hardening corpus of hostile files.
YAML_FILES = sorted(
    p for d in ("partners", "tests", "pipeline/data") for p in (REPO / d).rglob("*.yaml") if p.is_file()
)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_project_files_load_the_same_both_ways(path: Path) -> None:
    try:
        text = loader.decode(path.read_bytes())
    except loader.LoadError:
        return  # refused before any parser sees it (size, NUL, not UTF-8): the same for both
    agree(text)


def test_shipped_declarations_take_the_fast_path() -> None:
    for path in (REPO / "partners").rglob("*.yaml"):
        assert fast(loader.decode(path.read_bytes())) is not None, path


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors and aliases are refused ...
        "a: !!python/object:os.system x\n",
        "a: 1\na: 2\n",
        "%YAML 1.1\n---\na: yes\n",  # ... a directive goes to the reference ...
        "a:\n\t- 1\n",
        "a: 1\n---\nb: 2\n",
        "a: [1, 2\n",
        "a: 'x\u2028y'\n",  # ... and so do characters the parsers read differently
        'a: "\\u202e"\n',
        "a: 0o17\nb: 017\nc: 1_000\nd: .inf\ne: yes\nf: ~\ng: 2026-02-30\n",
        "a: 2026-03-03T09:00:00+01:00\nb: '2026-03-03'\nc: !!str 12\n",
        "k:\n  - {x: 1, y: [a, b]}\n  - ? complex\n    : v\n",
        "text: |\n  line one\n  line two\nfolded: >-\n  a\n  b\n",
        "",
        "# only a comment\n",
        "[" * 40 + "]" * 40 + "\n",
    ],
)
def test_edge_cases_agree(text: str) -> None:
    agree(text)


_scalar = st.one_of(
    st.sampled_from(
        ["1", "-2", "0x1F", "0o7", "08", "1.5", "1e3", ".nan", "true", "False", "yes", "null", "~", "2026-11-26"]
    ),
    st.sampled_from(["2026-03-03T09:00:00+01:00", "2026-13-40", "'quoted'", '"dq \\" esc"', '"\\t\\u00e6"']),
    st.text(alphabet="abcæøå ÆØÅ-_.:#@&*!%|>'\"[]{},?\\\t\u2028\x85", min_size=0, max_size=12),
)
_key = st.one_of(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), st.sampled_from(["1", "'2'", "? x", "a b"]))


@st.composite
def _documents(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 8))):
        indent = "  " * draw(st.integers(0, 2))
        kind = draw(st.integers(0, 5))
        key = draw(_key)
        value = draw(_scalar)
        if kind == 0:
            lines.append(f"{indent}{key}: {value}")
        elif kind == 1:
            lines.append(f"{indent}- {value}")
        elif kind == 2:
            lines.append(f"{indent}{key}:")
        elif kind == 3:
            lines.append(f"{indent}{key}: {{a: {value}, b: [{value}]}}")
        elif kind == 4:
            lines.append(f"{indent}{key}: {value}  # comment {value}")
        else:
            lines.append(f"{indent}- {key}: {value}")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_random_documents_agree(text: str) -> None:
    agree(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="ab1 :-\n#'\"[]{},?|>!&*%.\\æ~\t", max_size=40))
def test_random_text_agrees(text: str) -> None:
    agree(text)


def test_forgotten_positions_come_back_the_same() -> None:
    text = (REPO / "partners" / "kommuner" / "5001-trondheim.yaml").read_text("utf-8")
    doc = loader.load_text(text)
    before = (dict(doc.positions), dict(doc.key_positions), doc.position(("parties", 1, "her_id")))
    doc.forget_positions()
    assert doc.positions == {} and doc.forgotten
    assert doc.data is None  # read into the model already; not held through the render
    assert doc.position(("parties", 1, "her_id")) == before[2]
    assert (doc.positions, doc.key_positions) == before[:2]
