"""The ``oppkobling`` command: thin glue from arguments to the core and back to exit codes.

Each subcommand is a module in this package with ``NAME``, ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``; ``COMMANDS`` lists them in the order ``--help`` shows them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from pipeline import __version__
from pipeline.errors import OppkoblingError

COMMANDS: tuple[str, ...] = (
    "validate",
    "check",
    "build",
    "generate",
    "plan",
    "schema",
    "schemas",
    "timeline",
    "status",
    "order",
    "new",
    "record",
    "deploy",
    "rollback",
    "drift",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"oppkobling: error: {message}\n")
        raise SystemExit(2)


def _modules(names: Sequence[str] = COMMANDS) -> list[ModuleType]:
    return [importlib.import_module(f"pipeline.cli.{name}") for name in names]


def _named(argv: Sequence[str]) -> str | None:
    """The command when it comes first (``oppkobling validate ...``): only its module is imported,
    so a quick command does not pay for the imports of every other (SSH, JSON Schema, ...)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="oppkobling",
        description="Onboard kommuner to e-health messaging with Helse Midt-Norge, as code.",
    )
    parser.add_argument("--version", action="version", version=f"oppkobling {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in _modules((only,) if only else COMMANDS):
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_named(arguments))
    args = parser.parse_args(arguments)
    try:
        code: int = args._run(args)
    except OppkoblingError as exc:
        sys.stderr.write(f"oppkobling: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("oppkobling: interrupted\n")
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:
        # Every expected failure is an OppkoblingError or a finding; reaching here is a bug. Say
        # so in one line; the traceback is for whoever debugs it, on request.
        if os.environ.get("OPPKOBLING_DEBUG"):
            raise
        sys.stderr.write(
            f"oppkobling: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in oppkobling; rerun with OPPKOBLING_DEBUG=1 for details and report it.\n"
        )
        return 70
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
