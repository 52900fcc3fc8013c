"""The one place oppkobling runs git: reading a revision's tree, the commit a deploy ships, whether
the work tree is clean, and who is deploying. Standard library only (the cached ``validate``
asks for a revision's tree id on its quick path)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 60


class GitError(Exception):
    """git could not answer (not a repository, an unknown revision, git missing)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _run(root: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, timeout=TIMEOUT)
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(str(exc)) from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode(errors="replace").strip() or f"git {args[0]} failed")
    return done.stdout


def tree_id(root: Path, ref: str, path: str) -> str | None:
    """The id of the tree at ``ref:path``, or None when git cannot say."""
    try:
        out = _run(root, "rev-parse", "--verify", "--quiet", f"{ref}:{path}")
    except GitError:
        return None
    tree = out.decode("ascii", "replace").strip()
    return tree or None


@dataclass(frozen=True)
class Entry:
    """One entry of ``git ls-tree -r``."""

    mode: bytes
    kind: bytes
    sha: str
    path: str


def ls_tree(root: Path, ref: str, path: str) -> list[Entry]:
    """Every entry below ``path`` at revision ``ref``."""
    listing = _run(root, "ls-tree", "-r", "-z", "--full-tree", ref, "--", path)
    entries = []
    for raw in listing.split(b"\0"):
        if not raw:
            continue
        meta, _, path_bytes = raw.partition(b"\t")
        mode, kind, sha = meta.split()
        entries.append(Entry(mode, kind, sha.decode(), path_bytes.decode("utf-8", errors="replace")))
    return entries


def blob(root: Path, sha: str) -> bytes:
    return _run(root, "cat-file", "blob", sha)


def head(root: Path) -> str:
    return _run(root, "rev-parse", "--verify", "HEAD").decode().strip()


def uncommitted(root: Path) -> tuple[str, ...]:
    """``git status --porcelain``: every uncommitted change, one line each."""
    return tuple(line for line in _run(root, "status", "--porcelain").decode().splitlines() if line)


def user(root: Path) -> str:
    """The configured user's e-mail, else name, else empty."""
    for key in ("user.email", "user.name"):
        try:
            value = _run(root, "config", key).decode().strip()
        except GitError:
            return ""
        if value:
            return value
    return ""
