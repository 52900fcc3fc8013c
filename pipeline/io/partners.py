"""The one reader of partners/, for the work tree and for any git revision alike.

Both sources are listed entry by entry and every entry is judged by the same policy: it is an
input (``pipeline.layout.classify``: a kommune or HF declaration, an AR snapshot file), whose
bytes are read once and handed on, or it is refused with a problem naming it. Nothing is
skipped. The policy:

- **names** (rule S2): hidden names and backup files anywhere, other extensions and
  subdirectories in the declaration directories, anything outside them, names that are not
  UTF-8 or hold control characters -- refused by their name, never opened;
- **links** (rule S1): a symbolic link of any kind is refused, in the work tree and in a
  revision, wherever it points (partners/ itself too). One rule that cannot be walked around: a
  link inside the repository would let the work tree and the revision read different files;
- **what it is** (S1): only regular files are inputs: a FIFO, device, socket or submodule is
  refused unopened; a file over 1 MiB is refused unread; a file that cannot be read (permissions)
  is refused with the operating system's reason; a directory that may not exist is refused even
  when empty (a revision cannot hold an empty one, and declarations never live in one).

A declaration is identified by its content (kommunenummer, HF key), not by this path; the
rules compare by identity. The work tree is walked through directory descriptors and every file
opened with ``O_NOFOLLOW``, so a link swapped in during the walk is refused, not followed; the
bytes returned are exactly the bytes the cache keys on (``Partners.tree``, taken from the same
open file), so a cached answer is never for content that was not read.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import layout
from pipeline.errors import RepositoryError, UsageError
from pipeline.findings import Location
from pipeline.i18n import N_, _
from pipeline.io import git

if TYPE_CHECKING:
    from pipeline.model.declarations import LoadProblem


def find_root(start: Path) -> Path:
    """The repository root: the nearest directory (upwards) holding partners/."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if os.path.lexists(candidate / layout.PARTNERS):
            return candidate
    raise RepositoryError(
        _("no '{PARTNERS}/' directory in {start} or above; use --root DIR").format(
            PARTNERS=layout.PARTNERS, start=start
        )
    )


# The parsing modules are imported where they are used: find_root is on the quick path of a
# command answered from the cache (pipeline.io.cache), which must not pay for pydantic and the parsers.


@dataclass(frozen=True)
class Refusal:
    """An entry under partners/ that is no input: its path as printed, why, and whether the name
    (S2) or the kind of entry (S1) refuses it."""

    path: str
    message: str
    by_name: bool

    def problem(self) -> LoadProblem:
        from pipeline.model.declarations import LoadProblem, Problem

        return LoadProblem(Location(self.path), self.message, Problem.NAME if self.by_name else Problem.STRUCTURE)


