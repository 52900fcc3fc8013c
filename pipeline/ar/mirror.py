"""Keeping ``partners/ar/`` in step with AR (I/O): ``sync`` from the API, ``import_directory`` from
files exported by hand. Both end in the same writer.

What is written is exactly the mirrored files, in the canonical form (sorted keys, two-space
indent, a final newline), so a pull request's diff shows what changed in AR:

- sync, for each HER-id asked for: its party file and its two certificate files as AR answers
  now. Whatever the snapshot held for it and AR no longer has goes: the party's files when AR
  answers 404 (the party is "not in AR", a result for R-K3, not an error), a certificate file
  when only that answers 404, a legacy file once the v1 answer stands in its place. HER-ids not
  asked for are not touched.
- import, for each file in DIR (laid out like the snapshot below ``partners/ar/``): that file;
  a party's other shape goes.

Nothing is half-written: each HER-id's answers are validated with the snapshot reader as they
arrive, and a changed file is written to a staging directory inside the repository (the same file
system), at its own path below it; only when every answer is in and valid are the staged files
moved into place, one rename each (a folder the snapshot lacks as a whole). An error before that
point removes the staging directory and leaves the snapshot as it was. Unchanged files are not
rewritten (their mtime stays): a second run changes nothing. Validating and staging happen in the
fetching threads, in the time they would otherwise spend waiting for AR.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from pipeline import layout
from pipeline.ar import jsontext, paths, snapshot
from pipeline.ar.client import Client, Fetched, shape_refusal
from pipeline.ar.jsontext import JsonError
from pipeline.ar.paths import CERTIFICATE_KINDS, Entry, Kind
from pipeline.ar.snapshot import Problem
from pipeline.errors import ArError
from pipeline.i18n import _

STAGING_PREFIX = layout.AR_STAGING_PREFIX


@dataclass(frozen=True)
class Outcome:
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    # Sync: HER-ids AR answered 404 for, and certificates AR has none of (both finding-grade).
    not_in_ar: tuple[int, ...] = ()
    without_certificate: tuple[Entry, ...] = ()
    # Import: the files of DIR that were refused (then nothing was written).
    problems: tuple[Problem, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


@dataclass
class _Changes:
    """What changes for some paths; the written files are already staged."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def extend(self, other: _Changes) -> None:
        self.written += other.written
        self.removed += other.removed
        self.unchanged += other.unchanged


