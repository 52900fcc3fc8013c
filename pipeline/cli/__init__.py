"""The ``oppkobling`` command line: one module per command (``NAME``, ``HELP``,
``add_arguments(parser)``, ``run(args) -> int``), dispatched by ``pipeline.cli.main``.

A command module parses its arguments, calls one use case (``pipeline.app``), hands the result to
a reporter (``pipeline.reporters``) and returns the exit code. Command modules import no other
command module; what they share is the vocabulary below: the options several commands take, the
types of values on the command line, and writing to stdout and stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline import environment, layout


def emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def warn(text: str) -> None:
    sys.stderr.write(text)


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


def add_party_fields(parser: argparse.ArgumentParser) -> None:
    """A communication party as AR has it, and the message versions ordered for it."""
    parser.add_argument("--name", metavar="TEXT", help="the party's name in AR (needed for a new party)")
    parser.add_argument("--edi-address", metavar="ADDRESS", help="its EDI address in AR, e.g. roros-helse@edi.nhn.no")
    parser.add_argument(
        "--message",
        action="append",
        default=[],
        type=message_version,
        metavar="TYPE=VERSION",
        help="a message type and the version ordered, e.g. dialogmelding=1.1 (repeat for each type)",
    )


def add_pretest_results(parser: argparse.ArgumentParser) -> None:
    add_day(parser, "--sent-on", "the day the test messages were sent (T-7)")
    parser.add_argument("--transport", choices=["ok", "rejected"], help="the transport receipt: ok, rejected")
    parser.add_argument(
        "--apprec",
        choices=["ok", "rejected", "ok-with-errors"],
        help="the application receipt: ok, rejected, ok-with-errors",
    )


def add_dialog_times(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sent-at",
        type=moment,
        metavar="TIME",
        help="when it was sent: ISO 8601 with Oslo's UTC offset that day, e.g. 2027-02-02T09:00:00+01:00 "
        "(winter) or 2027-04-06T09:00:00+02:00 (summer)",
    )
    parser.add_argument(
        "--answered-at", type=moment, metavar="TIME", help="when it was answered, written like --sent-at"
    )


def add_target_options(parser: argparse.ArgumentParser, *, hf_required: bool = True) -> None:
    """Which HF, which of its deploy targets, and how to log in to an SFTP one."""
    parser.add_argument("--hf", required=hf_required, metavar="KEY", help="the helseforetak's key, e.g. st-olavs")
    parser.add_argument(
        "--target",
        metavar="TARGET",
        help="dir:PATH or sftp://USER@HOST:PORT/PATH (default: deploy.target in the HF's declaration)",
    )
    parser.add_argument(
        "--known-hosts",
        type=Path,
        metavar="FILE",
        help=f"known_hosts file holding the SFTP server's host key (default: ${environment.KNOWN_HOSTS}, "
        "then ~/.ssh/known_hosts); unknown hosts are refused",
    )
    parser.add_argument(
        "--identity",
        type=Path,
        metavar="FILE",
        help=f"private key for SFTP login (default: ${environment.SSH_KEY}); never a file inside the repository",
    )
    add_root(parser)


def add_break_lock(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--break-lock",
        action="store_true",
        help="remove the target's lock first (only when you know no deploy is running there)",
    )


def add_party(parser: argparse.ArgumentParser, *, hf: bool = True, typed_by_hand: bool = False) -> None:
    """Which HF and which communication party a record is about (``typed_by_hand``: a test result
    typed by hand, the fallback to ``receipts import``: why, and whether it is a new attempt)."""
    from pipeline.model.models import HF_KEYS

    if hf:
        parser.add_argument(
            "--hf", required=True, choices=HF_KEYS, metavar="KEY", help=f"the helseforetak: {', '.join(HF_KEYS)}"
        )
    parser.add_argument(
        "--her-id", required=True, type=her_id, metavar="N", help="the communication party's HER-id in AR, e.g. 8250001"
    )
    if typed_by_hand:
        parser.add_argument(
            "--justification",
            metavar="TEXT",
            help="why the receipts cannot be imported; without one R-H5 refuses activation",
        )
        parser.add_argument("--new-attempt", action="store_true", help="a re-test: a new attempt after the others")


def by_hand(args: argparse.Namespace) -> dict[str, Any]:
    """The options ``add_party(typed_by_hand=True)`` added, as keyword arguments."""
    return {"justification": args.justification, "new_attempt": args.new_attempt}


def day(value: str) -> dt.date:
    from pipeline.model import mistakes

    try:
        return mistakes.day(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def moment(value: str) -> dt.datetime:
    try:
        found = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 time (2027-03-30T09:00:00+02:00)") from None
    if found.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no UTC offset (write e.g. 2027-03-30T09:00:00+02:00)")
    from pipeline.routine.calendar import OSLO

    offset, oslo = found.utcoffset(), found.astimezone(OSLO)
    if offset and offset != oslo.utcoffset():
        # Neither UTC nor Oslo's offset that day: +02:00 in February is a summer-time slip.
        meant = found.replace(tzinfo=None).replace(tzinfo=OSLO)
        raise argparse.ArgumentTypeError(
            f"{value} is {oslo.strftime('%H:%M')} in Oslo, whose offset on {oslo.date().isoformat()} is "
            f"{oslo.strftime('%z')[:3]}:{oslo.strftime('%z')[3:]}: write {meant.isoformat()}"
        )
    return found


def message_version(value: str) -> tuple[str, str]:
    mtype, sep, version = value.partition("=")
    if not sep or not mtype.strip() or not version.strip():
        raise argparse.ArgumentTypeError(f"{value!r} is not TYPE=VERSION (e.g. dialogmelding=1.1)")
    return mtype.strip(), version.strip()


def her_id(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a HER-id (a positive number)")
    return int(value)
