"""The README's walk-through is a test (issue 17, must show 1 and 3): every command it shows runs,
in order, on a copy of this repository, onboarding Røros (5025, not among the shipped examples)
from ``planned`` to ``active``.

The copy is a clone with an ``origin`` (a bare repository standing in for GitHub) and the
official XSDs beside it as ``../shared/standards/xsd`` (no ``OPPKOBLING_XSD_DIR``: the tool must
find them itself). Each numbered step of the walk-through is run as written, in one shell, with
the pre-commit hooks installed by step 0, so its ``git commit`` goes through every hook. After
each step the test does what the people and CI do: ``oppkobling check --base HEAD~1`` (L1-L4 as
CI checks a pull request) must pass, and the step's commit is merged into ``origin/main``.
NHN's AR is a stand-in on 127.0.0.1 answering in its documented shapes (``tests/ar/server.py``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from ar import make_example_snapshot
from ar.server import TOKEN, ArServer
from conftest import REPO, xsd_dir

from gitops.test_precommit import hook_line

SECTION = "## From pull request to activation"
STEP = re.compile(r"^(\d+)\. \*\*(?P<title>[^*]+)\*\*")
COMMAND = re.compile(r"^ {7}(?P<command>(?:oppkobling|git|pre-commit|export|python) .*)$")
TODAY = "export OPPKOBLING_TODAY="
KOMMUNE = "partners/kommuner/5025-roros.yaml"
HER_ID = 8250001
# Files the copy takes from this work tree (so the test sees the README, data and hooks as they
# are now; the oppkobling on PATH is this checkout's editable install).
OVERLAY = (
    "README.md",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
    "partners",
    "schemas",
    "tests/receipts/make_receipts.py",
)


def walkthrough() -> list[tuple[str, list[str]]]:
    """(step title, commands) for each numbered step of the README's walk-through, in order."""
    text = (REPO / "README.md").read_text("utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    steps: list[tuple[str, list[str]]] = []
    for line in section.splitlines():
        step = STEP.match(line)
        if step:
            steps.append((step["title"], []))
            continue
        command = COMMAND.match(line)
        if command:
            assert steps, f"a command before the first step: {line}"
            steps[-1][1].append(command["command"])
    return steps


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)}:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


def environment(tmp: Path, ar_url: str) -> dict[str, str]:
    home = tmp / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPPKOBLING_", "GIT_", "XDG_"))}
    env.update(
        {
            "PATH": str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
            "HOME": str(home),
            "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
            "PRE_COMMIT_COLOR": "never",
            "PIP_NO_INDEX": "1",
            "GIT_AUTHOR_NAME": "Kari Koordinator",
            "GIT_AUTHOR_EMAIL": "kari@roros.kommune.example",
            "GIT_COMMITTER_NAME": "Kari Koordinator",
            "GIT_COMMITTER_EMAIL": "kari@roros.kommune.example",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            # The AR token and API a coordinator has set up ("NHN's address register").
            "OPPKOBLING_AR_TOKEN": TOKEN,
            "OPPKOBLING_AR_BASE_URL": ar_url,
            "OPPKOBLING_JOBS": "1",
        }
    )
    (home / ".gitconfig").write_text("[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n", "utf-8")
    return env


def copy(tmp: Path, env: dict[str, str]) -> Path:
    """A clone of this repository with an origin, the shared XSDs beside it, and main holding
    the work tree's README, data and hooks with a fresh generated/."""
    shared = tmp / "shared" / "standards"
    shared.mkdir(parents=True)
    (shared / "xsd").symlink_to(xsd_dir(), target_is_directory=True)
    origin, repo = tmp / "origin.git", tmp / "oppkobling"
    git(tmp, env, "clone", "--quiet", "--bare", "--no-hardlinks", str(REPO), str(origin))
    git(tmp, env, "clone", "--quiet", str(origin), str(repo))
    for rel in OVERLAY:
        src, dst = REPO / rel, repo / rel
        if src.is_dir():
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    git(repo, env, "switch", "--quiet", "-C", "main")
    build = subprocess.run(["oppkobling", "build"], cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "--quiet", "--allow-empty", "-m", "main as the work tree has it")
    git(repo, env, "push", "--quiet", "--force", "origin", "main")
    return repo


