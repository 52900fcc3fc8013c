"""The work-tree edge of a deploy: the files to ship, where they came from, and whether they are
what the declarations generate."""

from __future__ import annotations

import getpass
import hashlib
import importlib
import inspect
import json
import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import DeployError
from pipeline.model.declarations import DeclarationSet

GENERATED = "generated"
GENERATED_MANIFEST = "MANIFEST.json"


def read_generated(root: Path, hf: str) -> dict[str, bytes]:
    """``generated/<hf>/`` as {relative posix path: bytes}; symlinks are refused."""
    base = root / GENERATED / hf
    if not base.is_dir():
        raise DeployError(f"nothing generated for {hf}: {GENERATED}/{hf}/ is missing (run 'oppkobling build')")
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        for name in (*filenames, *dirnames):
            if stat.S_ISLNK((here / name).lstat().st_mode):
                raise DeployError(f"{(here / name).relative_to(root)} is a symlink: generated/ never holds one")
        for name in filenames:
            files[(here / name).relative_to(base).as_posix()] = (here / name).read_bytes()
    if not files:
        raise DeployError(f"nothing generated for {hf}: {GENERATED}/{hf}/ is empty (run 'oppkobling build')")
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class GitState:
    commit: str | None
    changes: tuple[str, ...]
    problem: str | None = None

    @property
    def dirty(self) -> bool:
        return bool(self.changes) or self.problem is not None


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def git_state(root: Path) -> GitState:
    try:
        commit = _git(root, "rev-parse", "--verify", "HEAD").strip()
        changes = tuple(line for line in _git(root, "status", "--porcelain").splitlines() if line)
    except (OSError, subprocess.SubprocessError):
        return GitState(None, (), f"{root} is not a git work tree with a commit")
    return GitState(commit, changes)


def who(root: Path) -> str:
    user = os.environ.get("USER")
    if user:
        return user
    try:
        name = _git(root, "config", "user.email").strip() or _git(root, "config", "user.name").strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or getpass.getuser()


def _on_disk(root: Path) -> dict[str, bytes]:
    base = root / GENERATED
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames.sort()
        for name in filenames:
            path = Path(dirpath) / name
            files[path.relative_to(base).as_posix()] = path.read_bytes()
    return files


def _renderer() -> Any | None:
    """``pipeline.generate.render_all(declarations, RenderContext(schemas=None))`` when it exists."""
    try:
        generate = importlib.import_module("pipeline.generate")
    except ImportError:
        return None
    render = getattr(generate, "render_all", None)
    context = getattr(generate, "RenderContext", None)
    if not callable(render) or context is None:
        return None
    if list(inspect.signature(render).parameters) != ["declarations", "context"]:
        return None
    return lambda decls: render(decls, context(schemas=None))


def stale(root: Path, declarations: DeclarationSet, hf: str) -> list[str]:
    """Why ``generated/`` is not what the declarations give (empty when it is fresh).

    Regenerates in memory when ``pipeline.generate.render_all`` is there; otherwise checks that
    ``generated/MANIFEST.json`` matches the files on disk. Files under ``generated/<hf>/`` that
    the pipeline did not write count too, since they would be deployed.
    """
    disk = _on_disk(root)
    prefix = f"{hf}/"
    render = _renderer()
    problems: list[str] = []
    if render is not None:
        try:
            expected: dict[str, bytes] = render(declarations)
        except Exception as exc:  # a generator bug must stop the deploy, with its message
            raise DeployError(f"cannot regenerate to check that generated/ is fresh: {exc}") from exc
        for path in sorted(expected):
            if path not in disk:
                problems.append(f"{GENERATED}/{path}: missing")
            elif disk[path] != expected[path]:
                problems.append(f"{GENERATED}/{path}: differs from what the declarations generate")
        listed = set(expected)
    else:
        data = disk.get(GENERATED_MANIFEST)
        if data is None:
            return [f"{GENERATED}/{GENERATED_MANIFEST} is missing"]
        try:
            recorded = json.loads(data)["files"]
        except (ValueError, KeyError, TypeError):
            recorded = None
        if not isinstance(recorded, dict):
            return [f"{GENERATED}/{GENERATED_MANIFEST} is not a manifest oppkobling wrote"]
        for path in sorted(recorded):
            if path not in disk:
                problems.append(f"{GENERATED}/{path}: missing")
            elif hashlib.sha256(disk[path]).hexdigest() != recorded[path]:
                problems.append(f"{GENERATED}/{path}: sha256 differs from {GENERATED_MANIFEST}")
        listed = set(recorded) | {GENERATED_MANIFEST}
    problems.extend(
        f"{GENERATED}/{path}: not written by the pipeline"
        for path in sorted(disk)
        if path.startswith(prefix) and path not in listed
    )
    return problems
