"""The I/O edge for ``generated/``: compare the rendered tree with the disk, and replace it atomically.

Crash safety. ``write`` never edits ``generated/`` in place. It builds the complete new tree in
the sibling ``.generated.new/`` (new files made durable by one syncfs, every directory fsynced,
unchanged files hard-linked from the old tree), then swaps it in:

- On Linux, ``renameat2(RENAME_EXCHANGE)`` exchanges the two directories in one atomic step, so
  at every instant ``generated/`` is either the complete old or the complete new tree. The old
  tree, now at ``.generated.new/``, is then deleted.
- Where that call is missing (other systems, old C libraries, file systems that refuse it) the
  fallback renames ``generated/`` to ``.generated.old/`` and ``.generated.new/`` to
  ``generated/``. A crash between those two renames leaves no ``generated/`` for a moment; the
  next run (``recover``, under the lock) renames ``.generated.old/`` back. Either way a reader
  never sees a mixed tree.

``recover`` also deletes a ``.generated.new/`` left by a crash: it is an unfinished new tree or
an old tree already swapped out, never the only copy of anything.

Ownership. The pipeline owns exactly the files its last ``MANIFEST.json`` lists. Files it did
not write are carried over into the new tree untouched (hard-linked, or copied where links are
impossible); owned files missing from the new render are dropped, which is how the files of a
removed declaration disappear. Nothing named in a manifest is ever unlinked by path, so a
hostile manifest cannot make the pipeline delete anything.

Containment. ``generated/`` must be a real directory; a symbolic link anywhere inside it that
points outside it is refused (``RepositoryError``), as is anything that is not a file, directory
or link. New files are created with ``O_EXCL | O_NOFOLLOW`` inside the staging directory the
pipeline just made, so no write can land outside it.

A repository-wide lock (``.oppkobling.lock``, ``flock``) serialises runs: writers take it
exclusively, ``check`` shared.
"""

from __future__ import annotations

import contextlib
import ctypes
import enum
import errno
import fcntl
import json
import os
import posixpath
import shutil
import stat
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline import cache
from pipeline.changes import Change, Kind
from pipeline.errors import LockError, RepositoryError
from pipeline.generate import GENERATED_DIR, MANIFEST, _check_path

LOCK_NAME = ".oppkobling.lock"
LOCK_WAIT_ENV = "OPPKOBLING_LOCK_WAIT"
LOCK_WAIT = 5.0

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@dataclass(frozen=True)
class Summary:
    changes: tuple[Change, ...]
    unchanged: int

    def count(self, kind: Kind) -> int:
        return sum(1 for c in self.changes if c.kind is kind)

    def line(self) -> str:
        counts = ", ".join(f"{self.count(k)} {k.value}" for k in Kind)
        verb = "written" if self.changes else "already up to date"
        return f"{GENERATED_DIR}/ {verb}: {counts}, {self.unchanged} unchanged"


# -- the lock ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    path: Path
    shared: bool


def lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_ENV, LOCK_WAIT)))
    except ValueError:
        return LOCK_WAIT


@contextlib.contextmanager
def locked(path: Path, *, shared: bool = False, wait: float | None = None) -> Iterator[Lock]:
    """Hold an flock on ``path`` (created if missing, never followed if it is a link). Waits up
    to ``wait`` seconds (default ``$OPPKOBLING_LOCK_WAIT`` or 5), then raises LockError."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RepositoryError(f"{path} is a symbolic link; refusing to use it as the lock") from None
        raise RepositoryError(f"cannot open the lock {path}: {exc.strerror}") from None
    try:
        deadline = time.monotonic() + (lock_wait() if wait is None else wait)
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                    who = f" (process {holder})" if holder.isdigit() else ""
                    raise LockError(
                        f"another oppkobling run holds {path}{who}; wait for it to finish and try again"
                    ) from None
                time.sleep(0.05)
        if not shared:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield Lock(path, shared)
    finally:
        os.close(fd)  # releases the flock


def repo_lock(
    root: Path, *, shared: bool = False, wait: float | None = None
) -> contextlib.AbstractContextManager[Lock]:
    return locked(root / LOCK_NAME, shared=shared, wait=wait)


# -- durable, contained file operations ------------------------------------------------------


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Inside write(), files are not fsynced one by one: the whole staging tree is flushed with one
# syncfs() before it is swapped in (tens of thousands of fsyncs took most of a national build).
_SYNC_EACH_FILE = True


def write_file(path: Path, content: bytes, mode: int = 0o644) -> None:
    """Create a new file (never through a link, never over an existing one) and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        if _SYNC_EACH_FILE:
            os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _one_sync_per_tree() -> Iterator[None]:
    global _SYNC_EACH_FILE
    previous, _SYNC_EACH_FILE = _SYNC_EACH_FILE, False
    try:
        yield
    finally:
        _SYNC_EACH_FILE = previous


