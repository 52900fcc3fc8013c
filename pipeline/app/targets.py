"""Which deploy target an HF has, how it is opened, and who holds its lock: what ``deploy``,
``rollback`` and ``drift`` share."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import shlex
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline import environment
from pipeline.deploy.dir_target import DirTarget
from pipeline.deploy.engine import Locking
from pipeline.deploy.lock import LockInfo
from pipeline.deploy.target import DirSpec, Target, TargetSpec, parse_spec
from pipeline.errors import DeployError, UsageError
from pipeline.i18n import _
from pipeline.io import git
from pipeline.model.declarations import DeclarationSet

ENV_KEY = environment.SSH_KEY
ENV_KEY_PASSPHRASE = environment.SSH_KEY_PASSPHRASE
ENV_KNOWN_HOSTS = environment.KNOWN_HOSTS
DEFAULT_KEEP = 5
SFTP_EXTRA = "pip install 'oppkobling[sftp]'"


@dataclass(frozen=True)
class Access:
    """How to log in to an SFTP target: the key and the known_hosts file given on the command line."""

    identity: Path | None = None
    known_hosts: Path | None = None


def resolve(decls: DeclarationSet, hf: str, override: str | None, root: Path) -> tuple[TargetSpec, int]:
    """The target for ``hf`` (``--target`` wins over the declaration) and how many releases to keep."""
    decl = decls.hf(hf)
    if decl is None:
        known = ", ".join(sorted(h.model.key for h in decls.helseforetak)) or _("none")
        raise UsageError(_("no helseforetak '{hf}' is declared (known: {known})").format(hf=hf, known=known))
    declared = decl.model.deploy
    keep = declared.keep_releases if declared else DEFAULT_KEEP
    text = override if override is not None else (declared.target if declared else None)
    if not text:
        raise UsageError(
            _("{path} declares no deploy.target: pass --target dir:PATH or sftp://USER@HOST:PORT/PATH").format(
                path=decl.path
            )
        )
    # A declared relative dir: path is relative to the repository; one on the command line, to the cwd.
    return parse_spec(text, Path.cwd() if override is not None else root), keep


def declared(decls: DeclarationSet) -> list[str]:
    """The HFs that declare a deploy target, by key."""
    return sorted(h.model.key for h in decls.helseforetak if h.model.deploy and h.model.deploy.target)


def _secret_file(given: Path | None, env: str, what: str, root: Path) -> Path | None:
    raw = given if given is not None else (Path(os.environ[env]) if os.environ.get(env) else None)
    if raw is None:
        return None
    path = raw.expanduser().resolve()
    if path.is_relative_to(root.resolve()):
        raise DeployError(
            _("refusing {what} {raw}: it is inside the repository; keep it outside and name it here").format(
                what=what, raw=raw
            )
        )
    if not path.is_file():
        raise DeployError(_("{what} {raw} is not a file").format(what=what, raw=raw))
    return path


@contextlib.contextmanager
def opened(spec: TargetSpec, access: Access, root: Path) -> Iterator[Target]:
    target: Target
    if isinstance(spec, DirSpec):
        target = DirTarget(spec.path)
    else:
        try:
            from pipeline.deploy.sftp_target import SftpTarget, connect
        except ImportError:  # paramiko is an optional extra: only this target needs it
            raise DeployError(
                _("{spec} needs SFTP support, which is not installed: {SFTP_EXTRA}").format(
                    spec=spec, SFTP_EXTRA=SFTP_EXTRA
                )
            ) from None
        identity = _secret_file(access.identity, ENV_KEY, "SSH key", root)
        if identity is None:
            raise DeployError(
                _("{spec} needs a login key: pass --identity FILE or set {ENV_KEY} to its path").format(
                    spec=spec, ENV_KEY=ENV_KEY
                )
            )
        known = _secret_file(access.known_hosts, ENV_KNOWN_HOSTS, "known_hosts file", root)
        if known is None:
            fallback = Path.home() / ".ssh" / "known_hosts"
            if not fallback.is_file():
                raise DeployError(
                    _(
                        "{spec}: no known_hosts file to check the host key: pass --known-hosts FILE or "
                        "set {ENV_KNOWN_HOSTS}"
                    ).format(spec=spec, ENV_KNOWN_HOSTS=ENV_KNOWN_HOSTS)
                )
            known = fallback
        client = connect(spec, known_hosts=known, identity=identity, passphrase=os.environ.get(ENV_KEY_PASSPHRASE))
        target = SftpTarget(spec, client)
    try:
        yield target
    finally:
        target.close()


def who(root: Path) -> str:
    return os.environ.get("USER") or git.user(root) or getpass.getuser()


def locking(command: str, hf: str, target_text: str | None, root: Path, now: dt.datetime) -> Locking:
    """Who takes the target's lock, and the command that would clear a stale one."""
    host = socket.gethostname()
    hint = ["oppkobling", command, "--hf", hf]
    if target_text is not None:
        hint += ["--target", target_text]
    hint.append("--break-lock")
    info = LockInfo(who(root), os.getpid(), host, now, f"oppkobling {command} --hf {hf}")
    return Locking(info, host, shlex.join(hint))
