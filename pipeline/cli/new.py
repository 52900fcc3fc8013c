"""``oppkobling new KOMMUNENR``: scaffold a declaration for a kommune from the register."""

from __future__ import annotations

import argparse
import re
import sys

from pipeline import editing
from pipeline.cli import common
from pipeline.cli.record import write_atomically
from pipeline.errors import RepositoryError, UsageError
from pipeline.io.partners import read_tree
from pipeline.model.kommuner import register

NAME = "new"
HELP = "scaffold partners/kommuner/<nr>-<slug>.yaml for a kommune from the kommune register"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("number", metavar="KOMMUNENR", help="the kommunenummer, 4 digits (e.g. 5035)")
    common.add_root(parser)


def run(args: argparse.Namespace) -> int:
    number: str = args.number.strip()
    if not re.fullmatch(r"[0-9]{4}", number):
        raise UsageError(f"a kommunenummer is 4 digits, not {args.number!r}")
    entry = register().get(number)
    if entry is None:
        raise UsageError(f"{number} is not in the kommune register (pipeline/data/kommuner.csv)")
    root = common.root(args)
    files, _ = read_tree(root)
    existing = editing.existing_declaration(files, number)
    if existing is not None:
        raise RepositoryError(f"{existing} already declares kommune {number}: edit it (oppkobling record) instead")
    path, text = editing.scaffold(entry)
    target = root / path
    if target.exists():
        raise RepositoryError(f"{path} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, text.encode("utf-8"))
    if not entry.hmn_catchment:
        sys.stderr.write(f"note: {entry.name} is outside Helse Midt-Norge's catchment (rule S4 warns)\n")
    if entry.org_number is None:
        sys.stderr.write("note: the register has no organisation number for it: fill in org_number\n")
    common.emit(
        f"wrote {path} ({entry.short_name}, org.nr. {entry.org_number or 'unknown'}, status planned)\n"
        f"next: verify the contact address, then 'oppkobling record {number} activation --date T --agreed-on D'\n"
    )
    return 0