@dataclass
class Partners:
    """What partners/ holds: the inputs' bytes by repository path, what was refused, and (for the
    work tree) the cache's record of exactly what was read (``pipeline.io.cache.Tree``)."""

    files: dict[str, bytes] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)
    tree: dict[str, list[Any]] | None = None
    # The sha256 of every input, read or vouched for by a recorded stat (``read_declarations``,
    # ``rescan``): a vouched file's bytes are not in ``files`` until ``some`` reads them.
    shas: dict[str, str] = field(default_factory=dict)
    root: Path | None = None  # the work tree the vouched files are read from

    def problems(self) -> list[LoadProblem]:
        return [r.problem() for r in self.refused]

    def some(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The bytes of these inputs (a path that is none is left out); a file vouched for is
        read now, and must hold what was recorded of it (``ChangedWhileRead`` otherwise)."""
        paths = list(paths)
        missing = [p for p in paths if p not in self.files and p in self.shas]
        if missing:
            if self.root is None:
                raise ChangedWhileRead(missing[0])
            from pipeline.io.cache import digest_bytes

            got = read_files(self.root, missing).files
            for rel in missing:
                raw = got.get(rel)
                if raw is None or digest_bytes(raw) != self.shas[rel]:
                    raise ChangedWhileRead(rel)
                self.files[rel] = raw
        return {p: self.files[p] for p in paths if p in self.files}

    def whole(self) -> dict[str, bytes]:
        """The bytes of every input (``some`` of all)."""
        return self.some(sorted(self.files.keys() | self.shas.keys()))


class ChangedWhileRead(Exception):
    """A file vouched for by its stat holds other bytes (or is gone) when it is read after all:
    partners/ changed during the run, so it is read again whole."""


class _Kind:
    FILE = "f"
    DIR = "d"
    LINK = "l"
    OTHER = "o"  # FIFO, device, socket; in a revision a submodule


LINK_REFUSED = N_("symbolic link is refused, wherever it points: declarations are plain files")
OTHER_REFUSED = N_("not a regular file (a FIFO, device, socket or submodule) is refused")
DIR_REFUSED = N_("unexpected directory; {partners}/ holds only the directories of its inputs")
TOO_LARGE = N_("file is larger than {max_bytes} bytes (1 MiB) and is refused unread")
UNREADABLE = N_("cannot be read: {why}")
DIR_UNREADABLE = N_("directory cannot be read: {why}")


def _judge(rel: str, kind: str, size: int | None) -> str | None:
    """The one policy: why the entry at ``rel`` is refused, or None when it is an input to read."""
    if kind == _Kind.LINK:
        return _(LINK_REFUSED)
    if kind != _Kind.FILE:
        return _(OTHER_REFUSED)
    what = layout.classify(rel)
    if isinstance(what, str):
        return what
    if size is not None and size > layout.MAX_INPUT_BYTES:
        return _(TOO_LARGE).format(max_bytes=layout.MAX_INPUT_BYTES)
    return None


def _by_name(rel: str, kind: str) -> bool:
    """Refused for its name (S2) rather than for what it is (S1)?"""
    return kind == _Kind.FILE and isinstance(layout.classify(rel), str)


def _refuse(found: Partners, rel: str, message: str, *, by_name: bool = False) -> None:
    found.refused.append(Refusal(layout.printable(rel), message, by_name))


# -- the work tree ---------------------------------------------------------------------------


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return _Kind.FILE
    if stat.S_ISDIR(mode):
        return _Kind.DIR
    if stat.S_ISLNK(mode):
        return _Kind.LINK
    return _Kind.OTHER


def _read_fd(fd: int, before: os.stat_result) -> tuple[bytes, os.stat_result]:
    """The bytes of the open file (``before``: its stat when opened), and its stat after reading."""
    chunks = []
    left = layout.MAX_INPUT_BYTES + 1
    # The first read asks for the size the stat gives (and one byte more, to see it grew): a
    # buffer of 1 MiB for each few-kilobyte file, kept while its bytes are, cost more than the
    # reading itself (half of reading partners/ at national scale).
    want = min(before.st_size + 1, left)
    while left > 0 and (chunk := os.read(fd, min(left, want))):
        chunks.append(chunk)
        left -= len(chunk)
        want = 1 << 20
    return b"".join(chunks), os.fstat(fd)


def _signature(info: os.stat_result) -> list[Any]:
    return [_Kind.FILE, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def _walk(dir_fd: int, rel_dir: str) -> Iterator[tuple[str, str, os.stat_result, int]]:
    """(relative path, kind, lstat, descriptor of its directory) of every entry below the open
    directory, sorted; descends into real directories only, through their descriptors. A
    directory that cannot be opened has the kind ``error:<reason>``."""
    with os.scandir(dir_fd) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        rel = f"{rel_dir}/{entry.name}"
        info = entry.stat(follow_symlinks=False)
        kind = _kind(info.st_mode)
        if kind != _Kind.DIR:
            yield rel, kind, info, dir_fd
            continue
        try:
            sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        except OSError as exc:
            yield rel, f"error:{exc.strerror}", info, dir_fd
            continue
        try:
            yield rel, kind, info, dir_fd
            yield from _walk(sub, rel)
        finally:
            os.close(sub)


def _vouched(previous: dict[str, list[Any]] | None, tree_rel: str, info: os.stat_result) -> list[Any] | None:
    """The recorded entry of a file whose stat is the recorded one, recorded once its mtime was
    settled (``pipeline.io.cache.SETTLED_NS``): its content is taken as the recorded content."""
    from pipeline.io.cache import SETTLED_NS

    old = (previous or {}).get(tree_rel)
    if old is None or old[:5] != _signature(info) or old[6] - info.st_mtime_ns < SETTLED_NS:
        return None
    return old


def _read_entry(found: Partners, tree_rel: str, rel: str, dir_fd: int) -> None:
    assert found.tree is not None
    recorded = time.time_ns()
    name = rel.rpartition("/")[2]
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as exc:
        # ELOOP: swapped for a link since it was listed.
        _refuse(found, rel, _(LINK_REFUSED) if exc.errno == errno.ELOOP else _(UNREADABLE).format(why=exc.strerror))
        found.tree[tree_rel] = [_Kind.FILE, -1, 0, 0, 0, f"unreadable:{exc.errno}", 0]
        return
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            _refuse(found, rel, _(OTHER_REFUSED))
            found.tree[tree_rel] = [_kind(info.st_mode), info.st_size, 0, 0, info.st_ino, "", 0]
            return
        try:
            data, after = _read_fd(fd, info)
        except OSError as exc:
            _refuse(found, rel, _(UNREADABLE).format(why=exc.strerror))
            found.tree[tree_rel] = [_Kind.FILE, -1, 0, 0, 0, f"unreadable:{exc.errno}", 0]
            return
    finally:
        os.close(fd)
    from pipeline.io.cache import digest_bytes

    # Changed while it was read: these bytes are used, but its stat will never vouch for them.
    settled = recorded if _signature(info) == _signature(after) else 0
    found.tree[tree_rel] = [*_signature(after), digest_bytes(data), settled]
    if len(data) > layout.MAX_INPUT_BYTES:
        _refuse(found, rel, _(TOO_LARGE).format(max_bytes=layout.MAX_INPUT_BYTES))
        return
    found.files[rel] = data
    found.shas[rel] = found.tree[tree_rel][5]


def _open_partners(root: Path) -> int | None:
    """A descriptor of partners/ itself, or None when it is a link (refused: ``_scan`` says so)."""
    base = root / layout.PARTNERS
    try:
        return os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise RepositoryError(
            _("{root} has no '{PARTNERS}/' directory").format(root=root, PARTNERS=layout.PARTNERS)
        ) from None
    except OSError as exc:
        if base.is_symlink():
            return None
        raise RepositoryError(_("cannot read {base}: {strerror}").format(base=base, strerror=exc.strerror)) from None


class _Entries:
    """Judging the entries of a walk one by one: what ``_scan`` and ``read_declarations`` share.
    ``previous`` vouches for files (not read again) except those ``must_read`` names."""

    def __init__(self, found: Partners, previous: dict[str, list[Any]] | None, must_read: Callable[[str], bool]):
        self.found, self.previous, self.must_read = found, previous, must_read
        self.holds: dict[str, bool] = {}

    def judge(self, rel: str, kind: str, info: os.stat_result, dir_fd: int) -> None:
        found = self.found
        assert found.tree is not None
        self.holds[rel.rpartition("/")[0]] = True
        tree_rel = rel.removeprefix(f"{layout.PARTNERS}/")
        if kind.startswith("error:"):
            _refuse(found, rel, _(DIR_UNREADABLE).format(why=kind.removeprefix("error:")))
            found.tree[tree_rel] = [_Kind.DIR, 0, 0, 0, 0, kind, 0]
            return
        if kind == _Kind.DIR:
            self.holds.setdefault(rel, False)
            found.tree[tree_rel] = [_Kind.DIR, 0, 0, 0, info.st_ino, "", 0]
            return
        why = _judge(rel, kind, info.st_size)
        if why is None:
            old = None if self.must_read(rel) else _vouched(self.previous, tree_rel, info)
            if old is not None:
                found.tree[tree_rel] = old
                found.shas[rel] = str(old[5])
            else:
                _read_entry(found, tree_rel, rel, dir_fd)
            return
        _refuse(found, rel, why, by_name=_by_name(rel, kind))
        # Refused unopened: what it holds does not matter, only what and where it is.
        content = os.readlink(rel.rpartition("/")[2], dir_fd=dir_fd) if kind == _Kind.LINK else "-"
        found.tree[tree_rel] = [kind, 0, 0, 0, 0, content, 0]

    def empty_directories(self) -> None:
        for directory, nonempty in sorted(self.holds.items()):
            if not nonempty and not layout.allowed_directory(directory):
                _refuse(self.found, directory + "/", _(DIR_REFUSED).format(partners=layout.PARTNERS), by_name=True)


def _scan(root: Path, previous: dict[str, list[Any]] | None = None) -> Partners:
    """partners/ in the work tree, every entry judged. With ``previous`` (a recorded tree), a file
    it vouches for is not read again: only the tree is wanted then, not the bytes."""
    found = Partners(tree={})
    assert found.tree is not None
    top = _open_partners(root)
    if top is None:
        found.refused.append(Refusal(layout.PARTNERS, _(LINK_REFUSED), by_name=False))
        found.tree[""] = [_Kind.LINK, 0, 0, 0, 0, str((root / layout.PARTNERS).readlink()), 0]
        return found
    entries = _Entries(found, previous, lambda rel: False)
    try:
        for rel, kind, info, dir_fd in _walk(top, layout.PARTNERS):
            entries.judge(rel, kind, info, dir_fd)
        entries.empty_directories()
    finally:
        os.close(top)
    return found


DECLARATION_DIRS = (layout.KOMMUNER_DIR, layout.HF_DIR)


def declarations_record(tree: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The part of a partners/ record (``Partners.tree``) that ``read_declarations`` reads."""
    prefixes = tuple(d.removeprefix(f"{layout.PARTNERS}/") for d in DECLARATION_DIRS)
    return {
        rel: row for rel, row in tree.items() if rel in prefixes or rel.startswith(tuple(p + "/" for p in prefixes))
    }


def read_declarations(root: Path, previous: dict[str, list[Any]] | None, wanted: Collection[str]) -> Partners | None:
    """Only the declaration directories (kommuner/, helseforetak/), every entry judged as
    ``read_tree`` judges it: the content of every input in ``shas``, the bytes in ``files`` of
    the ``wanted`` files, of the HF declarations and of every file ``previous`` does not vouch
    for. None when partners/ or one of these directories is no plain directory (a link, a file):
    read all of partners/ then, which refuses it."""
    found = Partners(tree={})
    top = _open_partners(root)
    if top is None:
        return None
    hf_prefix = layout.HF_DIR + "/"
    entries = _Entries(found, previous, lambda rel: rel in wanted or rel.startswith(hf_prefix))
    try:
        for directory in DECLARATION_DIRS:
            name = directory.removeprefix(f"{layout.PARTNERS}/")
            try:
                info = os.stat(name, dir_fd=top, follow_symlinks=False)
            except FileNotFoundError:
                continue
            if not stat.S_ISDIR(info.st_mode):
                return None
            try:
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=top)
            except OSError:
                return None
            try:
                entries.judge(directory, _Kind.DIR, info, top)
                for rel, kind, entry_info, dir_fd in _walk(sub, directory):
                    entries.judge(rel, kind, entry_info, dir_fd)
            finally:
                os.close(sub)
        entries.empty_directories()
    finally:
        os.close(top)
    return found


