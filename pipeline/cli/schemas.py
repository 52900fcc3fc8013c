"""``oppkobling schemas fetch``: download the official XSDs into the user cache (or ``--dest``),
with their imports rewritten to local paths, so validation needs neither network nor flags."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import schemas_fetch, xsd
from pipeline.cli import common

NAME = "schemas"
HELP = (
    "official XML schemas (Sarepta, OASIS, W3C): 'schemas fetch' downloads them into the user cache "
    "(not to be confused with 'schema', which writes the declarations' JSON Schemas)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    fetch = actions.add_parser(
        "fetch",
        help="download the official XSDs, rewrite their imports to local paths, verify they compile",
        description="Download the official XSDs (Sarepta archive, OASIS, W3C), rewrite remote imports to "
        "local paths, check that every schema compiles, then replace the destination atomically.",
    )
    fetch.add_argument(
        "--base-url",
        metavar="URL",
        help="fetch every file from this http(s) mirror instead, as <URL>/<path> (laid out like the result)",
    )
    fetch.add_argument(
        "--dest",
        type=Path,
        metavar="DIR",
        help=f"where to put them (default: the user cache, {xsd.user_cache()}, found without flags)",
    )


def run(args: argparse.Namespace) -> int:
    dest: Path = args.dest or xsd.user_cache()
    sources = schemas_fetch.mirrored(args.base_url) if args.base_url else schemas_fetch.SOURCES
    result = schemas_fetch.fetch(dest, sources=sources)
    common.emit(
        f"fetched {len(result.files)} schemas into {result.dest}; "
        f"{len(result.rewrites)} import(s) rewritten to local paths; all compile\n"
    )
    for r in result.rewrites:
        common.emit(f"  {r.file}: {r.old} -> {r.new}\n")
    if args.dest is not None:
        common.emit(f"use them with --xsd-dir {result.dest} or {xsd.ENV}={result.dest}\n")
    return 0
