"""Writing to stdout and stderr: the only two places a command's text goes."""

from __future__ import annotations

import sys


def emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def warn(text: str) -> None:
    sys.stderr.write(text)
