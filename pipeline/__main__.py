"""The ``oppkobling`` program (and ``python -m pipeline``): a read-only command whose inputs are
what they were is answered from the cache before anything heavy is imported
(``pipeline.io.answers``); any other runs through the command line (``pipeline.cli.main``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

REPLAYABLE = ("validate", "check")  # commands that write nothing: only their answers are remembered


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] not in REPLAYABLE:
        from pipeline.cli.main import main as run

        return run(arguments)
    from pipeline.io import answers

    code = answers.replay(arguments)
    if code is not None:
        return code
    with answers.recording(arguments):
        from pipeline.cli.main import main as run

        return run(arguments)


if __name__ == "__main__":
    raise SystemExit(main())
