"""``oppkobling validate``: check declarations against the schema and the routine's rules."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import cli
from pipeline.app import inputs
from pipeline.app.validate import validate
from pipeline.findings import has_errors
from pipeline.reporters import findings as reports

NAME = "validate"
HELP = "check declarations against the schema and every rule of the routine"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="report only these files (cross-file rules still see all)",
    )
    cli.add_today(parser)
    cli.add_format(parser, sorted(reports.FORMATS), "text")
    parser.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    cli.add_base(parser)
    cli.add_root(parser)


def run(args: argparse.Namespace) -> int:
    findings = validate(
        inputs.repository(args.root),
        today=inputs.today(args.today),
        base_ref=args.base,
        only=args.paths,
    )
    cli.emit(reports.FORMATS[args.format](findings))
    return 1 if has_errors(findings, strict=args.strict) else 0
