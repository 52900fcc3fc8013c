"""``generated/``: what the declarations say it must contain, what is on disk, how the two differ,
and replacing it atomically. The one model of the generated tree: L4 (``check``), ``build``,
``deploy`` and ``drift`` all judge generated/ through it.

generated/ must hold exactly the files of a render (``expected``: each path relative to
generated/ and the sha256 of its content, ``MANIFEST.json`` included) and nothing else. Against
that, every path on disk is judged once, by ``_judge`` and ``extras``:

- generated, not on disk: ``added`` (missing);
- on disk with other content, or not a regular file: ``changed`` (stale);
- on disk (a file or a link) and not generated: ``removed`` (left over by a declaration that
  changed or went away, or put there by hand). ``write`` drops it: the new tree is exactly the
  render.

Containment. ``generated/`` must be a real directory; a symbolic link inside it that points
outside it is refused (``RepositoryError``), as is anything that is not a file, directory or
link. ``write`` builds the complete new tree in the sibling ``.generated.new/`` (new files made
durable by one syncfs, every directory fsynced, unchanged files hard-linked from the old tree),
then swaps it in (``pipeline.io.atomic``): at every instant generated/ is the complete old or
the complete new tree. New files are created with ``O_EXCL | O_NOFOLLOW`` inside the staging
directory this run just made, so no write can land outside it, and nothing is ever unlinked by a
path read from a file.
"""

from __future__ import annotations

import contextlib
import enum
import os
import posixpath
import stat
import time
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from sys import intern
from typing import Protocol

from pipeline import layout
from pipeline.changes import Change, Kind
from pipeline.errors import DeployError, LockError, RepositoryError
from pipeline.i18n import _
from pipeline.io import atomic, cache


@dataclass(frozen=True)
class Summary:
    changes: tuple[Change, ...]
    unchanged: int

    def count(self, kind: Kind) -> int:
        return sum(1 for c in self.changes if c.kind is kind)

    def line(self) -> str:
        # Kind's values (added, changed, removed) are msgids too (pipeline.plan's N_ words).
        counts = ", ".join(f"{self.count(k)} {_(k.value)}" for k in Kind)
        verb = _("written") if self.changes else _("already up to date")
        return _("{generated}/ {verb}: {counts}, {unchanged} unchanged").format(
            generated=layout.GENERATED, verb=verb, counts=counts, unchanged=self.unchanged
        )


# -- what is on disk -----------------------------------------------------------------------------


class _Entry(enum.Enum):
    FILE = "file"
    DIR = "dir"
    LINK = "link"


@dataclass
class Scan:
    """Everything under generated/ (relative posix paths); ``stats``: each regular file's
    "size:mtime_ns:ctime_ns:inode", when asked for."""

    entries: dict[str, _Entry] = field(default_factory=dict)
    stats: dict[str, str] = field(default_factory=dict)


def stat_signature(info: os.stat_result) -> str:
    """What stands for a file's content while it is unchanged (``Scan.stats``)."""
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"


