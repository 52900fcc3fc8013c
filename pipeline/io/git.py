"""The one place oppkobling runs git: reading a revision's tree, the commit a deploy ships, whether
the work tree is clean, and who is deploying. Standard library only (the cached ``validate``
asks for a revision's tree id on its quick path)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipeline.i18n import _

TIMEOUT = 60


class GitError(Exception):
    """git could not answer (not a repository, an unknown revision, git missing)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _run(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False, timeout=TIMEOUT
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(str(exc)) from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode(errors="replace").strip() or _("git {args} failed").format(args=args[0]))
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
    """One entry of ``git ls-tree -r -l``: mode, kind (blob, commit), object id, size (None for a
    submodule), path (a name that is not UTF-8 keeps its bytes as surrogate escapes)."""

    mode: bytes
    kind: bytes
    sha: str
    size: int | None
    path: str

    @property
    def link(self) -> bool:
        return self.mode == b"120000"


def ls_tree(root: Path, ref: str, path: str) -> list[Entry]:
    """Every entry below ``path`` at revision ``ref`` (``path`` itself when it is not a tree)."""
    listing = _run(root, "ls-tree", "-r", "-l", "-z", "--full-tree", ref, "--", path)
    entries = []
    for raw in listing.split(b"\0"):
        if not raw:
            continue
        meta, __, path_bytes = raw.partition(b"\t")
        mode, kind, sha, size = meta.split()
        entries.append(Entry(mode, kind, sha.decode(), int(size) if size.isdigit() else None, os.fsdecode(path_bytes)))
    return entries


def blobs(root: Path, shas: list[str]) -> dict[str, bytes]:
    """The content of each blob, read by one ``git cat-file --batch``."""
    if not shas:
        return {}
    wanted = list(dict.fromkeys(shas))
    out = _run(root, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in wanted).encode("ascii"))
    found: dict[str, bytes] = {}
    at = 0
    for sha in wanted:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise GitError(_("{sha} is not a blob").format(sha=sha))
        size = int(header[2])
        found[sha] = out[end + 1 : end + 1 + size]
        at = end + 1 + size + 1  # the content, then a newline
    return found


def commit(root: Path, ref: str) -> str:
    """The commit ``ref`` names."""
    return _run(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").decode().strip()


def committed_at(root: Path, ref: str) -> dt.datetime:
    """When the commit ``ref`` names was committed (its committer date, which on a protected
    branch is set by whoever merged, not by a pull request's author)."""
    stamp = _run(root, "show", "-s", "--format=%cI", "--end-of-options", f"{ref}^{{commit}}").decode().strip()
    return dt.datetime.fromisoformat(stamp)


def changed(root: Path, ref: str, paths: tuple[str, ...]) -> list[str]:
    """The paths below ``paths`` that the work tree changes against ``ref``: committed or not,
    untracked files included."""
    diff = _run(root, "diff", "--name-only", "-z", "--no-renames", ref, "--", *paths)
    untracked = _run(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *paths)
    return sorted({os.fsdecode(p) for p in (*diff.split(b"\0"), *untracked.split(b"\0")) if p})


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
