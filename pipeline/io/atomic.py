"""Writing so that a reader, or a crash, sees the old state or the new one, never a mix: the
repository lock, durable file writes, replacing one file, and swapping in a whole directory.
Used alike by ``generate`` (generated/), ``record`` and ``new`` (a declaration) and
``schemas fetch`` (the XSD directory).

Directory swap. A new tree is built complete in the sibling ``.<name>.new/`` and then swapped
in. On Linux, ``renameat2(RENAME_EXCHANGE)`` exchanges the two directories in one atomic step;
where that call is missing (other systems, old C libraries, file systems that refuse it) the
fallback renames ``<name>/`` to ``.<name>.old/`` and ``.<name>.new/`` to ``<name>/``. A crash
between those two renames leaves no ``<name>/`` for a moment; the next run (``recover``, under
the lock) renames ``.<name>.old/`` back. ``recover`` also deletes a ``.<name>.new/`` left by a
crash: it is an unfinished new tree or an old tree already swapped out, never the only copy.

The spare. The tree a swap takes out is not deleted: it waits in ``.<name>.spare/tree/`` to be the
next swap's staging tree (``exchange``), brought up to date file by file by its caller instead of
made anew (``pipeline.io.generated_tree``). ``.<name>.spare/`` holds a ``.gitignore`` of ``*`` so
that git never lists it, whatever the repository's own ignores say. It is never a reader's copy:
nothing reads it but the writer, and the writer trusts none of its files by themselves.

The lock (``flock`` on ``.oppkobling.lock`` at the repository root) serialises runs: writers
take it exclusively, ``check`` shared.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline import environment, layout
from pipeline.errors import LockError, RepositoryError
from pipeline.i18n import _

LOCK_WAIT_ENV = environment.LOCK_WAIT
LOCK_WAIT = 5.0

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


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
            raise RepositoryError(
                _("{path} is a symbolic link; refusing to use it as the lock").format(path=path)
            ) from None
        raise RepositoryError(
            _("cannot open the lock {path}: {strerror}").format(path=path, strerror=exc.strerror)
        ) from None
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
                    who = _(" (process {holder})").format(holder=holder) if holder.isdigit() else ""
                    raise LockError(
                        _("another oppkobling run holds {path}{who}; wait for it to finish and try again").format(
                            path=path, who=who
                        )
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
    return locked(root / layout.LOCK, shared=shared, wait=wait)


# -- durable, contained file operations ------------------------------------------------------


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: Path, content: bytes, mode: int = 0o644, *, sync: bool = True) -> None:
    """Create a new file (never through a link, never over an existing one); fsync it unless the
    caller makes the whole tree durable at once (``sync_filesystem``)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def replace_file(target: Path, data: bytes) -> None:
    """Write a sibling temporary file, flush it to disk, then rename it over ``target`` (keeping
    its mode): a reader, or a crash, sees the old file or the new one, never a half-written one."""
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(target)  # os.replace: atomic on POSIX within one directory
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise RepositoryError(
            _("cannot write {target}: {value}").format(target=target, value=exc.strerror or exc)
        ) from None
    fsync_dir(target.parent)


def sync_filesystem(path: Path) -> bool:
    """Make everything written to the file system holding ``path`` durable: syncfs(2) where the
    C library has it, sync(2) otherwise (both return once the data is on disk on Linux). True when
    that covers directories as well (Linux: all metadata, every new entry included), so they need
    no fsync one by one."""
    linux = sys.platform.startswith("linux")
    fn = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None) if linux else None
    if fn is not None:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            if fn(fd) == 0:
                return True
        finally:
            os.close(fd)
    os.sync()
    return linux


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
            raise RepositoryError(_("{current} is in the way of a directory").format(current=current))
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


def spare(target: Path) -> Path:
    return target.with_name(f".{target.name}.spare") / "tree"


def spare_home(target: Path) -> Path:
    """``spare(target)``'s parent as a real directory that git ignores; whatever else is there is
    removed (a link is unlinked, never followed)."""
    home = spare(target).parent
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISDIR(home.lstat().st_mode):
            remove(home)
    with contextlib.suppress(FileExistsError):
        home.mkdir()
    ignore = home / ".gitignore"
    if not (ignore.is_file() and not ignore.is_symlink()):
        if os.path.lexists(ignore):
            remove(ignore)
        write_file(ignore, b"# the writer's spare staging tree (pipeline.io.atomic)\n*\n")
    return home


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


def exchange(target: Path, other: Path) -> None:
    """Make the complete, durable tree at ``other`` appear at ``target`` atomically; the old tree
    ends at ``other`` (call with the lock held, after ``recover``). Without renameat2 the fallback's
    three renames go through ``.<name>.old/``: a crash after the first leaves ``<name>/`` missing,
    which ``recover`` undoes; after the second, ``recover`` removes the old tree."""
    previous = _previous(target)
    if not _exchange(other, target):
        target.rename(previous)
        try:
            other.rename(target)
        except BaseException:
            previous.rename(target)
            raise
        previous.rename(other)
    fsync_dir(target.parent)
    fsync_dir(other.parent)


def swap_in(target: Path) -> None:
    """Make the complete, fsynced tree at ``staging(target)`` appear at ``target`` atomically, then
    delete the old tree (call with the lock held, after ``recover``)."""
    new = staging(target)
    if os.path.lexists(target):
        exchange(target, new)  # the old tree is now at ``new``
    else:
        new.rename(target)
        fsync_dir(target.parent)
    # The new tree is in place: the old one is a leftover now, which the next run's recover()
    # removes if it cannot be removed here (a read-only old tree, say).
    with contextlib.suppress(OSError):
        for leftover in (new, _previous(target)):  # wherever a crash of the exchange left it
            if os.path.lexists(leftover):
                remove(leftover)
        fsync_dir(target.parent)
