"""``oppkobling build``: the main job. Validate every declaration (the full report), and only
when there is no error, generate generated/ (see ``generate``)."""

from __future__ import annotations

import argparse

from pipeline.cli import generate

NAME = "build"
HELP = "the main job: validate (full report), then generate generated/ only if there is no error"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    generate.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return generate.execute(args, report=True)
