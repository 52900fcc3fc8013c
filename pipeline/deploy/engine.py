"""Preview, apply, drift and rollback: written once, for every ``Target``.

What a target serves is read back from it (every file of the current release, hashed), never
taken from its deploy record (``.oppkobling-deploy.json``), so a file edited by hand on the
server shows up as a change to heal and as drift.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline import __version__, changes, layout
from pipeline.agreements import index
from pipeline.changes import Change
from pipeline.deploy.lock import LockInfo, pid_alive, stale_reason
from pipeline.deploy.target import RELEASE_ID, Target, check_relative
from pipeline.errors import DeployError, LockError
from pipeline.layout import DEPLOY_LOCK, DEPLOY_RECORD, RELEASES, release_dir


@dataclass(frozen=True)
class Release:
    """What to deploy: ``generated/<hf>/`` as {relative posix path: bytes}, and where it came from."""

    hf: str
    files: Mapping[str, bytes]
    commit: str | None
    dirty: bool


@dataclass(frozen=True)
class Served:
    release: str | None
    files: dict[str, bytes]
    record: dict[str, Any] | None  # the release's deploy record


@dataclass(frozen=True)
class Preview:
    """What a deploy of ``release`` would change at the target."""

    target: str
    served: Served
    changes: tuple[Change, ...]
    unchanged: int
    agreements: tuple[index.StateChange, ...]

    @property
    def empty(self) -> bool:
        return not self.changes and self.served.release is not None


@dataclass(frozen=True)
class Applied:
    preview: Preview
    release: str | None
    removed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Locking:
    """Who takes the lock, and how to tell a stale lock from a live one."""

    info: LockInfo
    this_host: str
    hint: str
    alive: Callable[[int], bool] = field(default=pid_alive)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digests(files: Mapping[str, bytes]) -> dict[str, str]:
    return {p: sha256(c) for p, c in files.items()}


def read_record(target: Target, release_id: str) -> dict[str, Any] | None:
    """The deploy record of a release; None for an incomplete release (or one not ours)."""
    data = target.read(f"{release_dir(release_id)}/{DEPLOY_RECORD}")
    if data is None:
        return None
    try:
        doc = json.loads(data)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def releases(target: Target) -> list[str]:
    """Every release directory oppkobling wrote, complete or not, oldest first."""
    return sorted(name for name in target.list_dir(RELEASES) if RELEASE_ID.match(name))


def complete_releases(target: Target) -> list[str]:
    return [r for r in releases(target) if read_record(target, r) is not None]


def served(target: Target) -> Served:
    current = target.current()
    if current is None:
        return Served(None, {}, None)
    base = release_dir(current)
    files = {}
    for path in target.list_files(base):
        if path == DEPLOY_RECORD:
            continue
        data = target.read(f"{base}/{check_relative(path)}")
        if data is not None:
            files[path] = data
    return Served(current, files, read_record(target, current))


def preview(target: Target, release: Release) -> Preview:
    for path in release.files:
        check_relative(path)
        if path == DEPLOY_RECORD:
            raise DeployError(
                f"{layout.in_generated(release.hf)}/{DEPLOY_RECORD} uses a name reserved for the deployed manifest"
            )
    now = served(target)
    found, same = changes.diff(digests(now.files), digests(release.files))
    states = index.state_changes(now.files.get(layout.PARTNER_INDEX), release.files.get(layout.PARTNER_INDEX))
    return Preview(target.description, now, tuple(found), same, tuple(states))


def lock_status(target: Target, locking: Locking, now: dt.datetime) -> str | None:
    """A line for the preview when the target is locked (the preview itself needs no lock)."""
    data = target.read(DEPLOY_LOCK)
    if data is None:
        return None
    return _lock_message(target, data, locking, now)


def _lock_message(target: Target, data: bytes, locking: Locking, now: dt.datetime) -> str:
    info = LockInfo.from_bytes(data)
    if info is None:
        return (
            f"{target.description}: {DEPLOY_LOCK} is not a lock oppkobling wrote; nothing was changed. "
            f"If no deploy is running, clear it with: {locking.hint}"
        )
    reason = stale_reason(info, now=now, this_host=locking.this_host, alive=locking.alive)
    if reason is None:
        return (
            f"{target.description} is locked by another deploy: {info.describe()}. "
            "Wait for it to finish, then try again."
        )
    return (
        f"{target.description}: stale lock held by {info.describe()}: {reason}. Nothing was changed. "
        f"If no deploy is running, clear it with: {locking.hint}"
    )


def break_lock(target: Target) -> str | None:
    """Remove the lock whatever it is; returns a line saying whose it was."""
    data = target.read(DEPLOY_LOCK)
    if data is None:
        return None
    target.remove(DEPLOY_LOCK)
    info = LockInfo.from_bytes(data)
    return f"removed the lock held by {info.describe() if info else 'an unreadable lock file'}"


@contextlib.contextmanager
def hold(target: Target, locking: Locking, now: dt.datetime) -> Iterator[None]:
    mine = locking.info.to_bytes()
    if not target.create_exclusive(DEPLOY_LOCK, mine):
        data = target.read(DEPLOY_LOCK)
        if data is None:
            raise LockError(f"{target.description}: the lock was released while taking it; try again")
        raise LockError(_lock_message(target, data, locking, now))
    try:
        yield
    finally:
        # Only remove the lock if it is still ours (someone may have broken it meanwhile).
        with contextlib.suppress(DeployError):
            if target.read(DEPLOY_LOCK) == mine:
                target.remove(DEPLOY_LOCK)


def _next_id(existing: list[str], now: dt.datetime) -> str:
    seqs = [int(m["seq"]) for r in existing if (m := RELEASE_ID.match(r))]
    seq = max(seqs, default=0) + 1
    if seq > 999_999:
        raise DeployError("release numbers are exhausted (999999): archive the target and start afresh")
    return f"r{seq:06d}-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


def record(
    release: Release, release_id: str, *, target: str, who: str, now: dt.datetime, previous: str | None
) -> bytes:
    """The deploy record of a new release: what it holds, where it came from, who deployed it."""
    doc = {
        "release": release_id,
        "hf": release.hf,
        "target": target,
        "commit": release.commit,
        "dirty": release.dirty,
        "deployed_at": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "deployed_by": who,
        "previous": previous,
        "tool": "oppkobling",
        "tool_version": __version__,
        "files": {p: sha256(release.files[p]) for p in sorted(release.files)},
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def apply(
    target: Target,
    release: Release,
    *,
    keep: int,
    who: str,
    locking: Locking,
    now: dt.datetime,
) -> Applied:
    """Write a new release, then switch ``current`` to it; nothing at all when nothing changed.

    ``keep`` earlier complete releases stay for rollback; older ones, and releases an interrupted
    deploy left incomplete, are removed (only names oppkobling writes are ever touched).
    """
    target.ensure_root()
    with hold(target, locking, now):
        p = preview(target, release)
        if p.empty:
            return Applied(p, None)
        existing = releases(target)
        current = p.served.release
        removed: list[str] = []
        notes: list[str] = []
        for r in existing:
            if r != current and read_record(target, r) is None:
                target.remove_tree(release_dir(r))
                removed.append(r)
                notes.append(f"removed incomplete release {r} (left by an interrupted deploy)")
        new = _next_id(existing, now)
        base = release_dir(new)
        for path in sorted(release.files):
            target.write(f"{base}/{path}", release.files[path])
        # The record is written last: a release without it is incomplete and never switched to.
        target.write(
            f"{base}/{DEPLOY_RECORD}",
            record(release, new, target=target.description, who=who, now=now, previous=current),
        )
        target.switch(new)
        older = [r for r in complete_releases(target) if r != new]
        for r in older[: max(len(older) - keep, 0)]:
            target.remove_tree(release_dir(r))
            removed.append(r)
        return Applied(p, new, tuple(removed), tuple(notes))


@dataclass(frozen=True)
class RolledBack:
    previous: str
    release: str
    record: dict[str, Any] | None


def rollback(target: Target, *, locking: Locking, now: dt.datetime) -> RolledBack:
    """Switch ``current`` to the newest complete release older than the one served."""
    if target.current() is None:
        raise DeployError(f"{target.description} serves nothing yet: nothing to roll back")
    with hold(target, locking, now):
        current = target.current()
        if current is None:
            raise DeployError(f"{target.description} serves nothing yet: nothing to roll back")
        earlier = [r for r in complete_releases(target) if r < current]
        if not earlier:
            raise DeployError(f"{target.description}: no release older than {current} is kept; cannot roll back")
        back = earlier[-1]
        target.switch(back)
        return RolledBack(current, back, read_record(target, back))


@dataclass(frozen=True)
class Drift:
    target: str
    served: Served
    differences: tuple[Change, ...]

    @property
    def clean(self) -> bool:
        return not self.differences


def drift(target: Target, wanted: Mapping[str, str]) -> Drift:
    """What the target serves against ``wanted`` (path -> sha256): missing (added), extra
    (removed), changed."""
    now = served(target)
    found, _ = changes.diff(digests(now.files), wanted)
    return Drift(target.description, now, tuple(found))