def scan(gen: Path, *, stats: bool = False) -> Scan:
    """generated/ as it is, refusing what could lead outside it."""
    if gen.is_symlink():
        raise RepositoryError(
            _("{gen} is a symbolic link; oppkobling writes only into a real {GENERATED}/ directory").format(
                gen=gen, GENERATED=layout.GENERATED
            )
        )
    found = Scan()
    if not gen.exists():
        return found
    if not gen.is_dir():
        raise RepositoryError(_("{gen} is not a directory").format(gen=gen))
    real = gen.resolve()
    # Plain strings, not Path objects, one scandir per directory: generated/ holds tens of
    # thousands of files at scale.
    base = os.fspath(gen)
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        with os.scandir(f"{base}/{rel_dir}" if rel_dir else base) as it:
            listed = list(it)
        for entry in listed:
            # Interned: the same path is held by the scan, the spare's listing, the render and what
            # the last build vouched for (216k paths at 4x): one string instead of four.
            rel = intern(f"{rel_dir}/{entry.name}" if rel_dir else entry.name)
            # The kind comes from the listing (d_type; scandir falls back to lstat where the file
            # system gives none); only a regular file whose signature is wanted is stat'ed, and
            # that stat, not the listing, decides its kind.
            if entry.is_symlink():
                mode = stat.S_IFLNK
            elif entry.is_dir(follow_symlinks=False):
                mode = stat.S_IFDIR
            elif stats or not entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                mode = info.st_mode
            else:
                mode = stat.S_IFREG
            if stat.S_ISLNK(mode):
                try:
                    inside = Path(entry.path).resolve().is_relative_to(real)
                except (RuntimeError, OSError):  # a link loop
                    inside = False
                if not inside:
                    raise RepositoryError(
                        _(
                            "{in_generated} is a symbolic link pointing outside {GENERATED}/ (or a loop); "
                            "oppkobling never writes through it: remove the link"
                        ).format(in_generated=layout.in_generated(rel), GENERATED=layout.GENERATED)
                    )
                found.entries[rel] = _Entry.LINK
            elif stat.S_ISDIR(mode):
                found.entries[rel] = _Entry.DIR
                stack.append(rel)
            elif stat.S_ISREG(mode):
                found.entries[rel] = _Entry.FILE
                if stats:
                    found.stats[rel] = stat_signature(info)
            else:
                raise RepositoryError(
                    _("{in_generated} is not a regular file, directory or link").format(
                        in_generated=layout.in_generated(rel)
                    )
                )
    return found


# -- the judgement -------------------------------------------------------------------------------


def _judge(entry: _Entry | None, same_content: Callable[[], bool]) -> Kind | None:
    """A generated path against what is on disk there: missing, stale, or as generated (None)."""
    if entry is None:
        return Kind.ADDED
    if entry is not _Entry.FILE or not same_content():
        return Kind.CHANGED
    return None


def extras(on_disk: Scan, generated: Container[str]) -> list[Change]:
    """Every file or link on disk that the declarations do not generate."""
    return [
        Change(rel, Kind.REMOVED) for rel, e in on_disk.entries.items() if e is not _Entry.DIR and rel not in generated
    ]


def vouches(recorded: str, signature: str) -> bool:
    """Whether what was recorded of a file when its content was last shown to be right
    ("size:mtime:ctime:inode|recorded-at") still stands for the file with ``signature`` now: the
    same stat, recorded when its mtime was already settled (see ``pipeline.io.cache``)."""
    old_signature, __, at = recorded.partition("|")
    if old_signature != signature or not at.isdigit():
        return False
    return int(at) - int(signature.split(":")[1]) >= cache.SETTLED_NS


def differences(
    root: Path, expected: Mapping[str, str], vouched: Mapping[str, str] | None = None
) -> tuple[list[Change], dict[str, str]]:
    """How generated/ on disk differs from ``expected`` (path -> sha256 of what the declarations
    generate), sorted by path. A file is read and hashed unless ``vouched`` (recorded when it last
    matched: "size:mtime:ctime:inode|recorded-at") shows the same stat, recorded when its mtime
    was already settled (see ``pipeline.io.cache``). Also returns what can be vouched for next time."""
    gen = root / layout.GENERATED
    on_disk = scan(gen, stats=True)
    vouched = vouched or {}
    now = time.time_ns()
    changes: list[Change] = []
    matched: dict[str, str] = {}
    for path, sha in expected.items():

        def same(path: str = path, sha: str = sha) -> bool:
            signature = on_disk.stats[path]
            old = vouched.get(path)
            if old is not None and vouches(old, signature):
                matched[path] = old
                return True
            if cache.sha_file(gen / path) != sha:
                return False
            matched[path] = f"{signature}|{now}"
            return True

        kind = _judge(on_disk.entries.get(path), same)
        if kind is not None:
            changes.append(Change(path, kind))
    return sorted([*changes, *extras(on_disk, expected)]), matched


