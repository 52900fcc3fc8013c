"""A pull request cannot bring the rules that judge it (issue 13, must show 2): one that edits
the lifecycle rules to allow planned → active passes its own code's check, and is red when the
base branch's code judges it -- through ``check --trusted-code`` and through the workflow's gate
job, run here as the workflow runs it (the base's code in a directory of its own, the change as
data)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TODAY, Result

from gitops.history import History, findings, shipped
from gitops.support import WORKFLOWS, load_yaml

MELHUS = "partners/kommuner/5028-melhus.yaml"
LIFECYCLE = "pipeline/routine/lifecycle.py"
ONE_STEP = "        return FORWARD.index(new) == FORWARD.index(before.status) + 1"
ANY_STEP = "        return FORWARD.index(new) > FORWARD.index(before.status)  # planned -> active, why not"

pytestmark = pytest.mark.usefixtures("isolated_cache")


def own_code(h: History, *args: str) -> subprocess.CompletedProcess[str]:
    """The change's own pipeline/ (its edited rules) running the command, as the change's job would."""
    env = {**os.environ, "PYTHONPATH": str(h.root), "PYTHONSAFEPATH": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args, "--root", str(h.root)],
        cwd=h.root, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.fixture
def attack(tmp_path: Path) -> History:
    h = shipped(tmp_path / "workspace" / "change", with_code=True)
    h.branch("pr-rules")
    h.edit(LIFECYCLE, ONE_STEP, ANY_STEP)
    h.edit(MELHUS, "status: planned", "status: active")
    built = own_code(h, "build", "--today", TODAY)
    assert built.returncode in (0, 1), built.stderr
    h.commit("Melhus active, and the rule that would stop it relaxed")
    return h


def l1_at_melhus(found: list) -> list:  # type: ignore[type-arg]
    return [f for f in found if f.rule == "L1" and f.file == MELHUS]


def test_its_own_code_lets_planned_to_active_through(attack: History) -> None:
    done = own_code(attack, "validate", "--base", "main", "--today", TODAY, "--format", "json")
    found = findings(Result(done.returncode, done.stdout, done.stderr))
    assert found and l1_at_melhus(found) == []  # the edited rule says nothing


def test_check_with_trusted_code_judges_it_by_the_base_branch_rules(attack: History) -> None:
    result = attack.repo.call("check", "--base", "main", "--trusted-code", "main", "--today", TODAY, "--format", "json")
    assert result.code == 1, result.err
    (l1,) = l1_at_melhus(findings(result))
    assert (l1.line, l1.column) == (attack.line_of(MELHUS, "status: active"), 9)
    assert "'planned' → 'active'" in l1.message
    assert "judged by the code of" in result.err and "changes the gate itself" in result.err


def test_the_workflow_gate_job_judges_it_by_the_base_commits_code(attack: History, tmp_path: Path) -> None:
    """The gate step of validate.yml, run by bash as the runner would: the base commit checked
    out into trusted/, its oppkobling (here: that checkout run by this interpreter, as its
    virtualenv would run it) against the change's checkout."""
    workspace = attack.root.parent
    base = attack.git("rev-parse", "main").strip()
    attack.git("worktree", "add", "-q", "--detach", str(workspace / "trusted"), base)
    runner = tmp_path / "runner"
    (runner / "trusted-venv" / "bin").mkdir(parents=True)
    wrapper = runner / "trusted-venv" / "bin" / "oppkobling"
    trusted = workspace / "trusted"
    wrapper.write_text(
        f'#!/bin/sh\nPYTHONPATH="{trusted}" PYTHONSAFEPATH=1 exec "{sys.executable}" -m pipeline.cli "$@"\n'
    )
    wrapper.chmod(0o755)
    gate = load_yaml(WORKFLOWS / "validate.yml")["jobs"]["gate"]
    script = next(s["run"] for s in gate["steps"] if " check " in s.get("run", ""))
    env = {**os.environ, "RUNNER_TEMP": str(runner), "BASE_SHA": base, "OPPKOBLING_TODAY": TODAY}
    done = subprocess.run(["bash", "-e", "-c", script], cwd=workspace, env=env, capture_output=True, text=True,
                          timeout=600, check=False)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "::warning::This change modifies the gate itself" in done.stdout
    line = attack.line_of(MELHUS, "status: active")
    assert f"::error file={MELHUS},line={line},col=9,title=L1::" in done.stdout