class _Staging:
    """A directory inside the repository for the files to be moved into place, made when the
    first file is staged; removed on leaving, moved or not. Files are staged at their own paths
    below it, so a folder the repository does not have yet (a new party's certificates, or the
    whole snapshot at a first sync) is moved in one rename rather than file by file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folder: str | None = None
        self._folders: set[str] = set()  # made below the staging directory
        self._lock = threading.Lock()

    def __enter__(self) -> _Staging:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def changes(self, desired: Mapping[str, bytes], scope: Iterable[str]) -> _Changes:
        """Stage what differs from the disk among ``scope`` and ``desired``; say what goes."""
        result = _Changes()
        for path in sorted(set(scope) | set(desired)):
            current = _current(os.path.join(self.root, path), path)  # noqa: PTH118 (see _current)
            if path not in desired:
                if current is not None:
                    result.removed.append(path)
            elif current == desired[path]:
                result.unchanged.append(path)
            else:
                self._stage(path, desired[path])
                result.written.append(path)
        return result

    def _stage(self, path: str, content: bytes) -> None:
        with self._lock:
            if self._folder is None:
                self._folder = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.root)
        file = os.path.join(self._folder, path)  # noqa: PTH118
        parent = os.path.dirname(file)  # noqa: PTH120
        # Outside the lock: a folder made costs the kernel as much as a file, and each party has
        # its own. Two threads making the same one is harmless (exist_ok).
        if parent not in self._folders:
            os.makedirs(parent, exist_ok=True)  # noqa: PTH103
            self._folders.add(parent)
        with open(file, "xb") as staged:  # noqa: PTH123
            staged.write(content)

    def commit(self, removals: Iterable[str]) -> None:
        removals = sorted(removals)
        if self._folder is None and not removals:
            return
        # One flush for all staged files before any is moved (a first national sync stages
        # thousands; a flush per file would cost more than fetching them).
        os.sync()
        if self._folder is not None:
            _move(self._folder, str(self.root))
        for path in removals:
            (self.root / path).unlink()
        for folder in sorted({(self.root / p).parent for p in removals}, key=lambda p: len(p.parts), reverse=True):
            _prune(self.root, folder)
        os.sync()  # and the moves themselves


def _move(staged: str, target: str) -> None:
    """What is staged below ``staged`` into place below ``target``: a folder ``target`` lacks in
    one rename, a file over the one there (or into its place)."""
    with os.scandir(staged) as found:
        items = sorted(found, key=lambda item: item.name)
    for item in items:
        to = os.path.join(target, item.name)  # noqa: PTH118
        if not item.is_dir(follow_symlinks=False):
            os.replace(item.path, to)  # noqa: PTH105
        elif os.path.lexists(to):
            _move(item.path, to)
        else:
            os.rename(item.path, to)  # noqa: PTH104


def _current(target: str, path: str) -> bytes | None:
    """The bytes of the plain file at ``target`` (``path`` in the repository), None when there
    is none; anything else there (a link, even a dangling one, a folder) is refused. One lstat
    and plain strings, not Paths: this runs for each of the four files of every party asked for,
    in the fetching threads, whose Python time is what bounds a national sync."""
    try:
        info = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(info.st_mode):
        raise ArError(_("{path} is not a plain file; the snapshot is written only over plain files").format(path=path))
    with open(target, "rb") as file:  # noqa: PTH123
        return file.read()


@dataclass(frozen=True)
class _Prepared:
    answer: Fetched
    problems: tuple[Problem, ...]
    changes: _Changes


def _prepare(staging: _Staging, answer: Fetched) -> _Prepared:
    """One HER-id's answers in the canonical form, validated, and staged where they changed."""
    desired = {
        Entry(answer.her_id, kind).path: jsontext.dump(body)
        for kind in (Kind.PARTY, *CERTIFICATE_KINDS)
        if (body := answer.body(kind)) is not None
    }
    problems = snapshot.read(desired).problems
    if problems:
        return _Prepared(answer, problems, _Changes())
    return _Prepared(answer, (), staging.changes(desired, (e.path for e in paths.entries(answer.her_id))))


def sync(root: Path, her_ids: Iterable[int], client: Client) -> Outcome:
    """Fetch ``her_ids`` from AR, then make their snapshot files what AR answered."""
    _check_root(root)
    with _Staging(root) as staging:
        prepared = client.fetch_each(her_ids, lambda answer: _prepare(staging, answer))
        for item in prepared:
            for problem in item.problems:
                entry = paths.parse_path(problem.path)
                if entry is not None and entry.kind is Kind.PARTY and item.answer.asked:
                    request = item.answer.asked
                else:
                    request = f"GET {client.settings.url(entry)}" if entry else problem.path
                raise ArError(shape_refusal(request, problem))
        changes = _Changes()
        for item in prepared:
            changes.extend(item.changes)
        staging.commit(changes.removed)
    answers = [item.answer for item in prepared]
    return _outcome(
        changes,
        not_in_ar=tuple(a.her_id for a in answers if a.party is None),
        without_certificate=tuple(
            Entry(a.her_id, k) for a in answers if a.party is not None for k in CERTIFICATE_KINDS if a.body(k) is None
        ),
    )


