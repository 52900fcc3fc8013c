"""Rendering kommune by kommune, and on several cores, gives exactly what each generator gives
for the whole set: the same files, the same bytes, the same notes."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from benchmarks import synth
from pipeline import layout
from pipeline.ar import paths as ar_paths
from pipeline.ar.snapshot import Party, Problem, Reading, Snapshot
from pipeline.errors import XmlValidationError
from pipeline.io.partners import read_tree
from pipeline.model.declarations import DeclarationSet, parse
from pipeline.render import generators, parallel
from pipeline.render.context import RenderContext
from pipeline.render.generators import GENERATORS, Generator, one_kommune, render_all
from pipeline.render.xsd import SchemaSet


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> DeclarationSet:
    root: Path = tmp_path_factory.mktemp("synth")
    synth.generate(root, kommuner=30, parties=2)
    files = read_tree(root).files
    return parse(files)


def examples() -> DeclarationSet:
    files = read_tree(REPO).files
    return parse(files)


@pytest.mark.parametrize("which", ["examples", "synthetic"])
def test_parts_add_up_to_the_generator(which: str, synthetic: DeclarationSet) -> None:
    """Each generator's files for the set are its per-kommune files plus what ``join`` puts
    together from each kommune's ``part`` (after a trip through JSON, as the cache keeps them)."""
    decls = examples() if which == "examples" else synthetic
    split = [g for g in GENERATORS if g.per_kommune is not None or g.part is not None]
    assert {"agreements", "fixtures", "calendar", "status"} <= {g.name for g in split}
    for g in split:
        name = g.name
        reference = RenderContext(None)
        expected = dict(g.render(decls, reference))
        context = RenderContext(None)
        got: dict[str, bytes] = {}
        parts = []
        for k in sorted(decls.kommuner, key=lambda k: k.path):
            one = one_kommune(decls, k)
            for path, content in g.per_kommune(one, context) if g.per_kommune else ():
                assert path not in got, f"{name}: {path} twice"
                got[path] = content
            if g.part is not None:
                parts.append(json.loads(json.dumps(g.part(one, context))))
        if g.join is not None:
            for path, content in g.join(decls.helseforetak, parts, context):
                assert path not in got, f"{name}: {path} twice"
                got[path] = content
        assert got.keys() == expected.keys(), name
        for path in expected:
            assert got[path] == expected[path], f"{name}: {path}"
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


