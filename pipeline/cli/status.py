"""``oppkobling status``: every kommune with its status, T, next milestone and what is overdue."""

from __future__ import annotations

import argparse

from pipeline import status_board
from pipeline.cli import common

NAME = "status"
HELP = "the status board: every kommune's status, T, next milestone and what is overdue on --today"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_today(parser)
    parser.add_argument("--format", choices=list(status_board.FORMATS), default="text")
    common.add_root(parser)


def run(args: argparse.Namespace) -> int:
    today = common.today(args)
    loaded = common.load(args)
    rows = status_board.board(loaded.declarations, today)
    common.emit(status_board.FORMATS[args.format](rows, today))
    return 0