def sync_filesystem(path: Path) -> None:
    """Make everything written to the file system holding ``path`` durable: syncfs(2) where the
    C library has it, sync(2) otherwise (both return once the data is on disk on Linux)."""
    fn = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None) if sys.platform.startswith("linux") else None
    if fn is not None:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            if fn(fd) == 0:
                return
        finally:
            os.close(fd)
    os.sync()


def makedirs(base: Path, rel_dir: str, made: set[str] | None = None) -> None:
    """``base/rel_dir`` and its parents as real directories. ``made``: directories this run
    already made (skipped: a tree of thousands of files needs each directory made once)."""
    if made is not None and rel_dir in made:
        return
    current = base
    for part in rel_dir.split("/") if rel_dir else ():
        current = current / part
        with contextlib.suppress(FileExistsError):
            current.mkdir()
        if current.is_symlink() or not current.is_dir():
            raise RepositoryError(f"{current} is in the way of a directory")
    if made is not None:
        made.add(rel_dir)


def fsync_tree(path: Path) -> None:
    """fsync every directory below ``path`` (deepest first) and ``path`` itself; files are
    fsynced when written."""
    for dirpath, _dirnames, _files in os.walk(path, topdown=False):
        fsync_dir(Path(dirpath))


def remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


# -- atomic directory replacement ------------------------------------------------------------


def staging(target: Path) -> Path:
    return target.with_name(f".{target.name}.new")


def _previous(target: Path) -> Path:
    return target.with_name(f".{target.name}.old")


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two directories with renameat2(RENAME_EXCHANGE); False when the system
    or file system cannot, so the caller falls back."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:  # glibc < 2.28, musl < 1.2.?
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def recover(target: Path) -> None:
    """Finish or undo what a crashed swap left behind (call with the lock held)."""
    previous = _previous(target)
    if previous.is_dir() and not previous.is_symlink() and not os.path.lexists(target):
        previous.rename(target)  # crashed between the fallback's two renames: the old tree is whole
    for leftover in (staging(target), previous):
        if os.path.lexists(leftover):
            remove(leftover)
    fsync_dir(target.parent)


def swap_in(target: Path) -> None:
    """Make the complete, fsynced tree at ``staging(target)`` appear at ``target`` atomically, then
    delete the old tree (call with the lock held, after ``recover``)."""
    new, previous = staging(target), _previous(target)
    if not os.path.lexists(target):
        new.rename(target)
    elif not _exchange(new, target):
        target.rename(previous)
        try:
            new.rename(target)
        except BaseException:
            previous.rename(target)
            raise
    fsync_dir(target.parent)
    for leftover in (new, previous):  # whichever now holds the old tree
        if os.path.lexists(leftover):
            remove(leftover)
    fsync_dir(target.parent)


# -- reading generated/ ----------------------------------------------------------------------


class _Entry(enum.Enum):
    FILE = "file"
    DIR = "dir"
    LINK = "link"


def _scan(gen: Path, stats: dict[str, str] | None = None) -> dict[str, _Entry]:
    """Everything under generated/ (relative posix paths), refusing what could lead outside it.
    ``stats`` receives each regular file's "size:mtime_ns:ctime_ns:inode"."""
    if gen.is_symlink():
        raise RepositoryError(
            f"{gen} is a symbolic link; oppkobling writes only into a real {GENERATED_DIR}/ directory"
        )
    if not gen.exists():
        return {}
    if not gen.is_dir():
        raise RepositoryError(f"{gen} is not a directory")
    real = gen.resolve()
    entries: dict[str, _Entry] = {}
    # Plain strings, not Path objects: generated/ holds tens of thousands of files at scale.
    base = os.fspath(gen)
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        rel_dir = os.path.relpath(dirpath, base).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in sorted([*dirnames, *filenames]):
            full = f"{dirpath}{os.sep}{name}"
            rel = prefix + name
            info = os.lstat(full)
            mode = info.st_mode
            if stat.S_ISLNK(mode):
                try:
                    inside = Path(full).resolve().is_relative_to(real)
                except (RuntimeError, OSError):  # a link loop
                    inside = False
                if not inside:
                    raise RepositoryError(
                        f"{GENERATED_DIR}/{rel} is a symbolic link pointing outside {GENERATED_DIR}/ (or a loop); "
                        "oppkobling never writes through it: remove the link"
                    )
                entries[rel] = _Entry.LINK
            elif stat.S_ISDIR(mode):
                entries[rel] = _Entry.DIR
            elif stat.S_ISREG(mode):
                entries[rel] = _Entry.FILE
                if stats is not None:
                    stats[rel] = f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"
            else:
                raise RepositoryError(f"{GENERATED_DIR}/{rel} is not a regular file, directory or link")
    return entries


