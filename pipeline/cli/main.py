"""``oppkobling``: parse the command line, run the command, turn every failure into a message and
an exit code (2 for a usage error, 1 for any other error, 70 only for a bug)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from pipeline import __version__, environment, i18n
from pipeline.cli.commands import COMMANDS, command
from pipeline.errors import OppkoblingError
from pipeline.i18n import _, command_line
from pipeline.io import answers
from pipeline.layout import printable


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(_("oppkobling: error: {message}").format(message=message) + "\n")
        raise SystemExit(2)

    def _get_value(self, action: argparse.Action, arg_string: str) -> object:
        # An empty value is never meant (``--base ''`` would silently skip L1-L3): a usage error.
        if action.nargs not in (argparse.PARSER, argparse.REMAINDER) and not arg_string.strip():
            name = "/".join(action.option_strings) or action.metavar or action.dest
            self.error(_("argument {name}: expected a value, not an empty string").format(name=name))
        return super()._get_value(action, arg_string)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser("oppkobling", description="Onboard kommuner to e-health messaging with Helse Midt-Norge, as code.")
    parser.add_argument("--version", action="version", version=f"oppkobling {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, required=True)
    for module in (command(name) for name in ((only,) if only else COMMANDS)):
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    command_line.finish(parser)  # --lang everywhere, the help in the language in force (pipeline.i18n)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    language = command_line.language(arguments)
    if language is None:  # an unknown language, said like any usage error
        return 2
    with i18n.use(language):
        return _main(arguments)


def _main(arguments: list[str]) -> int:
    args = build_parser(arguments[0] if arguments and arguments[0] in COMMANDS else None).parse_args(arguments)
    try:
        code: int = args._run(args)
        answers.finished(code)
    except OppkoblingError as exc:
        # A message may quote a file name: every control character escaped, its own lines kept.
        lines = [printable(line) for line in str(exc).split("\n")]
        sys.stderr.write(_("oppkobling: error: {message}").format(message="\n".join(lines)) + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(_("oppkobling: interrupted\n"))
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:
        # Every expected failure is an OppkoblingError or a finding; reaching here is a bug. Say
        # so in one line; the traceback is for whoever debugs it, on request.
        if os.environ.get(environment.DEBUG):
            raise
        bug = _(
            "oppkobling: internal error: {name}: {exc}\nThis is a bug in oppkobling; rerun with OPPKOBLING_DEBUG=1 for details and report it.\n"  # noqa: E501
        )
        sys.stderr.write(bug.format(name=type(exc).__name__, exc=exc))
        return 70
    return code
