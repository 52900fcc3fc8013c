"""Refusals before anything reaches a target: declaration errors, a stale generated/, a dirty tree;
and the real freshness check against what the declarations generate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO

from deploy.support import HF, Cli, Work, git
from pipeline.io.partners import read_tree
from pipeline.model.declarations import parse
from pipeline.render.context import RenderContext
from pipeline.render.generators import render_all


def _render(root: Path) -> dict[str, bytes]:
    files = read_tree(root).files
    return render_all(parse(files), RenderContext(schemas=None))


@pytest.fixture(scope="module")
def examples_rendered() -> dict[str, bytes]:
    """Rendered once: the work trees copy the repository's partners/ unchanged."""
    return _render(REPO)


def _write_generated(work: Work, rendered: dict[str, bytes] | None = None) -> dict[str, bytes]:
    rendered = rendered if rendered is not None else _render(work.root)
    for rel, data in rendered.items():
        path = work.root / "generated" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return rendered


@pytest.fixture
def generated(work: Work, examples_rendered: dict[str, bytes]) -> dict[str, bytes]:
    """generated/ exactly as the declarations generate it (the hand-made tree removed), committed."""
    git(work.root, "rm", "-q", "-r", "generated")
    rendered = _write_generated(work, examples_rendered)
    git(work.root, "add", "-A")
    git(work.root, "commit", "-q", "-m", "build")
    return rendered


def test_declaration_errors_refuse_the_deploy(cli: Cli, work: Work, tmp_path: Path) -> None:
    with (work.root / "partners/kommuner/5028-melhus.yaml").open("a") as f:
        f.write("unknown_key: 1\n")
    git(work.root, "commit", "-q", "-am", "break a declaration")
    result = cli("deploy", "--hf", HF, "--target", f"dir:{tmp_path / 'srv'}", "--apply")
    assert result.code == 1
    assert "refusing to deploy: the declarations have 1 error(s)" in result.err
    assert "5028-melhus.yaml" in result.err
    assert not (tmp_path / "srv").exists()


def test_dirty_tree_is_refused_unless_allowed(cli: Cli, work: Work, tmp_path: Path) -> None:
    target = ("deploy", "--hf", HF, "--target", f"dir:{tmp_path / 'srv'}")
    work.generate({"cpa/a.xml": b"<a>uncommitted</a>\n"}, commit=False)
    refused = cli(*target, "--apply")
    assert refused.code == 1
    assert "uncommitted change(s); commit first, or pass --allow-dirty" in refused.err
    assert not (tmp_path / "srv").exists()
    plan = cli(*target)
    assert plan.code == 0
    assert "--apply will refuse without --allow-dirty" in plan.out
    allowed = cli(*target, "--apply", "--allow-dirty")
    assert allowed.code == 0, allowed.err
    doc = json.loads((tmp_path / "srv/current/.oppkobling-deploy.json").read_text())
    assert doc["dirty"] is True
    assert (tmp_path / "srv/current/cpa/a.xml").read_bytes() == b"<a>uncommitted</a>\n"


def test_stale_generated_is_refused(cli_real: Cli, tmp_path: Path) -> None:
    # The work tree's generated/st-olavs/ is hand-made: not what the declarations generate.
    result = cli_real("deploy", "--hf", HF, "--target", f"dir:{tmp_path / 'srv'}")
    assert result.code == 1
    assert "refusing to deploy: generated/ is not what the declarations generate" in result.err
    assert "generated/st-olavs/index.txt: not written by the pipeline" in result.err
    assert "generated/MANIFEST.json: missing" in result.err


def test_fresh_generated_deploys_and_the_plan_names_agreement_state_changes(
    cli_real: Cli, work: Work, generated: dict[str, bytes], tmp_path: Path
) -> None:
    deploy = ("deploy", "--hf", HF, "--target", f"dir:{tmp_path / 'srv'}")
    first = cli_real(*deploy, "--apply")
    assert first.code == 0, first.err
    assert "agreements whose state changes:" in first.out
    assert re.search(r"Bindal \(1811\), party 8180001 .*: new, incomplete", first.out)
    assert re.search(r"Stjørdal \(5035\), party 8170001 .*: new, pending", first.out)
    served = tmp_path / "srv/current/partner-index.xml"
    assert served.read_bytes() == generated[f"{HF}/partner-index.xml"]
    # Bindal is not in AR yet: its agreement is an incomplete draft, listed but never shipped.
    assert "note: not shipped: cpa/1811-8180001.xml is an incomplete draft (party 8180001 is not in AR" in first.out
    assert not (tmp_path / "srv/current/cpa/1811-8180001.xml").exists()
    assert (tmp_path / "srv/current/cpa/5035-8170001.xml").read_bytes() == generated[f"{HF}/cpa/5035-8170001.xml"]
    drift = cli_real("drift", "--hf", HF, "--target", f"dir:{tmp_path / 'srv'}")
    assert drift.code == 0, drift.out + drift.err  # the draft is not expected on the server

    kommune = work.root / "partners/kommuner/5035-stjordal.yaml"
    kommune.write_text(kommune.read_text().replace("status: ordered", "status: testing"))
    _write_generated(work)
    git(work.root, "commit", "-q", "-am", "Stjørdal starts testing")
    plan = cli_real(*deploy)
    assert plan.code == 0, plan.err
    assert re.search(r"Stjørdal \(5035\), party 8170001 .*: pending → test", plan.out)
    assert re.search(r"change\s+cpa/5035-8170001\.xml", plan.out)
    assert "Molde" not in plan.out  # its state did not change

    index = work.root / "generated" / HF / "partner-index.xml"
    index.write_bytes(index.read_bytes().replace(b'state="test"', b'state="active"'))
    stale = cli_real(*deploy, "--allow-dirty")
    assert stale.code == 1
    assert f"generated/{HF}/partner-index.xml: differs from what the declarations generate" in stale.err
