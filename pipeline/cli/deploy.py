"""``oppkobling deploy``: show what a deploy would change at an HF's message server; apply it."""

from __future__ import annotations

import argparse
import datetime as dt

from pipeline import cli
from pipeline.app import inputs
from pipeline.app.targets import Access

NAME = "deploy"
HELP = "show what a deploy would change at an HF's message server; with --apply, deploy it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_target_options(parser)
    parser.add_argument("--apply", action="store_true", help="deploy (without it: only show the plan)")
    parser.add_argument(
        "--allow-dirty", action="store_true", help="deploy even though the work tree has uncommitted changes"
    )
    cli.add_break_lock(parser)
    cli.add_today(parser)


def run(args: argparse.Namespace) -> int:
    from pipeline.app.deploy import DeclarationErrors, deploy
    from pipeline.reporters import deploy as reports
    from pipeline.reporters.findings import text

    root = inputs.repository(args.root)
    try:
        done = deploy(
            root,
            hf=args.hf,
            target=args.target,
            access=Access(args.identity, args.known_hosts),
            today=inputs.today(args.today),
            apply=args.apply,
            allow_dirty=args.allow_dirty,
            break_lock=args.break_lock,
            now=dt.datetime.now(dt.UTC),
        )
    except DeclarationErrors as refused:
        cli.warn(text(refused.errors))
        raise
    cli.emit(reports.FORMATS["text"](done))
    return 0
