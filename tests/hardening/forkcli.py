"""Run many ``oppkobling`` commands, each in its own process, without paying the interpreter's
start-up and imports (about a second) for each: this process imports the CLI once, then forks a
child per request. A child is a fresh process as far as the command can tell -- its own working
directory, environment, stdout/stderr and exit status -- and an exception that escapes ``main``
prints a traceback and exits 1, as ``python -m pipeline.cli`` would.

Protocol: one JSON object per line on stdin, ``{"argv": [...], "cwd": "...", "env": {...}}``;
one per line on stdout, ``{"code": int, "out": str, "err": str}``. Single-threaded, so fork is safe.

A request may ask for the child to be SIGKILLed (crash tests): ``"kill": {"after": s}`` kills it
``s`` seconds after the fork; ``"kill": {"when": path, "after": s}`` once ``path`` exists, ``s``
seconds later. The reply then has ``"killed": true`` if the signal came before the child ended.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pipeline.app.check
import pipeline.app.plan
import pipeline.render.generators  # noqa: F401 (every generator: children start warm)
from pipeline.cli.main import build_parser, main

build_parser()  # imports every command module


def child(request: dict[str, object], out_path: str, err_path: str) -> None:
    code = 1
    try:
        os.chdir(str(request["cwd"]))
        os.environ.update({str(k): str(v) for k, v in dict(request.get("env") or {}).items()})  # type: ignore[call-overload]
        for fd, path in ((1, out_path), (2, err_path)):
            target = os.open(path, os.O_WRONLY | os.O_TRUNC)
            os.dup2(target, fd)
            os.close(target)
        code = main([str(a) for a in request["argv"]])  # type: ignore[attr-defined]
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def reap(pid: int, kill: dict[str, object] | None) -> tuple[int, bool]:
    """Wait for the child; with ``kill``, SIGKILL it at the asked moment unless it ended first."""
    if not kill:
        return os.waitpid(pid, 0)[1], False
    start, when = time.monotonic(), kill.get("when")
    deadline: float | None = None if when else start + float(kill["after"])  # type: ignore[arg-type]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status, False
        now = time.monotonic()
        if deadline is None and os.path.lexists(str(when)):
            deadline = now + float(kill["after"])  # type: ignore[arg-type]
        if deadline is not None and now >= deadline:
            os.kill(pid, signal.SIGKILL)
            return os.waitpid(pid, 0)[1], True
        if now - start > 120:
            os.kill(pid, signal.SIGKILL)
            raise SystemExit("a child ran for two minutes")
        time.sleep(0.0005)


def serve() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out_path, err_path = os.path.join(scratch, "out"), os.path.join(scratch, "err")
        for line in sys.stdin:
            request = json.loads(line)
            for path in (out_path, err_path):
                Path(path).write_bytes(b"")
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                child(request, out_path, err_path)
            status, killed = reap(pid, request.get("kill"))
            code = os.waitstatus_to_exitcode(status)
            with (
                open(out_path, encoding="utf-8", errors="replace") as out,
                open(err_path, encoding="utf-8", errors="replace") as err,
            ):
                reply = {"code": code, "out": out.read(), "err": err.read(), "killed": killed}
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    serve()