def read_files(root: Path, paths: Iterable[str]) -> Partners:
    """These files (repository paths below partners/), each judged as ``read_tree`` judges it and
    reached one directory at a time without following a link: what ``read_tree`` would have
    read of them. A file that is absent, or below a directory that is a link or cannot be
    opened, is left out, as the walk of the whole tree leaves it out."""
    found = Partners(tree={})
    top = _open_partners(root)
    if top is None:
        return found
    try:
        for rel in sorted(set(paths)):
            parts = rel.split("/")
            if parts[0] != layout.PARTNERS or len(parts) < 3:
                continue
            fds: list[int] = []
            try:
                fd = top
                for part in parts[1:-1]:
                    fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                    fds.append(fd)
                info = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
            except OSError:
                continue
            else:
                _Entries(found, None, lambda _rel: True).judge(rel, _kind(info.st_mode), info, fd)
            finally:
                for opened in fds:
                    os.close(opened)
    finally:
        os.close(top)
    return found


def read_tree(root: Path) -> Partners:
    """partners/ in the work tree: every entry read or refused."""
    return _scan(root)


def rescan(root: Path, tree: dict[str, list[Any]]) -> Partners:
    """partners/ in the work tree, every entry judged as ``read_tree`` judges it; a file whose
    stat vouches for the content ``tree`` records is not read (its sha256 in ``shas``, its bytes
    read by ``Partners.some`` when they are wanted)."""
    found = _scan(root, tree)
    found.root = root
    return found