def ar_files() -> dict[str, bytes]:
    """What AR holds for Røros's party once it is published (K3)."""
    spec = make_example_snapshot.Spec(
        her_id=HER_ID,
        name="Røros kommune - Helse og omsorg",
        edi_address="roros-helse@edi.nhn.no",
        parent=(HER_ID // 100 * 100, "Røros kommune", "939898743"),
        valid_from=dt.date(2027, 1, 11),
        not_after=make_example_snapshot.NOT_AFTER,
    )
    return make_example_snapshot.files_for([spec], shared_key=True)


def run_step(repo: Path, env: dict[str, str], commands: list[str], day: str | None) -> str:
    """The step's commands in one shell, as a person types them (each must succeed), in a
    terminal where the day exported by an earlier step is still in effect."""
    carried = [f"export OPPKOBLING_TODAY={day}"] if day else []
    script = (
        "set -euo pipefail\n"
        + "\n".join(carried)
        + "\n"
        + "\n".join(f"echo '$ {c.replace(chr(39), '')}'\n{c}" for c in commands)
    )
    proc = subprocess.run(
        ["bash", "-c", script], cwd=repo, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-6000:]
    return said


def test_the_walkthrough_onboards_a_kommune_not_shipped_from_planned_to_active(tmp_path: Path) -> None:
    assert not (REPO / KOMMUNE).exists(), "the walk-through must use a kommune that is not shipped"
    steps = walkthrough()
    titles = [title for title, _ in steps]
    assert [t.split(":")[0] for t in titles] == ["Once", "K1", "K2", "K3", "K5", "K5/H2", "K6/H4", "H5"], titles
    with ArServer(ar_files()) as ar:
        env = environment(tmp_path, ar.base_url)
        repo = copy(tmp_path, env)
        base = git(repo, env, "rev-parse", "HEAD").strip()
        outputs: dict[str, str] = {}
        day: str | None = None
        for title, commands in steps:
            assert commands, f"step {title!r} shows no command"
            said = run_step(repo, env, commands, day)
            day = next((c.split("=", 1)[1] for c in reversed(commands) if c.startswith(TODAY)), day)
            outputs[title] = said
            # Either language: the walk-through runs in the default, Norwegian.
            skipped = "SKIPPED" in said or "HOPPET OVER" in said
            assert not skipped, f"{title}: XML schema validation skipped\n{said[-3000:]}"
            assert "Traceback" not in said and "internal error" not in said, said[-3000:]
            if title.startswith("Once"):
                continue
            # The step's commit went through every hook: the freshness check ran and passed.
            assert hook_line(said, "oppkobling-validate").endswith("Passed"), title
            assert hook_line(said, "oppkobling-check").endswith("Passed"), title
            assert git(repo, env, "status", "--porcelain") == "", f"{title}: left files behind"
            # CI on the pull request: L1-L4 against the step before.
            assert day is not None, "the walk-through sets no day"
            check = subprocess.run(
                ["oppkobling", "check", "--base", "HEAD~1", "--format", "json"],
                cwd=repo,
                env={**env, "OPPKOBLING_TODAY": day},
                capture_output=True,
                text=True,
                check=False,
            )
            assert check.returncode == 0, f"{title}: check --base HEAD~1\n{check.stdout}{check.stderr}"
            # The pull request is merged: main is the step's commit.
            git(repo, env, "push", "--quiet", "origin", "HEAD:main")
        commits = git(repo, env, "log", "--format=%s", f"{base}..origin/main").splitlines()[::-1]
        assert len(commits) == len(steps) - 1  # one commit per routine step
        assert all(title.split(":")[0] in subject for (title, _), subject in zip(steps[1:], commits, strict=True))

    final = yaml.safe_load((repo / KOMMUNE).read_text("utf-8"))
    assert final["status"] == "active"
    assert final["kommune"] == "5025" and final["parties"][0]["her_id"] == HER_ID
    # The plan said what the README says it says, once per HF: in Norwegian, as a coordinator
    # who chose no language sees it (the walk-through's environment has no OPPKOBLING_LANG).
    plan = outputs[titles[-1]]
    for hf in ("St. Olavs hospital HF", "Helse Møre og Romsdal HF", "Helse Nord-Trøndelag HF"):
        assert f"Røros: 1 avtale deaktivert til aktivering → aktiv hos {hf}" in plan, plan[-3000:]
    assert (repo / "generated/st-olavs/cpa/5025-8250001.xml").is_file()
    assert (repo / "partners/ar/communicationparty/8250001.json").is_file()
    # Must show 3: nothing left behind in the work tree, and the order e-mail went outside it.
    assert git(repo, env, "status", "--porcelain", "--ignored=no") == ""
    assert not list(repo.glob("*.eml"))
    assert (Path(env["HOME"]) / ".local/share/oppkobling/5025-roros-bestilling.eml").is_file()
