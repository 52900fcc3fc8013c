"""``oppkobling check``: is the repository consistent? Validate (L1-L3 too with ``--base``), and
compare generated/ with what the declarations generate: every missing, stale or left-over file is
an L4 error naming it. Writes nothing. With ``--trusted-code REF`` the same check is run by the
code of REF (the base branch's), so a change is never judged by the rules it brings."""

from __future__ import annotations

import argparse

from pipeline import cli, layout
from pipeline.app import inputs
from pipeline.app.check import check
from pipeline.findings import has_errors
from pipeline.i18n import _
from pipeline.reporters import findings as reports
from pipeline.reporters import generated as said

NAME = "check"
HELP = f"validate, regenerate in memory and compare with {layout.GENERATED}/ (L4); exit 1 on any error or difference"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_base(parser)
    parser.add_argument(
        "--trusted-code",
        metavar="REF",
        help="run the check with the pipeline of this git revision (e.g. the base branch) instead of this "
        "work tree's, so a change cannot bring the rules that judge it",
    )
    cli.add_format(parser, sorted(reports.FORMATS), "text")
    cli.add_today(parser)
    cli.add_xsd_dir(parser)
    cli.add_root(parser)


def run(args: argparse.Namespace) -> int:
    root, today = inputs.repository(args.root), inputs.today(args.today)
    if args.trusted_code:
        from pipeline.app import trusted

        judged = trusted.check(
            root,
            code_ref=args.trusted_code,
            today=today,
            output=args.format,
            base_ref=args.base,
            xsd_dir=args.xsd_dir,
        )
        cli.warn(judged.err + _("oppkobling: note: {note}\n").format(note=judged.note))
        cli.emit(judged.out)
        return judged.code
    checked = check(
        root,
        today=today,
        base_ref=args.base,
        xsd_dir=args.xsd_dir,
    )
    cli.warn(said.checked(checked))
    cli.emit(reports.FORMATS[args.format](checked.findings))
    return 1 if has_errors(checked.findings) else 0
