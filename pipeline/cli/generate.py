"""``oppkobling generate``: validate, then write generated/ atomically (nothing on errors); the
findings are reported only when they stop it."""

from __future__ import annotations

import argparse

from pipeline import cli, layout
from pipeline.app import inputs
from pipeline.app.build import build
from pipeline.findings import has_errors
from pipeline.reporters import findings as reports
from pipeline.reporters import generated as said

NAME = "generate"
HELP = (
    f"validate, then write {layout.GENERATED}/ (agreements, indexes, test messages) atomically; "
    "nothing is written on errors"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_xsd_dir(parser)
    cli.add_today(parser)
    cli.add_root(parser)


def run(args: argparse.Namespace) -> int:
    built = build(
        inputs.repository(args.root),
        today=inputs.today(args.today),
        xsd_dir=args.xsd_dir,
        on_findings=lambda findings: cli.emit(reports.text(findings)) if has_errors(findings) else None,
    )
    cli.warn(said.built(built))
    cli.emit(said.written(built))
    return 0 if built.summary else 1
