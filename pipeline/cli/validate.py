"""``oppkobling validate``: check declarations against the schema and the routine's rules."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli import common
from pipeline.errors import UsageError
from pipeline.findings import has_errors
from pipeline.reporters import REPORTERS

NAME = "validate"
HELP = "check declarations against the schema and every rule of the routine"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="report only these files (cross-file rules still see all)",
    )
    common.add_today(parser)
    common.add_ar_snapshot(parser)
    common.add_format(parser)
    parser.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    parser.add_argument("--base", metavar="REF", help="also check transitions (L1-L3) against this git revision")
    common.add_root(parser)


def selected(root: Path, paths: list[Path]) -> list[str]:
    chosen = []
    for p in paths:
        absolute = (p if p.is_absolute() else Path.cwd() / p).resolve()
        if not absolute.is_relative_to(root.resolve()):
            raise UsageError(f"{p} is outside the repository {root}")
        if not absolute.exists() and not absolute.is_symlink():
            raise UsageError(f"{p}: no such file")
        chosen.append(absolute.relative_to(root.resolve()).as_posix())
    return chosen


def run(args: argparse.Namespace) -> int:
    repo, findings = common.checked(args, base_ref=args.base)
    if args.paths:
        wanted = set(selected(repo, args.paths))
        findings = [f for f in findings if f.file in wanted]
    common.emit(REPORTERS[args.format](findings))
    return 1 if has_errors(findings, strict=args.strict) else 0