# -- writing generated/ ----------------------------------------------------------------------------


class Remembered(Protocol):
    """A file whose bytes are not given, only their sha256: what an earlier build wrote of a
    render part remembered for the same inputs (``pipeline.render.generators.Kept``)."""

    @property
    def sha(self) -> str: ...


class NotAsRemembered(Exception):
    """A remembered file is not on disk as remembered: its bytes must be rendered after all."""


# A render: the files in memory, or streamed as (path, bytes) pairs so that a national tree is
# never held whole (pipeline.render.generators.render yields one kommune at a time).
Files = Mapping[str, bytes] | Iterable[tuple[str, bytes | Remembered]]


def _pairs(files: Files) -> Iterator[tuple[str, bytes | Remembered]]:
    return iter(files.items()) if isinstance(files, Mapping) else iter(files)


# path -> (sha256 of the content it was last shown to hold, "size:mtime:ctime:inode|recorded-at"
# then): what an earlier build knows of generated/ (``pipeline.io.cache.Renders.known``).
Vouched = Mapping[str, tuple[str, str]]


def _same(gen: Path, path: str, content: bytes | Remembered, signature: str | None, vouched: Vouched) -> bool:
    if isinstance(content, bytes):
        return (gen / path).read_bytes() == content
    if _vouched(path, content, signature, vouched):
        return True
    return cache.sha_file(gen / path) == content.sha


def _vouched(path: str, content: Remembered, signature: str | None, vouched: Vouched) -> bool:
    """A remembered file, untouched since it was last shown to hold these bytes."""
    known = vouched.get(path)
    return known is not None and signature is not None and known[0] == content.sha and vouches(known[1], signature)


def _inode(stats: str) -> int:
    return int(stats.rsplit(":", 1)[1])  # the last field of ``stat_signature``


