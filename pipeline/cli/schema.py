"""``oppkobling schema``: write the JSON Schemas generated from the models to schemas/."""

from __future__ import annotations

import argparse

from pipeline import cli, layout
from pipeline.app import inputs
from pipeline.app.schema import schema
from pipeline.reporters import edits as reports

NAME = "schema"
HELP = f"write {layout.json_schema_file('<name>')} from the pydantic models (--check: compare only)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed schema is stale")
    cli.add_root(parser)


def run(args: argparse.Namespace) -> int:
    stale = schema(inputs.repository(args.root), check=args.check)
    cli.emit(reports.schemas_written(stale, check=args.check))
    return 1 if stale and args.check else 0