def still(root: Path, tree: dict[str, list[Any]]) -> dict[str, list[Any]] | None:
    """The record of partners/ in the work tree as it is now, when it still holds exactly what
    ``tree`` records (a file whose stat vouches for its recorded content is not read again);
    None when it holds anything else."""
    from pipeline.io.cache import same_content

    now = _scan(root, tree).tree
    return now if now is not None and same_content(now, tree) else None


def unchanged(root: Path, tree: dict[str, list[Any]]) -> bool:
    """partners/ in the work tree still holds exactly what ``tree`` records."""
    return still(root, tree) is not None


# -- a git revision --------------------------------------------------------------------------


def _git_kind(entry: git.Entry) -> str:
    if entry.link:
        return _Kind.LINK
    if entry.kind == b"blob":
        return _Kind.FILE
    return _Kind.OTHER  # a submodule (a commit in the tree)


def read_revision(root: Path, ref: str) -> Partners:
    """partners/ as it was at git revision ``ref``, judged exactly as the work tree is."""
    found = Partners()
    try:
        entries = git.ls_tree(root, ref, layout.PARTNERS)
        wanted: list[git.Entry] = []
        for e in sorted(entries, key=lambda e: e.path):
            kind = _git_kind(e)
            if e.path == layout.PARTNERS:  # partners itself is a link or a submodule
                found.refused.append(Refusal(layout.PARTNERS, _(LINK_REFUSED) if e.link else _(OTHER_REFUSED), False))
                continue
            why = _judge(e.path, kind, e.size)
            if why is None:
                wanted.append(e)
            else:
                _refuse(found, e.path, why, by_name=_by_name(e.path, kind))
        content = git.blobs(root, [e.sha for e in wanted])
    except git.GitError as exc:
        raise UsageError(_("cannot read revision '{ref}': {message}").format(ref=ref, message=exc.message)) from None
    for e in wanted:
        found.files[e.path] = content[e.sha]
    return found
