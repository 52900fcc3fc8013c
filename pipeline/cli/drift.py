"""``oppkobling drift``: does each HF's message server serve exactly what the declarations generate?"""

from __future__ import annotations

import argparse

from pipeline import cli, layout
from pipeline.app import inputs
from pipeline.app.targets import Access

NAME = "drift"
HELP = f"compare what each HF's deploy target serves with {layout.GENERATED}/ (exit 1 on any difference)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_target_options(parser, hf_required=False)
    cli.add_today(parser)


def run(args: argparse.Namespace) -> int:
    from pipeline.app.deploy import drift
    from pipeline.reporters import deploy as reports

    drifted = 0
    access = Access(args.identity, args.known_hosts)
    root = inputs.repository(args.root)
    for key, found in drift(root, hf=args.hf, target=args.target, access=access, today=inputs.today(args.today)):
        cli.emit(reports.drift(key, found))
        drifted += not found.clean
    return 1 if drifted else 0