def import_directory(root: Path, directory: Path) -> Outcome:
    """Validate the files in ``directory`` and place them at their mirrored paths."""
    offered, problems = _read_directory(directory)
    desired: dict[str, bytes] = {}
    origin: dict[str, str] = {}
    for relative, raw in offered.items():
        entry = paths.parse_relative(relative)
        shown = (directory / relative).as_posix()
        if entry is None:
            problems.append(Problem(shown, 1, 1, f"not a place of an AR answer; expected {_expected_in(directory)}"))
            continue
        try:
            data = jsontext.load(raw).data
        except JsonError as exc:
            problems.append(Problem(shown, exc.line, exc.column, exc.message))
            continue
        desired[entry.path] = jsontext.dump(data)
        origin[entry.path] = shown
    removals: set[str] = set()
    for path in desired:
        entry = paths.parse_path(path)
        assert entry is not None
        if entry.kind in (Kind.PARTY, Kind.LEGACY):
            other = Entry(entry.her_id, Kind.LEGACY if entry.kind is Kind.PARTY else Kind.PARTY).path
            if other in desired:
                problems.append(Problem(origin[other], 1, 1, f"HER-id {entry.her_id} is in DIR in both shapes"))
            else:
                removals.add(other)
    # The snapshot as it will be for the HER-ids concerned, read as a whole.
    her_ids = {e.her_id for e in map(paths.parse_path, desired) if e is not None}
    result = {p: b for p, b in _existing(root, her_ids).items() if p not in removals} | desired
    for problem in snapshot.read(result).problems:
        source = origin.get(problem.path)
        problems.append(Problem(source, problem.line, problem.column, problem.message) if source else problem)
    if problems:
        return Outcome(problems=tuple(sorted(set(problems))))
    _check_root(root)
    with _Staging(root) as staging:
        changes = staging.changes(desired, removals)
        staging.commit(changes.removed)
    return _outcome(changes)


def _outcome(
    changes: _Changes, not_in_ar: tuple[int, ...] = (), without_certificate: tuple[Entry, ...] = ()
) -> Outcome:
    return Outcome(
        written=tuple(sorted(changes.written)),
        removed=tuple(sorted(changes.removed)),
        unchanged=tuple(sorted(changes.unchanged)),
        not_in_ar=not_in_ar,
        without_certificate=without_certificate,
    )


def _expected_in(directory: Path) -> str:
    return paths.EXPECTED.replace(paths.SNAPSHOT_DIR, directory.as_posix())


def _read_directory(directory: Path) -> tuple[dict[str, bytes], list[Problem]]:
    if not directory.is_dir():
        raise ArError(_("{directory} is not a directory").format(directory=directory))
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    for dirpath, dirnames, filenames in os.walk(directory, followlinks=False):
        here = Path(dirpath)
        for name in sorted(dirnames):
            if (here / name).is_symlink():
                dirnames.remove(name)
                problems.append(Problem((here / name).as_posix(), 1, 1, "a symbolic link is refused; give plain files"))
        for name in sorted(filenames):
            path = here / name
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                problems.append(
                    Problem(path.as_posix(), 1, 1, "not a regular file (a link, pipe or device) is refused")
                )
            elif info.st_size > jsontext.MAX_BYTES:
                problems.append(Problem(path.as_posix(), 1, 1, f"larger than {jsontext.MAX_BYTES} bytes (1 MiB)"))
            else:
                files[path.relative_to(directory).as_posix()] = path.read_bytes()
    return files, problems


def _existing(root: Path, her_ids: Iterable[int]) -> dict[str, bytes]:
    found = {}
    for her_id in her_ids:
        for entry in paths.entries(her_id):
            target = root / entry.path
            if target.is_file() and not target.is_symlink():
                found[entry.path] = target.read_bytes()
    return found


def _check_root(root: Path) -> None:
    partners = root / layout.PARTNERS
    if not partners.is_dir():
        raise ArError(_("{root} has no {name}/ directory").format(root=root, name=partners.name))
    real = root.resolve()
    for folder in (partners, root / paths.SNAPSHOT_DIR):
        if folder.is_symlink() or (folder.exists() and not folder.resolve().is_relative_to(real)):
            raise ArError(
                _("{folder} is a symbolic link; the snapshot is written only inside the repository").format(
                    folder=folder
                )
            )


def _prune(root: Path, folder: Path) -> None:
    """Remove ``folder`` and its parents up to ``partners/ar/<kind>/`` while they are empty."""
    stop = {root / paths.SNAPSHOT_DIR / folder for folder in layout.AR_FOLDERS}
    while folder not in stop and folder.is_relative_to(root / paths.SNAPSHOT_DIR) and folder.is_dir():
        if any(folder.iterdir()):
            return
        folder.rmdir()
        folder = folder.parent