class _Staging:
    """Where the next generated/ is made before it is swapped in.

    With a spare (``atomic.spare``: the tree the last write swapped out) and generated/ in place,
    the spare is brought up to date and exchanged with generated/, so a write costs what changed,
    not the whole tree. Nothing in the spare is trusted by itself: a file is kept there only when
    it is the very inode generated/ holds at that path (the same file, whose content the writer
    has just judged), every other one is replaced (a changed file written, an unchanged one hard
    linked from generated/), everything else removed, and only real directories are entered (a
    link is unlinked, never followed). Otherwise a new tree is made in ``atomic.staging`` (new
    files written, unchanged ones hard linked); the tree it replaces becomes the spare, and a
    tree written from nothing leaves a mirror of itself (hard links) as the next spare."""

    def __init__(self, gen: Path, on_disk: Scan) -> None:
        self.gen = gen
        self.on_disk = on_disk
        self.spare = atomic.spare(gen)
        self.dir = atomic.staging(gen)
        self.reusing = False
        self.found: dict[str, tuple[_Entry | None, int]] = {}  # the spare as found: kind, inode
        self.made: set[str] = set()
        self.touched: set[str] = set()  # written or linked into the spare

    def _spare_found(self) -> dict[str, tuple[_Entry | None, int]] | None:
        """Every entry of the spare (links not followed), with its kind and inode as the directory
        lists them (no stat per file: d_type and d_ino, which POSIX makes the file's serial number;
        a file system where one file's d_ino is not its st_ino gets no spare), or None when it
        cannot serve."""
        try:
            home, info, live = self.spare.parent.lstat(), self.spare.lstat(), self.gen.lstat()
        except OSError:
            return None
        if not (stat.S_ISDIR(home.st_mode) and stat.S_ISDIR(info.st_mode) and info.st_dev == live.st_dev):
            return None
        found: dict[str, tuple[_Entry | None, int]] = {}
        base = os.fspath(self.spare)
        stack = [""]
        while stack:
            rel_dir = stack.pop()
            with os.scandir(f"{base}/{rel_dir}" if rel_dir else base) as entries:
                for entry in entries:
                    rel = intern(f"{rel_dir}/{entry.name}" if rel_dir else entry.name)  # as in ``scan``
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(rel)
                        found[rel] = (_Entry.DIR, entry.inode())
                    else:
                        found[rel] = (_Entry.FILE if entry.is_file(follow_symlinks=False) else None, entry.inode())
        sample = next((rel for rel, (kind, __) in found.items() if kind is _Entry.FILE), None)
        if sample is not None and os.lstat(f"{base}/{sample}").st_ino != found[sample][1]:
            return None
        return found

    def open(self) -> None:
        if self.on_disk.entries or self.gen.is_dir():
            found = self._spare_found()
            if found is not None:
                self.found, self.dir, self.reusing = found, self.spare, True
                return
        self.dir.mkdir()

    def _dirs(self, rel_dir: str) -> None:
        """``rel_dir`` in the spare as real directories: whatever else is in the way is removed."""
        if rel_dir in self.made:
            return
        current = ""
        for part in rel_dir.split("/") if rel_dir else ():
            current = f"{current}/{part}" if current else part
            if current in self.made:
                continue
            path = self.dir / current
            try:
                if not stat.S_ISDIR(path.lstat().st_mode):
                    path.unlink()
                    path.mkdir()
            except FileNotFoundError:
                path.mkdir()
            self.made.add(current)

    def _into_place(self, rel: str, fill: Callable[[Path], None]) -> None:
        """``rel`` in the spare made by ``fill`` at a temporary name and renamed over what was there."""
        self._dirs(posixpath.dirname(rel))
        target = self.dir / rel
        if target.is_dir() and not target.is_symlink():
            atomic.remove(target)
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        if os.path.lexists(temp):
            temp.unlink()
        fill(temp)
        temp.rename(target)  # over what was there: atomic within the directory
        self.touched.add(rel)

    def put(self, rel: str, content: bytes) -> None:
        if self.reusing:
            self._into_place(rel, lambda temp: atomic.write_file(temp, content, sync=False))
            return
        atomic.makedirs(self.dir, posixpath.dirname(rel), self.made)
        # Not fsynced one by one: the whole staging tree is flushed with one syncfs() before it is
        # swapped in (tens of thousands of fsyncs took most of a national build).
        atomic.write_file(self.dir / rel, content, sync=False)

    def keep(self, rel: str) -> None:
        """An unchanged file into the new tree: the inode generated/ holds (its bytes are already
        on disk and synced), or a copy where links are impossible."""
        if self.reusing:
            kind, inode = self.found.get(rel, (None, -1))
            if kind is _Entry.FILE and inode == _inode(self.on_disk.stats[rel]) and rel not in self.touched:
                return  # the very file generated/ holds
            self._into_place(rel, lambda temp: _link(self.gen / rel, temp))
            return
        atomic.makedirs(self.dir, posixpath.dirname(rel), self.made)
        _link(self.gen / rel, self.dir / rel)

    def finish(self, produced: set[str]) -> None:
        """Remove from the spare everything the new tree does not hold."""
        if not self.reusing:
            return
        needed: set[str] = set()
        for rel_dir in {rel.rpartition("/")[0] for rel in produced}:  # posixpath.dirname, quicker
            while rel_dir and rel_dir not in needed:
                needed.add(rel_dir)
                rel_dir = rel_dir.rpartition("/")[0]
        for rel, (kind, __) in self.found.items():  # any order: what a removed directory held is gone
            if rel in produced or (kind is _Entry.DIR and rel in needed):
                continue  # what it should be, or replaced already
            path = self.dir / rel
            if os.path.lexists(path) and rel not in self.made:
                atomic.remove(path)

    def swap_in(self, produced: Iterable[str]) -> None:
        if self.reusing:
            atomic.exchange(self.gen, self.dir)
            return
        if not os.path.lexists(self.gen):
            self.dir.rename(self.gen)
            atomic.fsync_dir(self.gen.parent)
            self._mirror(produced)
            return
        atomic.exchange(self.gen, self.dir)  # the old tree is now at atomic.staging: the next spare
        atomic.spare_home(self.gen)
        if os.path.lexists(self.spare):
            atomic.remove(self.spare)
        self.dir.rename(self.spare)

    def _mirror(self, produced: Iterable[str]) -> None:
        """The next spare for a tree written from nothing: a hard link of each of its files (made
        at a temporary name and renamed in, so a crash leaves no half mirror; best effort: a write
        without a spare only costs more)."""
        home = atomic.spare_home(self.gen)
        temp = home / f".tree.{os.getpid()}.tmp"
        try:
            if os.path.lexists(temp):
                atomic.remove(temp)
            base, made = os.fspath(self.gen), set[str]()
            temp.mkdir()
            for rel in sorted(produced):
                atomic.makedirs(temp, posixpath.dirname(rel), made)
                os.link(f"{base}/{rel}", f"{os.fspath(temp)}/{rel}", follow_symlinks=False)
            if os.path.lexists(self.spare):
                atomic.remove(self.spare)
            temp.rename(self.spare)
        except OSError:
            with contextlib.suppress(OSError):
                atomic.remove(temp)

    def vouched_after(self, produced: Iterable[str], at: int) -> dict[str, str]:
        """What vouches for each file of the tree now in place: the stat of the files that were
        not touched is the one judged at the start (the same inodes); the others are looked at."""
        if not self.reusing:
            # Linking changed every kept file's ctime: what vouches for the tree is its stat now.
            stats = scan(self.gen, stats=True).stats
            return {path: f"{stats[path]}|{at}" for path in produced if path in stats}
        vouched: dict[str, str] = {}
        base = os.fspath(self.gen)
        for path in produced:
            now = stat_signature(os.lstat(f"{base}/{path}")) if path in self.touched else self.on_disk.stats[path]
            vouched[path] = f"{now}|{at}"
        return vouched

    def cleanup(self) -> None:
        staging = atomic.staging(self.gen)
        if os.path.lexists(staging):
            with contextlib.suppress(OSError):  # the next run removes what is left (recover)
                atomic.remove(staging)