def test_workers_replaced_between_pools_give_the_same_tree(
    synthetic: DeclarationSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(parallel.ENV, "1")
    serial = render_all(synthetic, RenderContext(None))
    monkeypatch.setenv(parallel.ENV, "2")
    monkeypatch.setattr(parallel, "TASKS_PER_POOL", 4)  # 31 tasks: eight pools
    assert render_all(synthetic, RenderContext(None)) == serial


def test_the_render_needs_nothing_the_findings_let_go(
    synthetic: DeclarationSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a build renders after ``forget_positions`` (no AR file bytes, no plain YAML data) is
    what the whole declarations render."""
    monkeypatch.setenv(parallel.ENV, "1")
    whole = render_all(synthetic, RenderContext(None))
    synth.generate(tmp_path, kommuner=30, parties=2)
    forgotten = parse(read_tree(tmp_path).files)
    forgotten.forget_positions()
    assert all(k.document.data is None for k in forgotten.kommuner)
    assert all(p.document.raw == b"" for p in forgotten.ar.snapshot)
    assert render_all(forgotten, RenderContext(None)) == whole


def test_on_two_cores_with_the_official_schemas(xsd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.ENV, "2")
    forked = render_all(examples(), RenderContext(SchemaSet.open(xsd)))
    monkeypatch.setenv(parallel.ENV, "1")
    assert forked == render_all(examples(), RenderContext(SchemaSet.open(xsd)))


def test_a_failure_in_a_worker_stops_the_render(synthetic: DeclarationSet, monkeypatch: pytest.MonkeyPatch) -> None:
    fixtures = next(g for g in GENERATORS if g.name == "fixtures")
    victim = sorted(synthetic.kommuner, key=lambda k: k.path)[7].path

    def failing(decls: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
        if decls.kommuner[0].path == victim:
            raise XmlValidationError(f"test message of {victim} is not valid")
        yield from fixtures.render(decls, context)

    others = tuple(g for g in GENERATORS if g is not fixtures)
    monkeypatch.setattr(
        generators, "GENERATORS", (*others, Generator("fixtures", fixtures.render, per_kommune=failing))
    )
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


def _children_alive(index: int) -> int:
    return index


def test_the_workers_are_gone_when_the_last_result_is_handed_over() -> None:
    """What the caller does after the last task (the render joins the whole-set files there) must
    not be paid for on top of the workers' memory."""
    import multiprocessing

    seen = []
    for value in parallel.ordered(_children_alive, 6, 2):
        seen.append((value, len(multiprocessing.active_children())))
    assert [value for value, __ in seen] == list(range(6))
    assert all(alive == 2 for __, alive in seen[:-1])
    assert seen[-1][1] == 0


class _Unwalkable(dict[int, Party]):
    """An AR snapshot's parties that may be looked up but never walked."""

    def __iter__(self) -> Iterator[int]:
        raise AssertionError("the whole AR snapshot was walked")

    def items(self) -> Any:
        raise AssertionError("the whole AR snapshot was walked")

    def keys(self) -> Any:
        raise AssertionError("the whole AR snapshot was walked")

    def values(self) -> Any:
        raise AssertionError("the whole AR snapshot was walked")


@pytest.mark.parametrize("which", ["examples", "synthetic"])
def test_a_kommune_is_handed_only_its_own_ar_records(which: str, synthetic: DeclarationSet) -> None:
    """A forked worker that walks the whole snapshot for each kommune writes to every party's
    reference count, which copies the snapshot's pages into the worker: ``one_kommune`` only looks
    its HER-ids up, and hands over exactly their records and problems."""
    decls = examples() if which == "examples" else synthetic
    parties = decls.ar.snapshot.parties
    first, last = decls.kommuner[0], decls.kommuner[-1]
    planted = tuple(
        sorted(
            Problem(e.path, 1, 1, "planted")
            for k in (first, last)
            for e in ar_paths.entries(k.model.parties[0].her_id)[:1]
        )
    )
    guarded = dataclasses.replace(
        decls, ar=Reading(Snapshot(_Unwalkable(parties)), tuple(sorted((*decls.ar.problems, *planted))))
    )
    for k in decls.kommuner:
        mine = {p.her_id for p in k.model.parties} | {h.model.her_id for h in decls.helseforetak}
        one = one_kommune(guarded, k)
        assert dict(one.ar.snapshot.parties) == {h: p for h, p in parties.items() if h in mine}
        expected = tuple(
            p for p in guarded.ar.problems if (e := ar_paths.parse_path(p.path)) is not None and e.her_id in mine
        )
        assert one.ar.problems == expected
        assert one.kommuner == [k]
    assert one_kommune(guarded, first).ar.problems  # the planted problem reaches its kommune


def test_before_manifest_runs_once_after_every_other_file_and_before_the_manifest(synthetic: DeclarationSet) -> None:
    """The render's hook for saving its parts: every other file has been handed on (their sha256
    in ``hashes``), MANIFEST.json not yet made."""
    hashes: dict[str, str] = {}
    seen: list[str] = []
    calls: list[tuple[int, int]] = []
    stream = generators.render(
        synthetic, RenderContext(None), hashes, before_manifest=lambda: calls.append((len(seen), len(hashes)))
    )
    for path, __ in stream:
        seen.append(path)
    assert seen[-1] == layout.MANIFEST and seen.count(layout.MANIFEST) == 1
    assert calls == [(len(seen) - 1, len(seen) - 1)]
    assert layout.MANIFEST in hashes
