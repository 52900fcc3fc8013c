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
                        _(
                            "{in_generated} is a symbolic link pointing outside {GENERATED}/ (or a loop); "
                            "oppkobling never writes through it: remove the link"
                        ).format(in_generated=layout.in_generated(rel), GENERATED=layout.GENERATED)
                    )
                found.entries[rel] = _Entry.LINK
            elif stat.S_ISDIR(mode):
                found.entries[rel] = _Entry.DIR
            elif stat.S_ISREG(mode):
                found.entries[rel] = _Entry.FILE
                if stats:
                    found.stats[rel] = f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"
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
    known = vouched.get(path)
    if known is not None and signature is not None and known[0] == content.sha and vouches(known[1], signature):
        return True  # a remembered file, untouched since it was last shown to hold these bytes
    return cache.sha_file(gen / path) == content.sha


def _keep(gen: Path, new: Path, rel: str, made: set[str]) -> None:
    """An unchanged file into the new tree: a hard link to the old one (its bytes are already on
    disk and synced), or a copy where links are impossible."""
    atomic.makedirs(new, posixpath.dirname(rel), made)
    # Plain strings, not Path objects: at national scale this runs for tens of thousands of files.
    source, target = f"{os.fspath(gen)}/{rel}", f"{os.fspath(new)}/{rel}"
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        atomic.write_file(Path(target), Path(source).read_bytes())


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
    new = atomic.staging(gen)
    produced: set[str] = set()
    unchanged: list[str] = []
    changes: list[Change] = []
    made: set[str] = set()
    try:
        for path, content in _pairs(files):
            layout.check_generated(path)
            produced.add(path)
            signature = on_disk.stats.get(path)
            kind = _judge(on_disk.entries.get(path), lambda: _same(gen, path, content, signature, vouched))  # noqa: B023
            if kind is None:
                unchanged.append(path)
                if signature is not None:
                    matched[path] = f"{signature}|{now}"
                continue
            if not isinstance(content, bytes):
                raise NotAsRemembered(path)
            if not changes:
                new.mkdir()
            changes.append(Change(path, kind))
            atomic.makedirs(new, posixpath.dirname(path), made)
            # Not fsynced one by one: the whole staging tree is flushed with one syncfs()
            # before it is swapped in (tens of thousands of fsyncs took most of a national build).
            atomic.write_file(new / path, content, sync=False)
        started = bool(changes)
        changes = sorted([*changes, *extras(on_disk, produced)])
        summary = Summary(tuple(changes), len(unchanged))
        if not changes:
            return summary
        matched.clear()
        if not started:
            new.mkdir()
        for rel in unchanged:
            _keep(gen, new, rel, made)
        # Every file written above in one call; on Linux that covers every directory too (an fsync
        # of each of the thousands of directories took a third of a build after one edit).
        if not atomic.sync_filesystem(new):
            atomic.fsync_tree(new)
        atomic.swap_in(gen)
        # Linking changed every kept file's ctime: what vouches for the tree is its stat now
        # (written files are too fresh to be vouched for: they are read next time).
        after = time.time_ns()
        matched.update(
            (path, f"{sig}|{after}") for path, sig in scan(gen, stats=True).stats.items() if path in produced
        )
    finally:
        if os.path.lexists(new):
            with contextlib.suppress(OSError):  # the next run removes what is left (recover)
                atomic.remove(new)
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