def _link(source: Path, target: Path) -> None:
    # Plain os calls: at national scale this runs for tens of thousands of files.
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        atomic.write_file(target, source.read_bytes(), sync=False)


def write(
    root: Path,
    files: Files,
    *,
    held: atomic.Lock | None = None,
    vouched: Vouched | None = None,
    matched: dict[str, str] | None = None,
) -> Summary:
    """Make ``generated/`` hold exactly ``files``. Takes the repository lock unless the caller
    already holds it (``held``). Writes nothing when nothing changed, so an up-to-date tree
    keeps its bytes and times.

    ``files`` may be a stream: each file is judged against the disk as it comes, a new or changed
    one written into the staging tree at once and an unchanged one remembered, so memory holds one
    file at a time. Only when something changed are the unchanged files linked into the staging
    tree and the tree swapped in; a failure at any point (an unsafe path, a full disk) leaves the
    old tree as it was.

    A remembered file (``Remembered``) is not read when ``vouched`` shows it unchanged since it
    last held those bytes (same stat, settled); any other is read and compared. ``matched``
    receives what vouches for each file of the tree as written, for the next run."""
    if isinstance(files, Mapping):  # everything checked before anything is touched
        for path in files:
            layout.check_generated(path)
    if held is not None and held.shared:
        raise LockError(_("writing {GENERATED}/ needs the exclusive lock").format(GENERATED=layout.GENERATED))
    with contextlib.nullcontext(held) if held is not None else atomic.repo_lock(root):
        gen = root / layout.GENERATED
        try:
            atomic.recover(gen)
        except OSError as exc:
            raise RepositoryError(
                _(
                    "cannot clean up after an earlier run ({value}: {strerror}); {GENERATED}/ is "
                    "unchanged: make the directory writable, or remove the leftover by hand"
                ).format(value=exc.filename or gen, strerror=exc.strerror, GENERATED=layout.GENERATED)
            ) from None
        try:
            return _write(root, gen, files, vouched or {}, {} if matched is None else matched)
        except OSError as exc:  # a full disk, a read-only file system, a permission
            where = exc.filename or gen
            raise RepositoryError(
                _(
                    "cannot write {GENERATED}/ ({where}: {strerror}); nothing was changed: "
                    "{GENERATED}/ is the old tree, whole"
                ).format(GENERATED=layout.GENERATED, where=where, strerror=exc.strerror)
            ) from None


