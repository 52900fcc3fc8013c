"""``oppkobling order KOMMUNE``: write step K2's order e-mail (.eml) to Hemit, ready to send."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import cli
from pipeline.app import inputs
from pipeline.app.order import order
from pipeline.reporters import edits as reports
from pipeline.routine.steps import ORDER_ADDRESS

NAME = "order"
HELP = f"write the order e-mail of step K2 (to {ORDER_ADDRESS}) as an .eml file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_kommune(parser)
    parser.add_argument(
        "--output",
        "--out",
        dest="out",
        type=Path,
        metavar="FILE",
        help="where to write the message (default: <kommunenummer>-<slug>-bestilling.eml in the current "
        "directory, or in $XDG_DATA_HOME/oppkobling/ (~/.local/share/oppkobling/) when the current "
        "directory is inside the repository)",
    )
    cli.add_today(parser)
    cli.add_root(parser)


def run(args: argparse.Namespace) -> int:
    today = inputs.today(args.today)
    written = order(inputs.repository(args.root), args.kommune, today=today, out=args.out)
    cli.emit(reports.ordered(written))
    return 1 if written.blockers else 0
