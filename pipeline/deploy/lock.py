"""The lock a deploy holds on its target, and when a lock left behind counts as stale.

A stale lock is only ever reported: whoever clears it (``--break-lock``) decides that no deploy
is still running, since a process on another host cannot be seen from here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.i18n import _

STALE_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class LockInfo:
    owner: str
    pid: int
    host: str
    acquired_at: dt.datetime
    command: str

    def to_bytes(self) -> bytes:
        doc = {
            "owner": self.owner,
            "pid": self.pid,
            "host": self.host,
            "acquired_at": self.acquired_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": self.command,
        }
        return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> LockInfo | None:
        """None when the file is not a lock oppkobling wrote (reported as unreadable)."""
        try:
            doc = json.loads(data)
            at = dt.datetime.strptime(doc["acquired_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            return cls(str(doc["owner"]), int(doc["pid"]), str(doc["host"]), at, str(doc["command"]))
        except (ValueError, KeyError, TypeError):
            return None

    def describe(self) -> str:
        when = self.acquired_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return _("{owner} (pid {pid} on {host}, '{command}', since {when})").format(
            owner=self.owner, pid=self.pid, host=self.host, command=self.command, when=when
        )


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_reason(
    info: LockInfo,
    *,
    now: dt.datetime,
    this_host: str,
    alive: Callable[[int], bool] = pid_alive,
    stale_after: dt.timedelta = STALE_AFTER,
) -> str | None:
    """Why the lock is stale, or None while its holder may still be running."""
    if info.host == this_host and not alive(info.pid):
        return _("process {pid} on {host} is no longer running").format(pid=info.pid, host=info.host)
    age = now - info.acquired_at
    if age > stale_after:
        minutes = int(age.total_seconds() // 60)
        return _("it is {minutes} minutes old (a deploy takes far less than {limit})").format(
            minutes=minutes, limit=int(stale_after.total_seconds() // 60)
        )
    return None
