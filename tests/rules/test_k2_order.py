"""A withdrawn kommune is history: an HF dropping a version later does not fail it (R-K2)."""

from __future__ import annotations

import datetime as dt

from conftest import REPO

from pipeline.model.declarations import parse
from pipeline.rules import Context, evaluate


def files() -> dict[str, bytes]:
    return {p.relative_to(REPO).as_posix(): p.read_bytes() for p in (REPO / "partners").rglob("*.yaml")}


def r_k2(tree: dict[str, bytes]) -> list[tuple[str, str]]:
    found = evaluate(Context(parse(tree), dt.date(2026, 11, 26)))
    return [(f.file.rsplit("/", 1)[-1], f.severity.value) for f in found if f.rule == "R-K2"]


def test_hf_dropping_a_version_fails_live_kommuner_but_not_withdrawn_ones() -> None:
    tree = files()
    hf = "partners/helseforetak/st-olavs.yaml"
    tree[hf] = tree[hf].replace(b'dialogmelding: ["1.0", "1.1"]', b'dialogmelding: ["1.1"]')
    found = r_k2(tree)
    # Molde (testing) and Bindal (ordered) use dialogmelding 1.0: errors. Namsos (withdrawn) too: none.
    assert ("1506-molde.yaml", "error") in found
    assert ("1811-bindal.yaml", "error") in found
    assert not [f for f in found if f[0] == "5007-namsos.yaml"]
