"""``.github/workflows/ar-sync.yml``: weekly and on demand, least privilege, and its scripts run
here as GitHub would run them: the sync step against a stand-in for NHN's API on 127.0.0.1, the
pull-request step against a local remote with a recording stand-in for ``gh``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ar import edits
from ar.server import TOKEN, ArServer
from conftest import REPO, copy_repo
from rules.rulecases import shipped

from gitops.support import WORKFLOWS, load_yaml
from pipeline.ar.paths import Entry, Kind

WORKFLOW = WORKFLOWS / "ar-sync.yml"


def doc() -> dict[str, Any]:
    found: dict[str, Any] = load_yaml(WORKFLOW)
    return found


def step(name_start: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = doc()["jobs"]["sync"]["steps"]
    return next(s for s in steps if s.get("name", "").startswith(name_start))


def test_weekly_and_on_demand_never_two_at_once() -> None:
    on = doc()["on"]
    assert set(on) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    _minute, _hour, day, month, weekday = cron.split()
    assert (day, month) == ("*", "*") and weekday.isdigit()  # once a week
    assert doc()["concurrency"] == {"group": "ar-sync", "cancel-in-progress": False}


def test_least_privilege_the_job_reads_and_only_the_app_token_writes() -> None:
    job = doc()["jobs"]["sync"]
    assert doc()["permissions"] == {"contents": "read"} and job["permissions"] == {"contents": "read"}
    assert job["environment"] == "ar-sync"  # the HelseID secrets and the App's key live there
    app = step("A token for the pull request")
    assert app["uses"].startswith("actions/create-github-app-token@")
    writes = {k: v for k, v in app["with"].items() if k.startswith("permission-")}
    assert writes == {"permission-contents": "write", "permission-pull-requests": "write"}
    pr = step("Open or update the pull request")
    assert pr["env"]["GH_TOKEN"] == "${{ steps.app-token.outputs.token }}"  # not GITHUB_TOKEN: validate.yml runs
    text = WORKFLOW.read_text("utf-8")
    assert "GITHUB_TOKEN" not in text.split("name: ar-sync", 1)[1]
    assert "pull_request_target" not in text


def test_the_sync_step_runs_the_sync_of_every_declared_her_id() -> None:
    sync = step("Refresh partners/ar/")
    assert ".venv/bin/oppkobling ar sync" in sync["run"] and "--all-declared" in sync["run"]
    assert "umask 077" in sync["run"]
    remove = step("Remove the key file")
    assert remove["if"] == "${{ always() }}" and "$RUNNER_TEMP/dpop.pem" in remove["run"]
    build = step("Regenerate")
    assert build["run"] == ".venv/bin/oppkobling build" and build["continue-on-error"] is True


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60)
    return done.stdout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout of the repository as the workflow's job has one, with .venv/ the tests' own."""
    origin = tmp_path / "origin.git"
    _git(tmp_path, "init", "-q", "--bare", str(origin))
    work = copy_repo(tmp_path / "work")
    for name in (".github", "pipeline", "pyproject.toml"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
    (work / ".venv" / "bin").mkdir(parents=True)
    (work / ".venv" / "bin" / "oppkobling").symlink_to(Path(sys.executable).parent / "oppkobling")
    (work / ".gitignore").write_text(".venv/\n")
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "-A")
    _git(work, "-c", "user.name=t", "-c", "user.email=t@example", "commit", "-q", "-m", "main")
    _git(work, "remote", "add", "origin", str(origin))
    _git(work, "push", "-q", "origin", "main")
    return work


def test_the_scripts_sync_build_and_open_the_pull_request(checkout: Path, tmp_path: Path) -> None:
    renewed = edits.reissue(dict(shipped()), 8170001, Kind.ENCRYPTION, not_after="2031-03-31")
    ar = {p: b for p, b in renewed.items() if p.startswith("partners/ar/")}
    token_command = tmp_path / "token.py"
    token_command.write_text(f"print({TOKEN!r})\n")
    runner = tmp_path / "runner"
    runner.mkdir()
    calls = tmp_path / "gh-calls"
    fake = tmp_path / "bin"
    fake.mkdir()
    # gh as the runner has it, recording what it is asked (there is no pull request yet).
    (fake / "gh").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n[ "$1 $2" = "pr view" ] && exit 1\nexit 0\n')
    (fake / "gh").chmod(0o755)
    env = {
        "RUNNER_TEMP": str(runner),
        "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}",
        "AR_TOKEN_COMMAND": f"{sys.executable} {token_command}",
        "AR_DPOP_KEY": "",
        "OPPKOBLING_XSD_DIR": str(REPO.parent / "shared" / "standards" / "xsd"),
        "GH_TOKEN": "app-token-not-a-secret",
        "BASE": "main",
    }
    with ArServer(ar) as server:
        done = _bash(step("Refresh partners/ar/")["run"], checkout, {**env, "AR_BASE_URL": server.base_url})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 written, 0 removed, 25 unchanged" in done.stdout
    build = _bash(step("Regenerate")["run"], checkout, env)
    assert build.returncode == 0, build.stdout + build.stderr
    pr = _bash(step("Open or update the pull request")["run"], checkout, {**env, "BUILD_OUTCOME": "success"})
    assert pr.returncode == 0, pr.stdout + pr.stderr

    pushed = _git(checkout, "ls-remote", "origin", "ar-sync").split()[0]
    changed = _git(checkout, "diff", "--name-only", "main", pushed).split()
    assert Entry(8170001, Kind.ENCRYPTION).path in changed and Entry(8170001, Kind.PARTY).path in changed
    assert {c.split("/")[0] for c in changed} == {"partners", "generated"}  # the agreements follow AR
    assert all(c.startswith(("partners/ar/", "generated/")) for c in changed)
    asked = calls.read_text().splitlines()
    assert asked[0].startswith("pr view ar-sync")
    assert asked[1].startswith("pr create --base main --head ar-sync --body-file")
    body = (runner / "body.md").read_text()
    assert "`oppkobling build`: success." in body

    # A second run with nothing new proposes nothing.
    _git(checkout, "switch", "-q", "main")
    _git(checkout, "reset", "-q", "--hard", "ar-sync")
    again = _bash(step("Open or update the pull request")["run"], checkout, {**env, "BUILD_OUTCOME": "success"})
    assert again.returncode == 0 and "nothing to propose" in again.stdout
