"""The work-tree edge of a deploy: the files to ship, where they came from, and whether
generated/ is what the declarations generate (judged by ``pipeline.io.generated_tree``)."""

from __future__ import annotations

import getpass
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline import layout
from pipeline.changes import Kind
from pipeline.errors import DeployError
from pipeline.io import generated_tree, git
from pipeline.model.declarations import DeclarationSet

read_generated = generated_tree.read_hf

_PROBLEM = {
    Kind.ADDED: "missing",
    Kind.CHANGED: "differs from what the declarations generate",
    Kind.REMOVED: "not written by the pipeline",
}


@dataclass(frozen=True)
class GitState:
    commit: str | None
    changes: tuple[str, ...]
    problem: str | None = None

    @property
    def dirty(self) -> bool:
        return bool(self.changes) or self.problem is not None


def git_state(root: Path) -> GitState:
    try:
        return GitState(git.head(root), git.uncommitted(root))
    except git.GitError:
        return GitState(None, (), f"{root} is not a git work tree with a commit")


def who(root: Path) -> str:
    return os.environ.get("USER") or git.user(root) or getpass.getuser()


def stale(root: Path, declarations: DeclarationSet) -> list[str]:
    """Why ``generated/`` is not what the declarations give (empty when it is fresh)."""
    from pipeline.generate import RenderContext, render_all

    try:
        expected = render_all(declarations, RenderContext(schemas=None))
    except Exception as exc:  # a generator bug must stop the deploy, with its message
        raise DeployError(f"cannot regenerate to check that {layout.GENERATED}/ is fresh: {exc}") from exc
    hashes = {p: hashlib.sha256(c).hexdigest() for p, c in expected.items()}
    changes, _ = generated_tree.differences(root, hashes)
    ordered = [c for c in changes if c.kind is not Kind.REMOVED] + [c for c in changes if c.kind is Kind.REMOVED]
    return [f"{layout.in_generated(c.path)}: {_PROBLEM[c.kind]}" for c in ordered]
