"""``oppkobling deploy``: show what a deploy would change at an HF's message server; apply it.

Also the glue ``rollback`` and ``drift`` share: which target, how to open it, who holds the lock.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shlex
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

from pipeline.cli import common
from pipeline.deploy import engine, local, report
from pipeline.deploy.dirtarget import DirTarget
from pipeline.deploy.engine import Locking, Release
from pipeline.deploy.lock import LockInfo
from pipeline.deploy.sftp import SftpTarget, connect
from pipeline.deploy.target import DirSpec, Target, TargetSpec, parse_spec
from pipeline.errors import DeployError, UsageError
from pipeline.findings import Severity, has_errors
from pipeline.model.declarations import DeclarationSet
from pipeline.reporters import REPORTERS

NAME = "deploy"
HELP = "show what a deploy would change at an HF's message server; with --apply, deploy it"

ENV_KEY = "OPPKOBLING_SSH_KEY"
ENV_KEY_PASSPHRASE = "OPPKOBLING_SSH_KEY_PASSPHRASE"  # noqa: S105 (the name of a variable, not a secret)
ENV_KNOWN_HOSTS = "OPPKOBLING_KNOWN_HOSTS"
DEFAULT_KEEP = 5


def add_target_options(parser: argparse.ArgumentParser, *, hf_required: bool = True) -> None:
    parser.add_argument("--hf", required=hf_required, metavar="KEY", help="the helseforetak's key, e.g. st-olavs")
    parser.add_argument(
        "--target",
        metavar="TARGET",
        help="dir:PATH or sftp://USER@HOST:PORT/PATH (default: deploy.target in the HF's declaration)",
    )
    parser.add_argument(
        "--known-hosts",
        type=Path,
        metavar="FILE",
        help=f"known_hosts file holding the SFTP server's host key (default: ${ENV_KNOWN_HOSTS}, "
        "then ~/.ssh/known_hosts); unknown hosts are refused",
    )
    parser.add_argument(
        "--identity",
        type=Path,
        metavar="FILE",
        help=f"private key for SFTP login (default: ${ENV_KEY}); never a file inside the repository",
    )
    common.add_root(parser)


def add_break_lock(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--break-lock",
        action="store_true",
        help="remove the target's lock first (only when you know no deploy is running there)",
    )


def resolve(decls: DeclarationSet, hf: str, override: str | None, root: Path) -> tuple[TargetSpec, int]:
    """The target for ``hf`` (``--target`` wins over the declaration) and how many releases to keep."""
    decl = decls.hf(hf)
    if decl is None:
        known = ", ".join(sorted(h.model.key for h in decls.helseforetak)) or "none"
        raise UsageError(f"no helseforetak '{hf}' is declared (known: {known})")
    declared = decl.model.deploy
    keep = declared.keep_releases if declared else DEFAULT_KEEP
    text = override if override is not None else (declared.target if declared else None)
    if not text:
        raise UsageError(f"{decl.path} declares no deploy.target: pass --target dir:PATH or sftp://USER@HOST:PORT/PATH")
    # A declared relative dir: path is relative to the repository; one on the command line, to the cwd.
    return parse_spec(text, Path.cwd() if override is not None else root), keep


def _secret_file(given: Path | None, env: str, what: str, root: Path) -> Path | None:
    raw = given if given is not None else (Path(os.environ[env]) if os.environ.get(env) else None)
    if raw is None:
        return None
    path = raw.expanduser().resolve()
    if path.is_relative_to(root.resolve()):
        raise DeployError(f"refusing {what} {raw}: it is inside the repository; keep it outside and name it here")
    if not path.is_file():
        raise DeployError(f"{what} {raw} is not a file")
    return path


@contextlib.contextmanager
def open_target(spec: TargetSpec, args: argparse.Namespace, root: Path) -> Iterator[Target]:
    target: Target
    if isinstance(spec, DirSpec):
        target = DirTarget(spec.path)
    else:
        identity = _secret_file(args.identity, ENV_KEY, "SSH key", root)
        if identity is None:
            raise DeployError(f"{spec} needs a login key: pass --identity FILE or set {ENV_KEY} to its path")
        known = _secret_file(args.known_hosts, ENV_KNOWN_HOSTS, "known_hosts file", root)
        if known is None:
            fallback = Path.home() / ".ssh" / "known_hosts"
            if not fallback.is_file():
                raise DeployError(
                    f"{spec}: no known_hosts file to check the host key: "
                    f"pass --known-hosts FILE or set {ENV_KNOWN_HOSTS}"
                )
            known = fallback
        client = connect(spec, known_hosts=known, identity=identity, passphrase=os.environ.get(ENV_KEY_PASSPHRASE))
        target = SftpTarget(spec, client)
    try:
        yield target
    finally:
        target.close()


def locking(command: str, hf: str, args: argparse.Namespace, root: Path, now: dt.datetime) -> Locking:
    host = socket.gethostname()
    hint = ["oppkobling", command, "--hf", hf]
    if args.target is not None:
        hint += ["--target", args.target]
    hint.append("--break-lock")
    info = LockInfo(local.who(root), os.getpid(), host, now, f"oppkobling {command} --hf {hf}")
    return Locking(info, host, shlex.join(hint))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_options(parser)
    parser.add_argument("--apply", action="store_true", help="deploy (without it: only show the plan)")
    parser.add_argument(
        "--allow-dirty", action="store_true", help="deploy even though the work tree has uncommitted changes"
    )
    add_break_lock(parser)
    common.add_today(parser)


def _refuse_errors(loaded: common.Loaded) -> None:
    if has_errors(loaded.findings, strict=False):
        errors = [f for f in loaded.findings if f.severity is Severity.ERROR]
        sys.stderr.write(REPORTERS["text"](errors))
        raise DeployError(
            f"refusing to deploy: the declarations have {len(errors)} error(s) (see 'oppkobling validate')"
        )


def run(args: argparse.Namespace) -> int:
    loaded = common.load(args)
    root = loaded.root
    _refuse_errors(loaded)
    spec, keep = resolve(loaded.declarations, args.hf, args.target, root)
    problems = local.stale(root, loaded.declarations)
    if problems:
        listing = "\n  ".join(problems)
        raise DeployError(
            f"refusing to deploy: generated/ is not what the declarations generate "
            f"(run 'oppkobling build' and commit):\n  {listing}"
        )
    git = local.git_state(root)
    notes: list[str] = []
    if git.dirty:
        why = git.problem or f"the work tree has {len(git.changes)} uncommitted change(s)"
        if args.apply and not args.allow_dirty:
            raise DeployError(f"refusing to deploy: {why}; commit first, or pass --allow-dirty")
        notes.append(why + ("" if args.allow_dirty else "; --apply will refuse without --allow-dirty"))
    release = Release(args.hf, local.read_generated(root, args.hf), git.commit, git.dirty)
    now = dt.datetime.now(dt.UTC)
    lock = locking(NAME, args.hf, args, root, now)
    with open_target(spec, args, root) as target:
        if args.break_lock:
            broken = engine.break_lock(target)
            notes.append(broken or "no lock to break")
        if args.apply:
            result = engine.apply(target, release, keep=keep, who=lock.info.owner, locking=lock, now=now)
            common.emit(report.applied(result, release, notes=notes))
        else:
            status = engine.lock_status(target, lock, now)
            p = engine.plan(target, release)
            common.emit(report.plan(p, release, notes=[*notes, *([status] if status else [])]) + report.dry_run())
    return 0
