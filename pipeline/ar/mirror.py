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

Nothing is half-written: every answer is fetched (or every file read) and the result validated
with the snapshot reader first; only then are the changed files written to a staging directory
in the repository (same file system) and moved into place, one ``os.replace`` each. An error
before that point leaves the snapshot as it was. Unchanged files are not rewritten (their mtime
stays): a second run changes nothing.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ar import jsontext, paths, snapshot
from pipeline.ar.client import Client, Fetched
from pipeline.ar.errors import ArError
from pipeline.ar.jsontext import JsonError
from pipeline.ar.paths import CERTIFICATE_KINDS, Entry, Kind
from pipeline.ar.snapshot import Problem

STAGING_PREFIX = ".oppkobling-ar-"


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


@dataclass(frozen=True)
class _Plan:
    writes: dict[str, bytes]
    removals: list[str]
    unchanged: list[str]


def sync(root: Path, her_ids: Iterable[int], client: Client) -> Outcome:
    """Fetch ``her_ids`` from AR, then make their snapshot files what AR answered."""
    fetched = client.fetch(her_ids)
    desired: dict[str, bytes] = {}
    for answer in fetched:
        for kind in (Kind.PARTY, *CERTIFICATE_KINDS):
            body = answer.body(kind)
            if body is not None:
                desired[Entry(answer.her_id, kind).path] = jsontext.dump(body)
    for problem in snapshot.read(desired).problems:
        entry = paths.parse_path(problem.path)
        url = client.settings.url(entry) if entry else problem.path
        raise ArError(f"NHN's AR's answer to GET {url} does not fit the API's shape ({problem})")
    scope = {p for answer in fetched for p in (e.path for e in paths.entries(answer.her_id))}
    plan = _plan(root, desired, scope)
    _apply(root, plan)
    return _outcome(
        plan,
        not_in_ar=tuple(a.her_id for a in fetched if a.party is None),
        without_certificate=tuple(_missing_certificates(fetched)),
    )


def _missing_certificates(fetched: list[Fetched]) -> Iterable[Entry]:
    for answer in fetched:
        if answer.party is not None:
            yield from (Entry(answer.her_id, k) for k in CERTIFICATE_KINDS if answer.body(k) is None)


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
    plan = _plan(root, desired, set(desired) | removals)
    _apply(root, plan)
    return _outcome(plan)


def _outcome(plan: _Plan, not_in_ar: tuple[int, ...] = (), without_certificate: tuple[Entry, ...] = ()) -> Outcome:
    return Outcome(
        written=tuple(sorted(plan.writes)),
        removed=tuple(sorted(plan.removals)),
        unchanged=tuple(sorted(plan.unchanged)),
        not_in_ar=not_in_ar,
        without_certificate=without_certificate,
    )


def _expected_in(directory: Path) -> str:
    return paths.EXPECTED.replace(paths.SNAPSHOT_DIR, directory.as_posix())


def _read_directory(directory: Path) -> tuple[dict[str, bytes], list[Problem]]:
    if not directory.is_dir():
        raise ArError(f"{directory} is not a directory")
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
                problems.append(
                    Problem(path.as_posix(), 1, 1, f"file is larger than {jsontext.MAX_BYTES} bytes (1 MiB)")
                )
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


def _plan(root: Path, desired: Mapping[str, bytes], scope: set[str]) -> _Plan:
    """Which of the paths in ``scope`` change: written (new or different), removed (not desired)."""
    writes, removals, unchanged = {}, [], []
    for path in sorted(scope | set(desired)):
        target = root / path
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise ArError(f"{path} is not a plain file; the snapshot is written only over plain files")
        current = target.read_bytes() if target.is_file() else None
        if path in desired:
            if current == desired[path]:
                unchanged.append(path)
            else:
                writes[path] = desired[path]
        elif current is not None:
            removals.append(path)
    return _Plan(writes, removals, unchanged)


def _check_root(root: Path) -> None:
    partners = root / paths.SNAPSHOT_DIR.split("/")[0]
    if not partners.is_dir():
        raise ArError(f"{root} has no {partners.name}/ directory")
    real = root.resolve()
    for folder in (partners, root / paths.SNAPSHOT_DIR):
        if folder.is_symlink() or (folder.exists() and not folder.resolve().is_relative_to(real)):
            raise ArError(f"{folder} is a symbolic link; the snapshot is written only inside the repository")


def _apply(root: Path, plan: _Plan) -> None:
    if not plan.writes and not plan.removals:
        return
    _check_root(root)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
    try:
        staged = {}
        for index, (path, content) in enumerate(sorted(plan.writes.items())):
            file = staging / f"{index}.json"
            with file.open("wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            staged[path] = file
        touched: set[Path] = set()
        for path, file in staged.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            file.replace(target)
            touched.add(target.parent)
        for path in plan.removals:
            (root / path).unlink()
            touched.add((root / path).parent)
        for folder in sorted(touched, key=lambda p: len(p.parts), reverse=True):
            _fsync_directory(folder)
            _prune(root, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _prune(root: Path, folder: Path) -> None:
    """Remove ``folder`` and its parents up to ``partners/ar/<kind>/`` while they are empty."""
    stop = {root / paths.SNAPSHOT_DIR / "communicationparty", root / paths.SNAPSHOT_DIR / "certificate"}
    while folder not in stop and folder.is_relative_to(root / paths.SNAPSHOT_DIR) and folder.is_dir():
        if any(folder.iterdir()):
            return
        folder.rmdir()
        folder = folder.parent


def _fsync_directory(folder: Path) -> None:
    if not folder.is_dir():
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