def _owned(gen: Path, entries: Mapping[str, _Entry]) -> set[str]:
    """The files the pipeline wrote last time: its manifest's list, and the manifest itself. An
    unreadable manifest owns nothing else, so nothing is removed on its word."""
    owned = {MANIFEST}
    if entries.get(MANIFEST) is not _Entry.FILE:
        return owned
    try:
        doc = json.loads((gen / MANIFEST).read_bytes())
    except (ValueError, OSError):
        return owned
    listed = doc.get("files") if isinstance(doc, dict) else None
    if isinstance(listed, dict):
        owned.update(p for p in listed if isinstance(p, str))
    return owned


# A render: the files in memory, or streamed as (path, bytes) pairs so that a national tree is
# never held whole (pipeline.generate.render yields one kommune at a time).
Files = Mapping[str, bytes] | Iterable[tuple[str, bytes]]


def _pairs(files: Files) -> Iterator[tuple[str, bytes]]:
    return iter(files.items()) if isinstance(files, Mapping) else iter(files)


def _change(gen: Path, entries: Mapping[str, _Entry], path: str, content: bytes) -> Kind | None:
    entry = entries.get(path)
    if entry is None:
        return Kind.ADDED
    if entry is not _Entry.FILE or (gen / path).read_bytes() != content:
        return Kind.CHANGED
    return None


def _removed(entries: Mapping[str, _Entry], owned: set[str], produced: set[str]) -> list[Change]:
    return [Change(path, Kind.REMOVED) for path in owned - produced if path in entries]


def diff(root: Path, files: Files) -> list[Change]:
    """How ``generated/`` on disk differs from ``files`` (a render). Files the pipeline did not
    write are not differences."""
    pairs = files.items() if isinstance(files, Mapping) else None
    if pairs is not None:  # everything checked before anything is read, as callers expect
        for path, _ in pairs:
            _check_path(path)
    gen = root / GENERATED_DIR
    entries = _scan(gen)
    owned = _owned(gen, entries)
    changes: list[Change] = []
    produced: set[str] = set()
    for path, content in _pairs(files):
        _check_path(path)
        produced.add(path)
        kind = _change(gen, entries, path, content)
        if kind is not None:
            changes.append(Change(path, kind))
    return sorted([*changes, *_removed(entries, owned, produced)])


def diff_hashes(
    root: Path, expected: Mapping[str, str], vouched: Mapping[str, str] | None = None
) -> tuple[list[Change], dict[str, str]]:
    """``diff`` against a remembered render: ``expected`` maps every generated file to the sha256
    of its content. A file is read and hashed unless ``vouched`` (recorded when it last matched:
    "size:mtime:ctime:inode|recorded-at") shows the same stat, recorded when its mtime was
    already settled (see ``pipeline.cache``). Returns the changes and what can be vouched for
    next time. When MANIFEST.json itself is as expected, the files it owns are exactly the
    expected ones, so there is nothing to remove and it need not be parsed."""
    gen = root / GENERATED_DIR
    stats: dict[str, str] = {}
    entries = _scan(gen, stats)  # refuses links out of generated/, as diff does
    vouched = vouched or {}
    now = time.time_ns()
    changes = []
    matched: dict[str, str] = {}
    for path, sha in expected.items():
        entry = entries.get(path)
        if entry is None:
            changes.append(Change(path, Kind.ADDED))
            continue
        if entry is not _Entry.FILE:
            changes.append(Change(path, Kind.CHANGED))
            continue
        signature = stats[path]
        old = vouched.get(path)
        if old is not None:
            old_signature, _, recorded = old.partition("|")
            mtime = int(signature.split(":")[1])
            if old_signature == signature and recorded.isdigit() and int(recorded) - mtime >= cache.SETTLED_NS:
                matched[path] = old
                continue
        if cache.sha_file(gen / path) == sha:
            matched[path] = f"{signature}|{now}"
        else:
            changes.append(Change(path, Kind.CHANGED))
    if any(c.path == MANIFEST for c in changes):
        changes.extend(_removed(entries, _owned(gen, entries), set(expected)))
    return sorted(changes), matched


