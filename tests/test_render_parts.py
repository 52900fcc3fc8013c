"""Rendering kommune by kommune, and on several cores, gives exactly what each generator gives
for the whole set: the same files, the same bytes, the same notes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

from pipeline import generate, parallel
from pipeline.errors import XmlValidationError
from pipeline.generate import GENERATORS, PARTS, RenderContext, one_kommune, render_all
from pipeline.io.partners import read_tree
from pipeline.model.declarations import DeclarationSet, parse
from pipeline.xsd import SchemaSet

sys.path.insert(0, str(REPO / "benchmarks"))
import synth


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> DeclarationSet:
    root: Path = tmp_path_factory.mktemp("synth")
    synth.generate(root, kommuner=30, parties=2)
    files, _ = read_tree(root)
    return parse(files)


def examples() -> DeclarationSet:
    files, _ = read_tree(REPO)
    return parse(files)


@pytest.mark.parametrize("which", ["examples", "synthetic"])
def test_parts_add_up_to_the_generator(which: str, synthetic: DeclarationSet) -> None:
    decls = examples() if which == "examples" else synthetic
    generate._load_all()
    split = [name for name, fn in GENERATORS.items() if fn in PARTS]
    assert {"agreements", "fixtures", "calendar"} <= set(split)
    for name in split:
        fn, parts = GENERATORS[name], PARTS[GENERATORS[name]]
        reference = RenderContext(None)
        expected = dict(fn(decls, reference))
        context = RenderContext(None)
        got = dict(parts.whole(decls, context)) if parts.whole else {}
        for k in decls.kommuner:
            for path, content in parts.per_kommune(one_kommune(decls, k), context):
                assert path not in got, f"{name}: {path} twice"
                got[path] = content
        assert got == expected, name
        assert sorted(context.notes) == sorted(reference.notes), name


def test_on_two_cores_the_tree_is_byte_identical(synthetic: DeclarationSet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.ENV, "1")
    serial_context = RenderContext(None)
    serial = render_all(synthetic, serial_context)
    monkeypatch.setenv(parallel.ENV, "2")
    forked_context = RenderContext(None)
    forked = render_all(synthetic, forked_context)
    assert list(forked) == list(serial)
    assert forked == serial
    assert forked_context.notes == serial_context.notes


def test_on_two_cores_with_the_official_schemas(xsd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.ENV, "2")
    forked = render_all(examples(), RenderContext(SchemaSet.open(xsd)))
    monkeypatch.setenv(parallel.ENV, "1")
    assert forked == render_all(examples(), RenderContext(SchemaSet.open(xsd)))


def test_a_failure_in_a_worker_stops_the_render(synthetic: DeclarationSet, monkeypatch: pytest.MonkeyPatch) -> None:
    generate._load_all()
    fixtures = GENERATORS["fixtures"]
    victim = sorted(synthetic.kommuner, key=lambda k: k.path)[7].path

    def failing(decls: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
        if decls.kommuner[0].path == victim:
            raise XmlValidationError(f"test message of {victim} is not valid")
        yield from fixtures(decls, context)

    monkeypatch.setitem(PARTS, fixtures, generate.Parts(failing))
    monkeypatch.setenv(parallel.ENV, "2")
    with pytest.raises(XmlValidationError, match=victim):
        render_all(synthetic, RenderContext(None))


def test_small_sets_stay_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parallel.ENV, raising=False)
    assert parallel.jobs(parallel.MIN_TASKS - 1) == 1
    monkeypatch.setenv(parallel.ENV, "3")
    assert parallel.jobs(2) == 2
    monkeypatch.setenv(parallel.ENV, "1")
    assert parallel.jobs(1000) == 1
