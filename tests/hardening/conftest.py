"""Fixtures for the hardening tests: a fork server running ``oppkobling`` commands as processes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, Result

ForkCli = Callable[..., "Killable"]


@dataclass
class Killable(Result):
    killed: bool = False  # SIGKILLed by request before it ended


@pytest.fixture(scope="session")
def fork_cli() -> Iterator[ForkCli]:
    """``run(cwd, *argv, env={...}, kill={...})``: one ``oppkobling`` command in a process of its
    own, optionally SIGKILLed at a chosen moment (see forkcli.py)."""
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("forkcli.py"))],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    stdin, stdout = server.stdin, server.stdout

    def run(
        cwd: Path, *argv: str, env: dict[str, str] | None = None, kill: dict[str, object] | None = None
    ) -> Killable:
        request = {"argv": list(argv), "cwd": str(cwd), "env": env or {}, "kill": kill}
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        line = stdout.readline()
        assert line, "the fork server died"
        reply = json.loads(line)
        return Killable(reply["code"], reply["out"], reply["err"], reply["killed"])

    yield run
    stdin.close()
    server.wait(timeout=30)
