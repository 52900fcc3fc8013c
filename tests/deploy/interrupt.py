"""Run ``oppkobling`` and SIGKILL it after N files of a new release are written: a transfer
broken off midway, with no chance to clean up (argv: N, then the oppkobling arguments)."""

from __future__ import annotations

import os
import signal
import sys

import pipeline.cli as cli_package
from pipeline.cli import main
from pipeline.deploy import local
from pipeline.deploy.dirtarget import DirTarget
from pipeline.deploy.sftp import SftpTarget

cli_package.COMMANDS = ("deploy", "rollback", "drift")
limit = int(sys.argv[1])
written = [0]
local.stale = lambda root, declarations: []  # hand-made generated/ (as in conftest.cli)

for cls in (DirTarget, SftpTarget):
    original = cls.write

    def write(self: object, rel: str, data: bytes, _original: object = original) -> None:
        if rel.startswith("releases/"):
            if written[0] >= limit:
                os.kill(os.getpid(), signal.SIGKILL)
            written[0] += 1
        _original(self, rel, data)  # type: ignore[operator]

    cls.write = write  # type: ignore[method-assign]

sys.exit(main(sys.argv[2:]))
