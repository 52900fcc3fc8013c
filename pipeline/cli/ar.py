"""``oppkobling ar sync`` and ``oppkobling ar import``: refresh ``partners/ar/`` from NHN's address
register (AR), or from files exported by hand."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import cli, environment, layout
from pipeline.app import inputs
from pipeline.app.ar import import_directory, sync
from pipeline.i18n import _
from pipeline.reporters import ar as reports

NAME = "ar"
HELP = f"NHN's address register: 'ar sync' refreshes {layout.AR_DIR}/ from NHN's API, 'ar import DIR' from files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    s = actions.add_parser("sync", help="fetch parties and certificates from NHN's CommunicationParty API")
    s.add_argument("her_ids", nargs="*", type=cli.her_id, metavar="HER-ID", help="the HER-ids to refresh")
    s.add_argument("--all-declared", action="store_true", help="every HER-id the declarations name (HFs and parties)")
    s.add_argument(
        "--base-url",
        metavar="URL",
        help=f"the API (default: ${environment.AR_BASE_URL}, else NHN's test environment "
        "https://cpapi.test.grunndata.nhn.no)",
    )
    s.add_argument(
        "--token-command",
        metavar="COMMAND",
        help=f"a program that prints a HelseID access token (default: ${environment.AR_TOKEN}); "
        f"DPoP proofs are signed with the key in ${environment.AR_DPOP_KEY} when it is set",
    )
    s.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for each answer before trying again (default: 30; 4 tries in all)",
    )
    i = actions.add_parser("import", help=f"place AR answers exported by hand (laid out like {layout.AR_DIR}/)")
    i.add_argument(
        "directory", type=Path, metavar="DIR", help=f"files exported from AR, laid out as {layout.AR_DIR}/ is"
    )
    for p in (s, i):
        cli.add_format(p, list(reports.FORMATS))
        cli.add_root(p)


def run(args: argparse.Namespace) -> int:
    root = inputs.repository(args.root)
    if args.action == "import":
        outcome = import_directory(root, args.directory)
        cli.emit(reports.FORMATS[args.format](outcome, f"ar import {args.directory}"))
        return 1 if outcome.problems else 0
    done = sync(
        root,
        args.her_ids,
        all_declared=args.all_declared,
        base_url=args.base_url,
        token_command=args.token_command,
        timeout=args.timeout,
    )
    asked = _("ar sync of {n} HER-id(s) from {base_url}").format(n=len(done.her_ids), base_url=done.base_url)
    cli.emit(reports.FORMATS[args.format](done.outcome, asked))
    return 0
