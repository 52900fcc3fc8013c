"""``oppkobling rollback``: switch an HF's message server back to the release before the current one."""

from __future__ import annotations

import argparse
import datetime as dt

from pipeline import cli
from pipeline.app import inputs
from pipeline.app.targets import Access

NAME = "rollback"
HELP = "switch an HF's message server back to the previous release kept on the target"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_target_options(parser)
    cli.add_break_lock(parser)
    cli.add_today(parser)


def run(args: argparse.Namespace) -> int:
    from pipeline.app.deploy import rollback
    from pipeline.reporters.deploy import rolled_back

    back = rollback(
        inputs.repository(args.root),
        hf=args.hf,
        target=args.target,
        access=Access(args.identity, args.known_hosts),
        today=inputs.today(args.today),
        break_lock=args.break_lock,
        now=dt.datetime.now(dt.UTC),
        on_note=lambda note: cli.emit(note + "\n"),
    )
    cli.emit(rolled_back(back))
    return 0
