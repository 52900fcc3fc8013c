"""Whole answers of read-only commands (``validate``, ``check``), remembered and given again
without running them when nothing they read has changed: the quick path of the editor's and
pre-commit's edit-save-validate loop.

A command run for the first time is *recorded*: the use case says what it reads (``reads``:
trees and files, looked at before it reads them), what its answer depends on (``depends_on``,
a part of that; by default all of it) and whether the answer holds only for today's date in
Europe/Oslo (``holds_for``). Its output (stdout and stderr, in order) and exit code are kept in
the signed cache (``pipeline.io.cache``) under a name made of the tool's fingerprint, the
working directory, the arguments and the environment the command reads. It is kept only when the
command finished (no error raised) and what it read was, at the end, what it was before.

The next identical command line is *replayed* from that entry by ``replay``, which imports only
the standard library and the cache: no argparse, pydantic, lxml or YAML parser. It looks at what
the answer depends on as git's index does: a file whose size, times and inode are those recorded,
and whose times were already settled (``cache.SETTLED_NS``) when recorded, has the recorded
content; any other file is read and hashed. A symbolic link is judged by its target too. Any
difference, a day that is over, or an entry that does not verify is a miss: the command runs.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import sys
import time
from pathlib import Path

from pipeline import environment, i18n, layout
from pipeline.io import cache
from pipeline.io.sha import sha256

TYPE_CHECKING = False  # neither typing nor dataclasses is imported: they cost more than the rest
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from typing import Any, TextIO

KIND = "answer"
# What a command's output may depend on besides its arguments: our own settings, the language and
# the encoding it is written in, and where the user's caches are.
ENV_NAMES = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8", "HOME")
ENV_PREFIX = "OPPKOBLING_"


def _environment() -> list[str]:
    names = sorted(n for n in os.environ if n.startswith(ENV_PREFIX) or n in (*ENV_NAMES, environment.XDG_CACHE_HOME))
    return [f"{n}={os.environ[n]}" for n in names]


def _name(argv: Sequence[str], cwd: str) -> str:
    return cache.named(KIND, [cwd, "\0".join(argv), *_environment(), i18n.current()])


def _root(argv: Sequence[str], cwd: str) -> str | None:
    """The repository the command works on: --root, else the nearest directory upwards holding
    partners/ (as ``pipeline.io.partners.find_root`` finds it)."""
    for i, arg in enumerate(argv):
        if arg == "--root" and i + 1 < len(argv):
            return str(Path(cwd, argv[i + 1]).resolve())
        if arg.startswith("--root="):
            return str(Path(cwd, arg.split("=", 1)[1]).resolve())
    here = Path(cwd).resolve()
    for candidate in (here, *here.parents):
        if (candidate / layout.PARTNERS).is_dir():
            return str(candidate)
    return None


# -- how a path looks ----------------------------------------------------------------------------


def _sha(path: str) -> str:
    h = sha256()
    with open(path, "rb") as f:  # noqa: PTH123 (plain strings: trees at scale hold 200k files)
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class _Look:
    """Lines describing paths, fed into one digest. Recording (``hashed`` None): a file whose
    times are not yet settled is described by its content and its path put in ``unsettled``;
    replaying: the paths in ``hashed`` are described by content, every other file by its stat."""

    def __init__(self, hashed: frozenset[str] | None = None) -> None:
        self.hashed = hashed
        self.unsettled: list[str] = []
        self.now = time.time_ns()
        self.h = sha256()

    def _file(self, path: str, info: os.stat_result) -> str:
        by_content = (
            path in self.hashed
            if self.hashed is not None
            else self.now - max(info.st_mtime_ns, info.st_ctime_ns) < cache.SETTLED_NS
        )
        if by_content:
            if self.hashed is None:
                self.unsettled.append(path)
            return f"F {_sha(path)}"
        return f"f {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_ino}"

    def entry(self, path: str, info: os.stat_result | None) -> bool:
        """Describe one path (lstat ``info``, None when absent); True when it is a directory."""
        if info is None:
            line = "-"
        elif stat.S_ISREG(info.st_mode):
            line = self._file(path, info)
        elif stat.S_ISDIR(info.st_mode):
            line = "d"
        elif stat.S_ISLNK(info.st_mode):
            try:
                link = Path(path)
                target = link.stat()
                line = f"l {link.readlink()} " + (self._file(path, target) if stat.S_ISREG(target.st_mode) else "?")
            except (OSError, ValueError):
                line = "l ?"
        else:
            line = "o"
        self.h.update(f"{path}\0{line}\n".encode("utf-8", "surrogateescape"))
        return info is not None and stat.S_ISDIR(info.st_mode)

    def path(self, path: str) -> None:
        try:
            info: os.stat_result | None = os.lstat(path)
        except FileNotFoundError:
            info = None
        self.entry(path, info)

    def tree(self, top: str) -> None:
        """``top`` and everything under it (links not followed into), in sorted order."""
        try:
            info = os.lstat(top)
        except FileNotFoundError:
            self.entry(top, None)
            return
        stack = [top] if self.entry(top, info) else []
        while stack:
            directory = stack.pop()
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
            below = []
            for e in entries:
                if self.entry(e.path, e.stat(follow_symlinks=False)):
                    below.append(e.path)
            stack.extend(reversed(below))

    def digest(self) -> str:
        return str(self.h.hexdigest())


_DIR, _FILE = "d", "f"  # the kinds of ``pipeline.io.partners``' record


def _kind_of(mode: int) -> str:
    if stat.S_ISREG(mode):
        return _FILE
    if stat.S_ISDIR(mode):
        return _DIR
    return "l" if stat.S_ISLNK(mode) else "o"


def _recorded_look(top: str, record: dict[str, list[Any]]) -> _Look | None:
    """The look ``_look([top], [])`` takes when recording, made from the reader's record of that
    tree (``pipeline.io.partners``' ``Partners.tree``: each entry's kind, stat, the sha256 of the
    bytes read and when they were read) instead of another walk. An input is described by what
    was read: by its stat when that was settled when it was read, else by the sha256 of the bytes
    read. An entry refused unread (its content was not judged, only its name and kind) is
    described as it is now, when it is still the kind of entry that was refused. None when the
    record holds something else (a directory or file that could not be read, partners/ itself
    no directory): then there is no look to give."""
    if "" in record:
        return None
    look = _Look(None)
    children: dict[str, list[str]] = {}
    for rel in record:  # the reader lists each directory sorted by name, as the look does
        children.setdefault(rel.rpartition("/")[0], []).append(rel)
    look.h.update(f"{top}\0d\n".encode("utf-8", "surrogateescape"))
    stack = [""]
    while stack:
        below = []
        for rel in children.get(stack.pop(), ()):
            row, path = record[rel], f"{top}/{rel}"
            kind, content = row[0], str(row[5])
            if kind == _DIR:
                if content:
                    return None  # could not be opened
                line = "d"
                below.append(rel)
            elif kind == _FILE and len(content) == 64:
                settled = row[6] - max(row[2], row[3]) >= cache.SETTLED_NS
                if not settled:
                    look.unsettled.append(path)
                line = f"f {row[1]} {row[2]} {row[3]} {row[4]}" if settled else f"F {content}"
            elif kind == _FILE and content != "-":
                return None  # unreadable
            else:
                try:
                    info = os.lstat(path)
                except FileNotFoundError:
                    return None
                if _kind_of(info.st_mode) != kind:
                    return None
                by_size = kind == _FILE and not isinstance(layout.classify(f"{layout.PARTNERS}/{rel}"), str)
                if by_size and info.st_size <= layout.MAX_INPUT_BYTES:
                    return None  # refused for a size it no longer has
                try:
                    look.entry(path, info)
                except OSError:
                    return None
                continue
            look.h.update(f"{path}\0{line}\n".encode("utf-8", "surrogateescape"))
        stack.extend(reversed(below))
    return look


def _look(trees: Iterable[str], paths: Iterable[str], hashed: Iterable[str] | None = None) -> _Look:
    look = _Look(None if hashed is None else frozenset(hashed))
    for top in trees:
        look.tree(top)
    for p in paths:
        look.path(p)
    return look


# -- replaying -----------------------------------------------------------------------------------


def replay(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int | None:
    """The exit code after writing the remembered answer to this command line, or None (run it)."""
    try:
        cwd = str(Path.cwd())
        root = _root(argv, cwd)
        store = cache.Cache.open(Path(root)) if root else None
        if store is None:
            return None
        payload = store.get_bytes(KIND, _name(argv, cwd))
        entry = marshal.loads(payload) if payload is not None else None  # noqa: S302 (signed: our own bytes)
        if not isinstance(entry, dict):
            return None
        day = entry["day"]
        if day is not None and not day[0] <= time.time_ns() < day[1]:
            return None
        if _look(entry["trees"], entry["paths"], entry["hashed"]).digest() != entry["digest"]:
            return None
        streams = {1: out or sys.stdout, 2: err or sys.stderr}
        for stream, text in entry["out"]:
            streams[stream].write(text)
        for s in streams.values():
            s.flush()
        return int(entry["code"])
    except (OSError, KeyError, TypeError, ValueError, IndexError, EOFError):
        return None


# -- recording -----------------------------------------------------------------------------------


class _Tee:
    """A text stream that writes through and keeps what was written, in order with its sibling."""

    def __init__(self, real: TextIO, number: int, chunks: list[tuple[int, str]]) -> None:
        self._real, self._number, self._chunks = real, number, chunks

    def write(self, text: str) -> int:
        self._chunks.append((self._number, text))
        return self._real.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _Read:
    """One group of what a use case read, and how it looked just before it was read (or, when
    ``exact``, as it was read: then there is nothing to compare it with afterwards)."""

    def __init__(self, trees: list[str], files: list[str], look: _Look | None = None) -> None:
        self.trees, self.files, self.exact = trees, files, look is not None
        look = look or _look(trees, files)
        self.digest, self.unsettled = look.digest(), look.unsettled


def _absolute(
    trees: Iterable[str | os.PathLike[str]], files: Iterable[str | os.PathLike[str]]
) -> tuple[list[str], list[str]]:
    return [str(Path(t).absolute()) for t in trees], [str(Path(f).absolute()) for f in files]


class Recording:
    """One run of a command: what it wrote, what its use case read, and how it ended."""

    def __init__(self, argv: Sequence[str], cwd: str) -> None:
        self.argv, self.cwd, self.root = tuple(argv), cwd, _root(argv, cwd)
        self.read: list[_Read] = []
        self.answer: tuple[list[str], list[str]] | None = None  # what the answer depends on, when narrower
        self.day: tuple[int, int] | None = None
        self.replayable = True
        self.code: int | None = None  # set when the command finished
        self.chunks: list[tuple[int, str]] = []

    def store(self) -> None:
        if not self.replayable or self.code is None or self.root is None or not self.read:
            return
        for group in self.read:
            if group.exact and self.answer is None and len(self.read) == 1:
                break  # the answer is of exactly what was read: that record is what replay compares with
            if _look(group.trees, group.files, group.unsettled).digest() != group.digest:
                return  # something it read changed while it ran: its answer is of no moment
        store = cache.Cache.open(Path(self.root))
        if store is None:
            return
        if self.answer is None and len(self.read) == 1:
            # The answer depends on the one group read, just looked at again and found as it
            # was (its unsettled files by content): that look is the one replay repeats.
            trees, paths = self.read[0].trees, self.read[0].files
            hashed, digest = self.read[0].unsettled, self.read[0].digest
        else:
            if self.answer is not None:
                trees, paths = self.answer
            else:
                trees = [t for g in self.read for t in g.trees]
                paths = [f for g in self.read for f in g.files]
            look = _look(trees, paths)
            hashed, digest = look.unsettled, look.digest()
        entry = {
            "trees": trees,
            "paths": paths,
            "hashed": hashed,
            "digest": digest,
            "day": list(self.day) if self.day else None,
            "out": self.chunks,
            "code": self.code,
        }
        # marshal, not JSON: replay then imports no json (its entry is signed, so ours, before it is decoded)
        store.put_bytes(KIND, _name(self.argv, self.cwd), marshal.dumps(entry))


_RECORDING: Recording | None = None


@contextlib.contextmanager
def recording(argv: Sequence[str]) -> Iterator[Recording]:
    """Record the command run inside (its output, and what its use case says it read)."""
    global _RECORDING
    cwd = str(Path.cwd())
    rec = Recording(argv, cwd)
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tee(out, 1, rec.chunks), _Tee(err, 2, rec.chunks)
    _RECORDING = rec
    try:
        yield rec
    finally:
        _RECORDING = None
        sys.stdout, sys.stderr = out, err
    with contextlib.suppress(OSError, ValueError):
        rec.store()


def reads(*trees: str | os.PathLike[str], files: Iterable[str | os.PathLike[str]] = ()) -> None:
    """The running use case is about to read these trees and files (absolute, or relative to the
    working directory); called before it reads them."""
    rec = _RECORDING
    if rec is None:
        return
    rec.read.append(_Read(*_absolute(trees, files)))


def read_as_recorded(top: str | os.PathLike[str], record: dict[str, list[Any]]) -> None:
    """The running use case has read the tree ``top`` through ``pipeline.io.partners``, which
    recorded exactly what it read (``Partners.tree``): the answer is of that, and replay compares
    with that record rather than with a look taken before the read and again after it (two more
    walks of partners/). When the record holds what a look cannot be made from, the answer is not
    kept."""
    rec = _RECORDING
    if rec is None:
        return
    trees, __ = _absolute([top], [])
    look = _recorded_look(trees[0], record)
    if look is None:
        rec.replayable = False
        return
    rec.read.append(_Read(trees, [], look))


def depends_on(*trees: str | os.PathLike[str], files: Iterable[str | os.PathLike[str]] = ()) -> None:
    """The answer depends only on these (all of them among what was read): replay looks at these."""
    rec = _RECORDING
    if rec is not None:
        rec.answer = _absolute(trees, files)


def holds_for(start_ns: int, end_ns: int) -> None:
    """The answer holds only from ``start_ns`` to ``end_ns`` (today, when today came from the clock)."""
    rec = _RECORDING
    if rec is not None:
        rec.day = (start_ns, end_ns) if rec.day is None else (max(rec.day[0], start_ns), min(rec.day[1], end_ns))


def not_replayable() -> None:
    """This run's answer depends on something not looked at on replay: do not keep it."""
    if _RECORDING is not None:
        _RECORDING.replayable = False


def finished(code: int) -> None:
    """The command returned ``code`` (no error raised): its answer may be kept."""
    if _RECORDING is not None:
        _RECORDING.code = code