def _write(root: Path, gen: Path, files: Files, vouched: Vouched, matched: dict[str, str]) -> Summary:
    """The body of ``write``, the lock held and leftovers recovered."""
    on_disk = scan(gen, stats=True)
    now = time.time_ns()
    stage = _Staging(gen, on_disk)
    produced: set[str] = set()
    unchanged: list[str] = []
    changes: list[Change] = []
    try:
        stats = on_disk.stats
        for path, content in _pairs(files):
            layout.check_generated(path)
            produced.add(path)
            signature = stats.get(path)
            if not isinstance(content, bytes) and _vouched(path, content, signature, vouched):
                # Most files of a build after an edit, judged without ``_judge``'s closure: only a
                # regular file has a signature.
                unchanged.append(path)
                continue
            kind = _judge(on_disk.entries.get(path), lambda: _same(gen, path, content, signature, vouched))  # noqa: B023
            if kind is None:
                unchanged.append(path)
                continue
            if not isinstance(content, bytes):
                raise NotAsRemembered(path)
            if not changes:
                stage.open()
            changes.append(Change(path, kind))
            stage.put(path, content)
        started = bool(changes)
        changes = sorted([*changes, *extras(on_disk, produced)])
        summary = Summary(tuple(changes), len(unchanged))
        if not changes:
            # Every file was judged unchanged, so it is a regular file with a stat (``_judge``).
            matched.update((path, f"{stats[path]}|{now}") for path in unchanged)
            return summary
        if not started:
            stage.open()
        for rel in unchanged:
            stage.keep(rel)
        stage.finish(produced)
        # Every file written above in one call; on Linux that covers every directory too (an fsync
        # of each of the thousands of directories took a third of a build after one edit).
        if not atomic.sync_filesystem(stage.dir):
            atomic.fsync_tree(stage.dir)
        stage.swap_in(produced)
        # Written files are too fresh to be vouched for (``vouches``): they are read next time.
        matched.update(stage.vouched_after(produced, time.time_ns()))
    finally:
        stage.cleanup()
    return summary


# -- reading one HF's part (what a deploy ships) -----------------------------------------------


def read_hf(root: Path, hf: str) -> dict[str, bytes]:
    """``generated/<hf>/`` as {relative posix path: bytes}; symlinks are refused."""
    base = root / layout.GENERATED / hf
    if not base.is_dir():
        raise DeployError(
            _("nothing generated for {hf}: {in_generated}/ is missing (run 'oppkobling build')").format(
                hf=hf, in_generated=layout.in_generated(hf)
            )
        )
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        for name in (*filenames, *dirnames):
            if stat.S_ISLNK((here / name).lstat().st_mode):
                raise DeployError(
                    _("{relative_to} is a symlink: {GENERATED}/ never holds one").format(
                        relative_to=(here / name).relative_to(root), GENERATED=layout.GENERATED
                    )
                )
        for name in filenames:
            files[(here / name).relative_to(base).as_posix()] = (here / name).read_bytes()
    if not files:
        raise DeployError(
            _("nothing generated for {hf}: {in_generated}/ is empty (run 'oppkobling build')").format(
                hf=hf, in_generated=layout.in_generated(hf)
            )
        )
    return dict(sorted(files.items()))
