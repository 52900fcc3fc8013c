"""``oppkobling rollback``: switch an HF's message server back to the release before the current one."""

from __future__ import annotations

import argparse
import datetime as dt

from pipeline.cli import common
from pipeline.cli.deploy import add_break_lock, add_target_options, locking, open_target, resolve
from pipeline.deploy import engine, report

NAME = "rollback"
HELP = "switch an HF's message server back to the previous release kept on the target"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_options(parser)
    add_break_lock(parser)


def run(args: argparse.Namespace) -> int:
    loaded = common.load(args)
    spec, _ = resolve(loaded.declarations, args.hf, args.target, loaded.root)
    now = dt.datetime.now(dt.UTC)
    lock = locking(NAME, args.hf, args, loaded.root, now)
    with open_target(spec, args, loaded.root) as target:
        if args.break_lock:
            common.emit((engine.break_lock(target) or "no lock to break") + "\n")
        result = engine.rollback(target, locking=lock, now=now)
        common.emit(report.rolled_back(args.hf, target.description, result))
    return 0
