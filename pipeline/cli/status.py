"""``oppkobling status``: every kommune with its status, T, next milestone and what is overdue."""

from __future__ import annotations

import argparse

from pipeline import cli
from pipeline.app import inputs
from pipeline.app.status import status
from pipeline.reporters import status as reports

NAME = "status"
HELP = "the status board: every kommune's status, T, next milestone and what is overdue on --today"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_today(parser)
    cli.add_format(parser, list(reports.FORMATS))
    cli.add_root(parser)


def run(args: argparse.Namespace) -> int:
    today = inputs.today(args.today)
    rows = status(inputs.repository(args.root), today=today)
    cli.emit(reports.FORMATS[args.format](rows, today))
    return 0
