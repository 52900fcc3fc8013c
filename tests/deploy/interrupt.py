"""Run ``oppkobling`` and SIGKILL it after N files of a new release are written: a transfer
broken off midway, with no chance to clean up (argv: N, then the oppkobling arguments)."""

from __future__ import annotations

import hashlib
import os
import signal
import sys

import pipeline.cli.main as cli_main
from pipeline.app import deploy as app_deploy
from pipeline.cli.main import main
from pipeline.deploy.dir_target import DirTarget
from pipeline.deploy.sftp_target import SftpTarget

cli_main.COMMANDS = ("deploy", "rollback", "drift")
limit = int(sys.argv[1])
written = [0]
# The hand-made generated/ is what the declarations generate (as in conftest.cli).
app_deploy.expected = lambda root, loaded: {
    p.relative_to(root / "generated").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
    for p in (root / "generated").rglob("*")
    if p.is_file()
}

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
