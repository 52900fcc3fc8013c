"""``oppkobling check``: is the repository consistent? Validate (L1-L3 too with ``--base``),
regenerate in memory and compare with generated/ on disk: every missing, stale or left-over file
is an L4 error naming it. Writes nothing."""

from __future__ import annotations

import argparse
import sys

from pipeline.cli import common, generate
from pipeline.findings import has_errors, sort_findings
from pipeline.io import atomic
from pipeline.model.declarations import DeclarationSet
from pipeline.reporters import REPORTERS
from pipeline.rules import Context, blocks_rendering, freshness

NAME = "check"
HELP = "validate, regenerate in memory and compare with generated/ (L4); exit 1 on any error or difference"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REF", help="also check transitions (L1-L3) against this git revision")
    common.add_format(parser)
    common.add_today(parser)
    common.add_ar_snapshot(parser)
    common.add_xsd_dir(parser)
    common.add_root(parser)


def run(args: argparse.Namespace) -> int:
    root = common.root(args)
    with atomic.repo_lock(root, shared=True):
        _, found, loaded = common.checked_loading(args, base_ref=args.base)
        findings = list(found)
        if not blocks_rendering(findings):
            changes = generate.compare(args, root, loaded)
            findings.extend(freshness(Context(DeclarationSet(), common.today(args), generated=changes)))
        else:
            sys.stderr.write("oppkobling: generated/ was not compared (L4): fix the declaration errors first\n")
    findings = sort_findings(findings)
    common.emit(REPORTERS[args.format](findings))
    return 1 if has_errors(findings) else 0
