"""``oppkobling receipts import PATH...``: the transport receipts, AppRecs and test-dialog answers
that came back become the test evidence in the declarations (``pipeline.app.receipts``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import cli
from pipeline.app import inputs
from pipeline.app.receipts import import_receipts
from pipeline.reporters import receipts as reports

NAME = "receipts"
HELP = "import receipts (AppRec, ebXML, .eml, Maildir, mbox, EDI 2.0 JSON) as test evidence"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    action = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    action.required = True
    p = action.add_parser(
        "import",
        help="match receipts to the generated test messages and record them in the declarations",
        description="Each PATH is a file (AppRec or ebXML XML, an .eml, an mbox, EDI 2.0 JSON), a Maildir or a "
        "directory of them, recognised by content. Every receipt is matched by MsgId to a generated test "
        "message and must come from the pair it was between. Any error writes nothing.",
    )
    p.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="receipt files or folders: a Maildir, an mbox, .eml files, AppRec XML or EDI 2.0 JSON",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would be recorded, per kommune; write nothing")
    p.add_argument(
        "--strict",
        action="store_true",
        help="also refuse (exit 1) when a receipt is not used: no such test message, or the agreement already active",
    )
    cli.add_format(p, list(reports.FORMATS))
    cli.add_today(p)
    cli.add_root(p)


def run(args: argparse.Namespace) -> int:
    result = import_receipts(
        inputs.repository(args.root),
        args.paths,
        today=inputs.today(args.today),
        dry_run=args.dry_run,
        strict=args.strict,
    )
    cli.emit(reports.FORMATS[args.format](result))
    return result.exit_code
