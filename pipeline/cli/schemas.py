"""``oppkobling schemas fetch``: download the official XSDs into the user cache (or ``--dest``),
with their imports rewritten to local paths, so validation needs neither network nor flags."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import cli, environment
from pipeline.app.schemas import fetch
from pipeline.reporters import edits as reports

NAME = "schemas"
HELP = (
    "official XML schemas (Sarepta, OASIS, W3C): 'schemas fetch' downloads them into the user cache "
    "(not to be confused with 'schema', which writes the declarations' JSON Schemas)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:

    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    p = actions.add_parser(
        "fetch",
        help="download the official XSDs, rewrite their imports to local paths, verify they compile",
        description="Download the official XSDs (Sarepta archive, OASIS, W3C), rewrite remote imports to "
        "local paths, check that every schema compiles, then replace the destination atomically.",
    )
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="fetch every file from this http(s) mirror instead, as <URL>/<path> (laid out like the result)",
    )
    p.add_argument(
        "--dest",
        type=Path,
        metavar="DIR",
        help="where to put them (default: the user cache, $XDG_CACHE_HOME/oppkobling/xsd or "
        "~/.cache/oppkobling/xsd, found without flags)",
    )


def run(args: argparse.Namespace) -> int:
    fetched = fetch(args.dest, base_url=args.base_url)
    cli.emit(reports.fetched(fetched, dest_given=args.dest is not None, env=environment.XSD_DIR))
    return 0
