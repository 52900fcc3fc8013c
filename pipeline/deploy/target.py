"""What a deploy target is: where it lives (a spec) and what it can do (the ``Target`` protocol).

Every target has the same layout under its root (names in ``pipeline.layout``)::

    releases/<id>/...                       one complete copy of generated/<hf-key>/ per deploy
    releases/<id>/.oppkobling-deploy.json   the deploy record, written after every file
    current                                 names the release being served (switched atomically)
    deploy.lock                             present while a deploy or rollback runs

Implementations only move bytes; preview, apply, drift and rollback live in ``pipeline.deploy.engine``.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import unquote, urlsplit

from pipeline.errors import DeployError, UsageError
from pipeline.i18n import _
from pipeline.layout import is_safe_relative

RELEASE_ID = re.compile(r"^r(?P<seq>[0-9]{6})-(?P<stamp>[0-9]{8}T[0-9]{6}Z)$")


def check_release_id(value: str, where: str) -> str:
    """Release ids become paths: only accept the ones oppkobling writes."""
    if not RELEASE_ID.match(value):
        raise DeployError(
            _("{where} names {value!r}, which is not a release oppkobling wrote").format(where=where, value=value)
        )
    return value


def check_relative(path: str) -> str:
    if not is_safe_relative(path):
        raise DeployError(_("unsafe path {path!r} for a deploy target").format(path=path))
    return path


@dataclass(frozen=True)
class DirSpec:
    path: Path

    def __str__(self) -> str:
        return f"dir:{self.path}"


@dataclass(frozen=True)
class SftpSpec:
    user: str
    host: str
    port: int
    path: str

    def __str__(self) -> str:
        return f"sftp://{self.user}@{self.host}:{self.port}{self.path}"


TargetSpec = DirSpec | SftpSpec


def parse_spec(text: str, base: Path) -> TargetSpec:
    """``dir:PATH`` (relative to ``base``) or ``sftp://[USER@]HOST[:PORT]/PATH``.

    The SFTP path is absolute on the server; ``/~/x`` means ``x`` in the login directory.
    """
    if text.startswith("dir:"):
        raw = text.removeprefix("dir:")
        if not raw:
            raise UsageError(_("target 'dir:' needs a path, e.g. dir:/srv/meldingstjener/st-olavs"))
        p = Path(raw).expanduser()
        return DirSpec((p if p.is_absolute() else base / p).resolve())
    if text.startswith("sftp://"):
        url = urlsplit(text)
        if not url.hostname or url.password or url.query or url.fragment:
            raise UsageError(
                _("target {text!r}: expected sftp://USER@HOST:PORT/PATH (no password, query or fragment)").format(
                    text=text
                )
            )
        try:
            port = url.port or 22
        except ValueError:
            raise UsageError(_("target {text!r}: the port is not a number from 1 to 65535").format(text=text)) from None
        path = unquote(url.path)
        if path.startswith("/~/"):
            path = path[3:]
        elif path == "/~":
            path = "."
        if not path or path == "/":
            raise UsageError(
                _("target {text!r}: give the directory the message server reads, not the root").format(text=text)
            )
        return SftpSpec(unquote(url.username) if url.username else getpass.getuser(), url.hostname, port, path)
    raise UsageError(_("unknown target {text!r}: use dir:PATH or sftp://USER@HOST:PORT/PATH").format(text=text))


def join(root: str, rel: str) -> str:
    return str(PurePosixPath(root) / rel) if rel else root


class Target(Protocol):
    """The byte-moving operations a deploy needs, with paths relative to the target's root.

    Failures are raised as ``pipeline.errors.DeployError``.
    """

    @property
    def description(self) -> str: ...

    def ensure_root(self) -> None:
        """Create the root directory (not its parents) if it is missing."""

    def list_dir(self, rel: str) -> list[str]:
        """Names directly under ``rel``, sorted; empty when it does not exist."""

    def list_files(self, rel: str) -> list[str]:
        """Every file below ``rel`` as a sorted posix path relative to it; empty when missing."""

    def read(self, rel: str) -> bytes | None:
        """The file's bytes, or None when it does not exist."""

    def write(self, rel: str, data: bytes) -> None:
        """Write a file, creating its directories; durable before returning."""

    def create_exclusive(self, rel: str, data: bytes) -> bool:
        """Create a file only if it does not exist; False when it does."""

    def remove(self, rel: str) -> None:
        """Remove a file; no error when it is already gone."""

    def remove_tree(self, rel: str) -> None:
        """Remove a directory and everything below it; no error when it is already gone."""

    def current(self) -> str | None:
        """The release id ``current`` names, or None before the first deploy."""

    def switch(self, release_id: str) -> None:
        """Make ``current`` name ``release_id`` in one atomic step."""

    def close(self) -> None: ...
