"""Reading declarations from the edges: a work tree on disk, or a git revision.

Both return ``{repository-relative posix path: bytes}`` for everything under ``partners/``;
the pure core (``pipeline.model.declarations``) never touches the file system.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import layout
from pipeline.errors import RepositoryError, UsageError
from pipeline.findings import Location
from pipeline.io import git

if TYPE_CHECKING:
    from pipeline.model.declarations import LoadProblem


def find_root(start: Path) -> Path:
    """The repository root: the nearest directory (upwards) holding partners/."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / layout.PARTNERS).is_dir():
            return candidate
    raise RepositoryError(f"no '{layout.PARTNERS}/' directory in {start} or above; use --root DIR")


# The parsing modules are imported where they are used: find_root is on the quick path of a
# command answered from the cache (pipeline.io.cache), which must not pay for pydantic and the parsers.


def _refused(rel: str, message: str) -> LoadProblem:
    from pipeline.model.declarations import LoadProblem

    return LoadProblem(Location(rel), message)


def read_tree(root: Path) -> tuple[dict[str, bytes], list[LoadProblem]]:
    """Every regular file under partners/. A symbolic link is read only when it resolves to a
    regular file inside the repository; any other link (out of the repository, dangling, a loop,
    to a directory) and anything that is not a regular file is an S1 finding, never skipped silently."""
    from pipeline.model.loader import MAX_BYTES

    files: dict[str, bytes] = {}
    refused: list[LoadProblem] = []
    base = root / layout.PARTNERS
    if not base.is_dir():
        raise RepositoryError(f"{root} has no '{layout.PARTNERS}/' directory")
    real_root = root.resolve()
    if not base.resolve().is_relative_to(real_root):
        raise RepositoryError(f"{base} is a symbolic link out of the repository; declarations must live in it")
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        for name in [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            # os.walk would neither descend into it nor say so: the declarations in it would vanish.
            dirnames.remove(name)
            rel = (Path(dirpath) / name).relative_to(root).as_posix()
            refused.append(_refused(rel, "symbolic link to a directory is refused; declarations are plain files"))
        dirnames.sort()
        for name in sorted(filenames):
            if name in layout.NOT_DECLARATIONS or name.startswith("."):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):  # dangling, or a loop
                    refused.append(_refused(rel, "symbolic link that does not resolve (dangling or a loop) is refused"))
                    continue
                if not target.is_relative_to(real_root):
                    refused.append(_refused(rel, "symbolic link pointing outside the repository is refused"))
                    continue
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                refused.append(_refused(rel, "not a regular file (a device, pipe or directory link) is refused"))
                continue
            if info.st_size > MAX_BYTES:
                refused.append(_refused(rel, f"file is larger than {MAX_BYTES} bytes (1 MiB)"))
                continue
            files[rel] = path.read_bytes()
    return files, refused


def read_revision(root: Path, ref: str) -> dict[str, bytes]:
    """partners/ as it was at git revision ``ref`` (for the L rules and the plan)."""
    try:
        entries = git.ls_tree(root, ref, layout.PARTNERS)
        return {
            e.path: git.blob(root, e.sha)
            for e in entries
            if e.kind == b"blob" and e.path.rsplit("/", 1)[-1] not in layout.NOT_DECLARATIONS and e.mode != b"120000"
        }
    except git.GitError as exc:
        raise UsageError(f"cannot read revision '{ref}': {exc.message}") from None
