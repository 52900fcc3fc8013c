"""``oppkobling drift``: does each HF's message server serve exactly what generated/ holds?"""

from __future__ import annotations

import argparse

from pipeline.cli import common
from pipeline.cli.deploy import add_target_options, open_target, resolve
from pipeline.deploy import engine, local, report
from pipeline.errors import UsageError

NAME = "drift"
HELP = "compare what each HF's deploy target serves with generated/ (exit 1 on any difference)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_options(parser, hf_required=False)


def run(args: argparse.Namespace) -> int:
    loaded = common.load(args)
    decls = loaded.declarations
    if args.hf is not None:
        keys = [args.hf]
    elif args.target is not None:
        raise UsageError("--target names one HF's target: pass --hf KEY with it")
    else:
        keys = sorted(h.model.key for h in decls.helseforetak if h.model.deploy and h.model.deploy.target)
        if not keys:
            raise UsageError("no helseforetak declares deploy.target: pass --hf KEY --target TARGET")
    drifted = 0
    for key in keys:
        spec, _ = resolve(decls, key, args.target, loaded.root)
        wanted = local.read_generated(loaded.root, key)
        with open_target(spec, args, loaded.root) as target:
            result = engine.drift(target, wanted)
        common.emit(report.drift(key, result))
        drifted += not result.clean
    return 1 if drifted else 0
