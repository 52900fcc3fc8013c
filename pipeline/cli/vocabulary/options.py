"""The options most commands share, named and explained alike everywhere: ``--root``, the
kommune, ``--today``, ``--format``, ``--base``, ``--xsd-dir`` and a day."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from pipeline import environment, layout
from pipeline.cli.vocabulary.values import day


def add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help=f"the repository (the directory holding {layout.PARTNERS}/; default: found upwards from the current "
        "directory)",
    )


KOMMUNE_HELP = (
    "the kommune: its number (5025), name (Røros; case and æ/ø/å do not matter: roros), "
    "or declaration file stem (5025-roros)"
)


def add_kommune(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kommune", metavar="KOMMUNE", help=KOMMUNE_HELP)


def add_today(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        help=f"evaluate time-relative rules on this date (default: ${environment.TODAY}, else today in Europe/Oslo)",
    )


def add_format(parser: argparse.ArgumentParser, formats: Sequence[str], default: str | None = None) -> None:
    chosen = default or formats[0]
    parser.add_argument(
        "--format",
        choices=list(formats),
        default=chosen,
        metavar="FORMAT",
        help=f"output format: {', '.join(formats)} (default: {chosen})",
    )


def add_base(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REF", help="also check transitions (L1-L3) against this git revision")


def add_xsd_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--xsd-dir",
        type=Path,
        metavar="DIR",
        help="directory of the official XSDs, laid out like Sarepta's skjema/ "
        f"(default: ${environment.XSD_DIR}, then the user cache filled by 'oppkobling schemas fetch', "
        f"then {layout.SHARED_XSD} beside the repository)",
    )


def add_day(parser: argparse.ArgumentParser, flag: str, what: str, *, required: bool = False) -> None:
    """A day option: ``flag YYYY-MM-DD``, with what the day is."""
    parser.add_argument(flag, required=required, type=day, metavar="YYYY-MM-DD", help=what)
