"""Preview, apply, drift and rollback: written once, for every ``Target``.

What a target serves is read back from it (every file of the current release, hashed), never
taken from its deploy record (``.oppkobling-deploy.json``), so a file edited by hand on the
server shows up as a change to heal and as drift.

The release chain. Each deploy record names the release that was served before it
(``previous``). ``rollback`` follows that chain from the release served, never the release
numbers: it serves the first earlier release that is complete and was not itself rolled back
away from, and marks the release it leaves (``.oppkobling-rolled-back.json``) so that nothing
ever serves it again. After r1 (good), r2 (bad), rollback, r3 (bad), rollback, r1 is served,
not r2. Pruning keeps what rollback would go to: the ``keep_releases`` releases along the chain
from the one just deployed; anything off the chain (rolled back away from, or older) goes.
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
from pipeline.i18n import _
from pipeline.layout import DEPLOY_LOCK, DEPLOY_RECORD, RELEASES, RESERVED_IN_RELEASE, ROLLED_BACK, release_dir


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
        if path in RESERVED_IN_RELEASE:
            continue
        data = target.read(f"{base}/{check_relative(path)}")
        if data is not None:
            files[path] = data
    return Served(current, files, read_record(target, current))


def preview(target: Target, release: Release) -> Preview:
    for path in release.files:
        check_relative(path)
        if path in RESERVED_IN_RELEASE:
            raise DeployError(
                _("{in_generated}/{path} uses a name reserved for oppkobling's own records").format(
                    in_generated=layout.in_generated(release.hf), path=path
                )
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
        return _(
            "{target}: {lock} is not a lock oppkobling wrote; nothing was changed. "
            "If no deploy is running, clear it with: {hint}"
        ).format(target=target.description, lock=DEPLOY_LOCK, hint=locking.hint)
    reason = stale_reason(info, now=now, this_host=locking.this_host, alive=locking.alive)
    if reason is None:
        return _("{target} is locked by another deploy: {holder}. Wait for it to finish, then try again.").format(
            target=target.description, holder=info.describe()
        )
    return _(
        "{target}: stale lock held by {holder}: {reason}. Nothing was changed. "
        "If no deploy is running, clear it with: {hint}"
    ).format(target=target.description, holder=info.describe(), reason=reason, hint=locking.hint)


def break_lock(target: Target) -> str | None:
    """Remove the lock whatever it is; returns a line saying whose it was."""
    data = target.read(DEPLOY_LOCK)
    if data is None:
        return None
    target.remove(DEPLOY_LOCK)
    info = LockInfo.from_bytes(data)
    return _("removed the lock held by {holder}").format(
        holder=info.describe() if info else _("an unreadable lock file")
    )


@contextlib.contextmanager
def hold(target: Target, locking: Locking, now: dt.datetime) -> Iterator[None]:
    mine = locking.info.to_bytes()
    if not target.create_exclusive(DEPLOY_LOCK, mine):
        data = target.read(DEPLOY_LOCK)
        if data is None:
            raise LockError(
                _("{description}: the lock was released while taking it; try again").format(
                    description=target.description
                )
            )
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
        raise DeployError(_("release numbers are exhausted (999999): archive the target and start afresh"))
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
                notes.append(_("removed incomplete release {r} (left by an interrupted deploy)").format(r=r))
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
        kept = set(chain(target, new, keep))
        for r in complete_releases(target):
            if r != new and r not in kept:
                target.remove_tree(release_dir(r))
                removed.append(r)
        return Applied(p, new, tuple(removed), tuple(notes))


def rolled_back(target: Target, release_id: str) -> bool:
    return target.read(f"{release_dir(release_id)}/{ROLLED_BACK}") is not None


def chain(target: Target, release_id: str, length: int) -> list[str]:
    """The releases rollback would go to from ``release_id``, in order, at most ``length``: each
    the first complete, not rolled-back release along the ``previous`` links of the one before."""
    found: list[str] = []
    seen = {release_id}
    at: str | None = release_id
    while at is not None and len(found) < length:
        doc = read_record(target, at)
        previous = doc.get("previous") if doc else None
        if not isinstance(previous, str) or previous in seen or not RELEASE_ID.match(previous):
            break
        seen.add(previous)
        if read_record(target, previous) is not None and not rolled_back(target, previous):
            found.append(previous)
        at = previous
    return found


@dataclass(frozen=True)
class RolledBack:
    previous: str
    release: str
    record: dict[str, Any] | None


def rollback(target: Target, *, locking: Locking, now: dt.datetime) -> RolledBack:
    """Switch ``current`` back along the release chain (see above), and mark the release left."""
    if target.current() is None:
        raise DeployError(
            _("{description} serves nothing yet: nothing to roll back").format(description=target.description)
        )
    with hold(target, locking, now):
        current = target.current()
        if current is None:
            raise DeployError(
                _("{description} serves nothing yet: nothing to roll back").format(description=target.description)
            )
        back = chain(target, current, 1)
        if not back:
            raise DeployError(
                _(
                    "{description}: no release before {current} is kept that was not rolled back "
                    "away from; cannot roll back (deploy a fixed release instead)"
                ).format(description=target.description, current=current)
            )
        mark = {
            "rolled_back_at": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "by": locking.info.owner,
            "to": back[0],
        }
        # Marked before the switch: a crash in between leaves it marked and still served, and the
        # next rollback goes on from it along the chain.
        target.write(f"{release_dir(current)}/{ROLLED_BACK}", (json.dumps(mark, sort_keys=True) + "\n").encode())
        target.switch(back[0])
        return RolledBack(current, back[0], read_record(target, back[0]))


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
    found, __ = changes.diff(digests(now.files), wanted)
    return Drift(target.description, now, tuple(found))
