"""``oppkobling build``: the main job. Validate every declaration (the full report) and only when
there is no error make generated/ what the declarations generate."""

from __future__ import annotations

import argparse

from pipeline import cli, layout
from pipeline.app import inputs
from pipeline.app.build import build
from pipeline.reporters import findings as reports
from pipeline.reporters import generated as said

NAME = "build"
HELP = f"the main job: validate (full report), then generate {layout.GENERATED}/ only if there is no error"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_xsd_dir(parser)
    cli.add_today(parser)
    cli.add_root(parser)


def run(args: argparse.Namespace) -> int:
    built = build(
        inputs.repository(args.root),
        today=inputs.today(args.today),
        xsd_dir=args.xsd_dir,
        on_findings=lambda findings: cli.emit(reports.text(findings)),
    )
    cli.warn(said.built(built))
    cli.emit(said.written(built))
    return 0 if built.summary else 1
