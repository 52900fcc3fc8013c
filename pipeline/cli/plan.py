"""``oppkobling plan``: what this change does, per HF, for the pull request's reviewers."""

from __future__ import annotations

import argparse

from pipeline import cli
from pipeline.app import inputs
from pipeline.app.plan import plan
from pipeline.reporters import plan as reports

NAME = "plan"
HELP = "show what this change does at each HF: agreements added/changed/removed, state changes, timelines"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REF", default="HEAD", help="git revision to compare with (default: HEAD)")
    cli.add_format(parser, list(reports.FORMATS))
    parser.add_argument(
        "--max-chars",
        type=int,
        metavar="N",
        default=reports.COMMENT_LIMIT,
        help=f"truncate markdown to this many characters, saying so (default {reports.COMMENT_LIMIT}: a GitHub "
        "comment; a job summary allows 1 MiB)",
    )
    cli.add_today(parser)
    cli.add_root(parser)


def run(args: argparse.Namespace) -> int:
    result = plan(
        inputs.repository(args.root),
        base_ref=args.base,
        today=inputs.today(args.today),
    )
    cli.emit(reports.FORMATS[args.format](result, max(args.max_chars, 1000)))
    return 0
