"""CPAs are assembled from parts built once and copied (pipeline.agreements.cpa._stamp). A part
reused for another agreement must be exactly what building it for this one would give: each key
must name everything its part depends on."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import REPO

from benchmarks import synth
from pipeline.agreements import cpa
from pipeline.agreements.agreement import Agreement, collect
from pipeline.io.partners import read_tree
from pipeline.model.declarations import parse
from pipeline.render.xml import serialise


def _bytes(a: Agreement) -> bytes:
    return serialise(cpa.build(a))


@pytest.fixture(scope="module")
def agreements(tmp_path_factory: pytest.TempPathFactory) -> list[Agreement]:
    # Every status and message-type mix of the synthetic repositories, plus the shipped examples.
    root: Path = tmp_path_factory.mktemp("synth")
    synth.generate(root, kommuner=24, parties=3)
    found = []
    for base in (root, REPO):
        files = read_tree(base).files
        found.extend(collect(parse(files)))
    assert len({a.cpaid for a in found}) == len(found) > 100
    return found


def test_copied_parts_are_what_building_them_afresh_gives(
    agreements: list[Agreement], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = {}
    for a in agreements:
        monkeypatch.setattr(cpa, "_TEMPLATES", {})
        fresh[a.cpaid] = _bytes(a)
    monkeypatch.setattr(cpa, "_TEMPLATES", {})
    shuffled = list(agreements)
    random.Random(9).shuffle(shuffled)
    for a in shuffled:
        assert _bytes(a) == fresh[a.cpaid], a.cpaid
    assert len(cpa._TEMPLATES) > 10
