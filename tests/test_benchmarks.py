"""The benchmark's inputs are honest: synthetic repositories are valid, cover every status and
scale the parties as documented; the floor validates every XML document a build writes against
its official schema (no timing here: speed is measured by benchmarks/run.py only)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import TODAY
from lxml import etree

from benchmarks import floor, synth
from pipeline.app import loading
from pipeline.findings import Severity
from pipeline.io import generated_tree
from pipeline.render.context import RenderContext
from pipeline.render.generators import render
from pipeline.render.xsd import SchemaSet


def _load(root: Path) -> loading.Loaded:
    return loading.load(root, today=dt.date.fromisoformat(TODAY))


@pytest.mark.parametrize("scale", [1, 2])
def test_synthetic_repositories_are_valid_and_cover_every_status(tmp_path: Path, scale: int) -> None:
    counts = synth.generate(tmp_path, kommuner=40, parties=2, scale=scale)
    assert counts["parties"] == 40 * 2 * scale
    loaded = _load(tmp_path)
    errors = [f"{f.location} {f.rule} {f.message}" for f in loaded.findings if f.severity is Severity.ERROR]
    assert errors == []
    statuses = {k.model.status.value for k in loaded.declarations.kommuner}
    assert statuses == {"planned", "ordered", "testing", "active", "paused", "withdrawn"}
    assert sum(len(k.model.parties) for k in loaded.declarations.kommuner) == counts["parties"]
    assert len({k.model.kommune for k in loaded.declarations.kommuner}) == 40


def test_synthetic_repositories_are_deterministic(tmp_path: Path) -> None:
    synth.generate(tmp_path / "a", kommuner=12, parties=3)
    synth.generate(tmp_path / "b", kommuner=12, parties=3)
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a" / "partners").rglob("*.yaml")}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b" / "partners").rglob("*.yaml")}
    assert a == b


def test_the_floor_validates_what_a_build_writes(tmp_path: Path, xsd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    synth.generate(tmp_path, kommuner=12, parties=2)
    files = render(_load(tmp_path).declarations, RenderContext(SchemaSet.open(xsd)))
    generated_tree.write(tmp_path, files)
    written = sorted((tmp_path / "generated").rglob("*.xml"))
    assert floor.main([str(tmp_path), "--xsd-dir", str(xsd), "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["xml_documents"] == len(written) > 50
    assert counts["invalid"] == 0
    assert counts["yaml_files"] == 12 + 3


def test_the_floor_notices_an_invalid_document(tmp_path: Path, xsd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    synth.generate(tmp_path, kommuner=6, parties=1)
    generated_tree.write(tmp_path, render(_load(tmp_path).declarations, RenderContext(None)))
    victim = next((tmp_path / "generated").rglob("cpa/*.xml"))
    tree = etree.parse(str(victim))
    first = tree.getroot()[0]
    first.tag = (etree.QName(first).namespace and f"{{{etree.QName(first).namespace}}}Bogus") or "Bogus"
    victim.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))
    assert floor.main([str(tmp_path), "--xsd-dir", str(xsd), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["invalid"] == 1
