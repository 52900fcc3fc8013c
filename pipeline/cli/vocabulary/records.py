"""The options of what is recorded about a communication party: which HF and party, its fields as
AR has them, the pretest's receipts and the test dialog's times."""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.cli.vocabulary.options import add_day
from pipeline.cli.vocabulary.values import her_id, message_version, moment


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
