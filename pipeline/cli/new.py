"""``oppkobling new KOMMUNENR``: scaffold a declaration for a kommune from the kommune register."""

from __future__ import annotations

import argparse

from pipeline import cli, layout
from pipeline.app import inputs
from pipeline.app.new import new
from pipeline.reporters import edits as reports

NAME = "new"
HELP = f"scaffold {layout.KOMMUNER_DIR}/<nr>-<slug>.yaml for a kommune from the kommune register"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("number", metavar="KOMMUNENR", help="the kommunenummer, 4 digits (e.g. 5035)")
    cli.add_root(parser)


def run(args: argparse.Namespace) -> int:
    scaffolded = new(inputs.repository(args.root), args.number)
    cli.warn(reports.scaffold_notes(scaffolded))
    cli.emit(reports.scaffolded(scaffolded))
    return 0
