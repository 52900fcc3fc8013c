"""What ``pip install -e .`` gives without extras: every command but the SFTP deploy target, and a
one-line hint for that one. paramiko is the ``sftp`` extra; libraries only the tests use are in ``dev``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO, TODAY, Repo

# Runs the CLI with paramiko and jsonschema impossible to import, as after `pip install -e .`.
WITHOUT_EXTRAS = """
import importlib.abc, sys
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("paramiko", "jsonschema"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Missing())
from pipeline.cli.main import main
raise SystemExit(main(sys.argv[1:]))
"""


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_paramiko_is_the_sftp_extra_and_test_libraries_are_dev_only() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    required = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert "paramiko" not in required and "jsonschema" not in required
    assert _names(extras["sftp"]) == {"paramiko"}
    assert "oppkobling[sftp]" in extras["dev"] and "jsonschema" in _names(extras["dev"])


def run(repo: Repo, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS, *args],
        cwd=repo.root,
        env={**os.environ, "OPPKOBLING_XSD_DIR": "", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_command_but_the_sftp_target_runs_without_the_extras(repo: Repo, tmp_path: Path) -> None:
    shutil.copy(REPO / ".gitignore", repo.root / ".gitignore")  # the cache and the lock, as in a checkout
    subprocess.run(["git", "init", "-q"], cwd=repo.root, check=True)
    env = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "T"}
    env |= {"GIT_COMMITTER_EMAIL": "t@example.invalid", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    subprocess.run(["git", "add", "-A"], cwd=repo.root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "shipped"], cwd=repo.root, check=True, env={**os.environ, **env})
    srv = f"dir:{tmp_path / 'srv'}"
    commands = [
        ("validate", "--today", TODAY),
        ("check", "--today", TODAY),
        ("build", "--today", TODAY),
        ("plan", "--today", TODAY),
        ("timeline", "5035", "--today", TODAY),
        ("status", "--today", TODAY),
        ("order", "5035", "--today", TODAY, "--out", str(tmp_path / "order.eml")),
        ("schema", "--check"),
        ("deploy", "--hf", "st-olavs", "--target", srv, "--today", TODAY, "--apply"),
        ("drift", "--hf", "st-olavs", "--target", srv),
        ("new", "5036"),
        ("record", "5036", "activation", "--date", "2027-05-04", "--agreed-on", "2026-11-25", "--today", TODAY),
    ]
    for command in commands:
        done = run(repo, *command, env=env)
        assert done.returncode == 0, (command, done.stdout, done.stderr)


@pytest.mark.parametrize("command", ["deploy", "drift", "rollback"])
def test_an_sftp_target_without_paramiko_says_how_to_install_it(repo: Repo, command: str) -> None:
    args = [command, "--hf", "st-olavs", "--target", "sftp://deploy@127.0.0.1:2222/srv/st-olavs"]
    done = run(repo, *args, *(["--today", TODAY] if command == "deploy" else []))
    assert done.returncode == 1
    assert done.stderr == (
        "oppkobling: error: sftp://deploy@127.0.0.1:2222/srv/st-olavs needs SFTP support, which is not "
        "installed: pip install 'oppkobling[sftp]'\n"
    )
