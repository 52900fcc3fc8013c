"""``oppkobling timeline KOMMUNE``: a kommune's milestones and what is done, due or overdue."""

from __future__ import annotations

import argparse

from pipeline import cli
from pipeline.app import inputs
from pipeline.app.timeline import timeline
from pipeline.reporters import timeline as reports

NAME = "timeline"
HELP = "show a kommune's milestones (K1-K6, H5) with their dates and state on --today"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_kommune(parser)
    cli.add_today(parser)
    cli.add_format(parser, list(reports.FORMATS))
    cli.add_root(parser)


def run(args: argparse.Namespace) -> int:
    today = inputs.today(args.today)
    found = timeline(inputs.repository(args.root), args.kommune, today=today)
    cli.emit(reports.FORMATS[args.format](found))
    return 0
