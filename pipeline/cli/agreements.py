"""``oppkobling agreements show FILE --as HER-ID`` and ``oppkobling agreements compare OURS THEIRS``: a CPA read
as NHN's reference client reads it, and what differs between ours and a deployed or NHN-exported one."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import cli
from pipeline.app import agreements
from pipeline.reporters import agreements as reports

NAME = "agreements"
HELP = "partner agreements as a message server reads them: 'agreements show FILE --as HER-ID', 'agreements compare'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    s = actions.add_parser("show", help="what a message server sees in a CPA (or CPP), read as one of its parties")
    s.add_argument("file", type=Path, metavar="FILE", help="a CPA or CPP (CPPA 2.0)")
    s.add_argument("--lenient", action="store_true", help="accept reused xs:IDs, as NHN's own CPAs have (a warning)")
    c = actions.add_parser(
        "compare",
        help="what differs, per message function, between our CPA and one exported from a message server "
        "or NHN's CPPA service (GET /Agreements/HerIds/{a}/{b}); exit 1 on any difference",
    )
    c.add_argument("ours", type=Path, metavar="OURS", help="the CPA we generated (read strictly)")
    c.add_argument("theirs", type=Path, metavar="THEIRS", help="the other CPA (read leniently)")
    for p in (s, c):
        p.add_argument(
            "--as",
            dest="her_id",
            type=cli.her_id,
            metavar="HER-ID",
            help="the party reading it (a CPA needs one; compare's default: the first party of OURS, the HF)",
        )
        cli.add_format(p, list(reports.SHOW if p is s else reports.COMPARE))
        cli.add_xsd_dir(p)


def run(args: argparse.Namespace) -> int:
    if args.action == "show":
        shown = agreements.show(args.file, args.her_id, lenient=args.lenient, xsd_dir=args.xsd_dir)
        cli.emit(reports.SHOW[args.format](shown))
        return 0
    compared = agreements.compare(args.ours, args.theirs, args.her_id, xsd_dir=args.xsd_dir)
    cli.emit(reports.COMPARE[args.format](compared))
    return 1 if compared.differences else 0
