"""Running a program the user named (the ``--token-command`` of ``ar sync``): without a shell, with
no standard input, bounded in time. Its standard output is the result; its standard error is never
shown (it may hold a secret). Git is run only by ``pipeline.io.git``."""

from __future__ import annotations

import shlex
import subprocess

from pipeline.i18n import _


class CommandError(Exception):
    """The command could not be run or did not succeed; ``message`` says which, in a few words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def output(command: str, *, timeout: float) -> bytes:
    """The standard output of ``command`` (split like a shell would, but run without one)."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise CommandError(_("cannot be split into words ({exc})").format(exc=exc)) from None
    if not argv:
        raise CommandError(_("is empty"))
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise CommandError(_("{argv!r} not found").format(argv=argv[0])) from None
    except subprocess.TimeoutExpired:
        raise CommandError(_("did not finish within {timeout:g} s").format(timeout=timeout)) from None
    except OSError as exc:
        raise CommandError(_("could not run: {strerror}").format(strerror=exc.strerror)) from None
    if done.returncode != 0:
        raise CommandError(_("exited with status {returncode}").format(returncode=done.returncode))
    return done.stdout