# -- writing generated/ ----------------------------------------------------------------------


def _ancestors(path: str) -> Iterator[str]:
    parent = posixpath.dirname(path)
    while parent:
        yield parent
        parent = posixpath.dirname(parent)


def _foreign(entries: Mapping[str, _Entry], owned: set[str], files: Mapping[str, bytes] | set[str]) -> list[str]:
    """What to carry over: entries the pipeline does not own and will not overwrite. Directories
    that held owned files are not carried (they reappear only if something still lives there)."""
    new_dirs = {a for p in files for a in _ancestors(p)}
    owned_dirs = {a for p in owned if p in entries for a in _ancestors(p)}
    carry = []
    for rel, entry in sorted(entries.items()):
        if rel in owned or rel in files:
            continue
        if entry is _Entry.DIR:
            if rel in owned_dirs or rel in new_dirs:
                continue
        elif rel in new_dirs:
            raise RepositoryError(
                f"{GENERATED_DIR}/{rel} was not written by oppkobling and is in the way of generated files; move it"
            )
        if any(a in files for a in _ancestors(rel)):
            raise RepositoryError(
                f"{GENERATED_DIR}/{rel} was not written by oppkobling and is in the way of a generated file; move it"
            )
        carry.append(rel)
    return carry


def _carry(gen: Path, new: Path, rel: str) -> None:
    src, dst = gen / rel, new / rel
    makedirs(new, posixpath.dirname(rel))
    if src.is_symlink():
        dst.symlink_to(src.readlink())
    elif src.is_dir():
        makedirs(new, rel)
    else:
        try:
            os.link(src, dst, follow_symlinks=False)
        except OSError:
            shutil.copy2(src, dst, follow_symlinks=False)
            fd = os.open(dst, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _keep(gen: Path, new: Path, rel: str, made: set[str]) -> None:
    """An unchanged file into the new tree: a hard link to the old one (its bytes are already on
    disk and synced), or a copy where links are impossible."""
    makedirs(new, posixpath.dirname(rel), made)
    try:
        os.link(gen / rel, new / rel, follow_symlinks=False)
    except OSError:
        write_file(new / rel, (gen / rel).read_bytes())


def write(root: Path, files: Files, *, held: Lock | None = None) -> Summary:
    """Make ``generated/`` hold exactly ``files`` plus the files the pipeline did not write.
    Takes the repository lock unless the caller already holds it (``held``). Writes nothing when
    nothing changed, so an up-to-date tree keeps its bytes and times.

    ``files`` may be a stream: each file is compared with the disk as it comes, a new or changed
    one written into the staging tree at once and an unchanged one remembered, so memory holds one
    file at a time. Only when something changed are the unchanged files linked into the staging
    tree and the tree swapped in; a failure at any point (an unsafe path, a file in the way, a
    full disk) leaves the old tree as it was."""
    if isinstance(files, Mapping):  # everything checked before anything is touched
        for path in files:
            _check_path(path)
    if held is not None and held.shared:
        raise LockError("writing generated/ needs the exclusive lock")
    with contextlib.nullcontext(held) if held is not None else repo_lock(root):
        gen = root / GENERATED_DIR
        recover(gen)
        entries = _scan(gen)
        owned = _owned(gen, entries)
        new = staging(gen)
        produced: set[str] = set()
        unchanged: list[str] = []
        changes: list[Change] = []
        made: set[str] = set()
        with _one_sync_per_tree():
            try:
                for path, content in _pairs(files):
                    _check_path(path)
                    produced.add(path)
                    kind = _change(gen, entries, path, content)
                    if kind is None:
                        unchanged.append(path)
                        continue
                    if not changes:
                        new.mkdir()
                    changes.append(Change(path, kind))
                    makedirs(new, posixpath.dirname(path), made)
                    write_file(new / path, content)
                started = bool(changes)
                changes = sorted([*changes, *_removed(entries, owned, produced)])
                summary = Summary(tuple(changes), len(unchanged))
                if not changes:
                    return summary
                carry = _foreign(entries, owned, produced)
                if not started:
                    new.mkdir()
                for rel in unchanged:
                    _keep(gen, new, rel, made)
                for rel in carry:
                    _carry(gen, new, rel)
                sync_filesystem(new)  # every file written above, in one call
                fsync_tree(new)
                swap_in(gen)
            finally:
                if os.path.lexists(new):
                    remove(new)
        return summary
