"""``oppkobling record KOMMUNE WHAT ...``: record a step's evidence in a declaration, in place.

The edit keeps every comment and the key order (``pipeline.editing``); the result is checked
against every rule in memory, with the file as it is now as the base (so a status moves one
step at a time), and written atomically only if it introduces no new error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from pathlib import Path

from pipeline import editing
from pipeline.cli import common
from pipeline.errors import RepositoryError, UsageError
from pipeline.io.partners import read_tree
from pipeline.model.models import HF_KEYS, Status
from pipeline.reporters import REPORTERS

NAME = "record"
HELP = "record evidence (order, AR, pretest, dialog, deviation, status, activation) keeping comments"


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 time (2027-03-30T09:00:00+02:00)") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no UTC offset (write e.g. 2027-03-30T09:00:00+02:00)")
    return moment


def _her_id(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a HER-id (a positive number)")
    return int(value)


def _common(parser: argparse.ArgumentParser) -> None:
    common.add_today(parser)
    common.add_root(parser)


def _party_args(parser: argparse.ArgumentParser, *, hf: bool = True) -> None:
    if hf:
        parser.add_argument("--hf", required=True, choices=HF_KEYS, help="the helseforetak")
    parser.add_argument("--her-id", required=True, type=_her_id, help="the communication party's HER-id")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kommune", metavar="KOMMUNE", help="kommunenummer, name or file stem")
    what = parser.add_subparsers(dest="what", metavar="WHAT", parser_class=type(parser))
    what.required = True

    p = what.add_parser("activation", help="K1: the agreed activation date T (and the day it was agreed)")
    p.add_argument("--date", required=True, type=_day, help="T")
    p.add_argument("--agreed-on", type=_day, help="the day T was agreed with Hemit")
    _common(p)

    p = what.add_parser("order", help="K2: the order was sent to Hemit")
    p.add_argument("--sent-on", required=True, type=_day)
    p.add_argument("--reference", help="Hemit's reference for the order")
    _common(p)

    p = what.add_parser("ar", help="K3: a communication party was published in NHN AR")
    _party_args(p, hf=False)
    p.add_argument("--on", required=True, type=_day, help="the day it was published")
    _common(p)

    p = what.add_parser("pretest", help="K5/H2: the test epikrise/lab and its receipts, per HF and party")
    _party_args(p)
    p.add_argument("--sent-on", type=_day)
    p.add_argument("--transport", choices=["ok", "rejected"], help="the transport receipt")
    p.add_argument("--apprec", choices=["ok", "rejected", "ok-with-errors"], help="the application receipt")
    _common(p)

    p = what.add_parser("dialog", help="K6/H4: the test dialogmelding sent at 09:00 on T and its answer")
    _party_args(p)
    p.add_argument("--sent-at", type=_moment, help="ISO 8601 with offset, e.g. 2027-03-30T09:00:00+02:00")
    p.add_argument("--answered-at", type=_moment, help="ISO 8601 with offset")
    _common(p)

    p = what.add_parser("deviation", help="H3: a deviation during the test period, opened or resolved")
    action = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    action.required = True
    opened = action.add_parser("open", help="record a new deviation")
    opened.add_argument("--hf", choices=HF_KEYS, help="the helseforetak it concerns")
    opened.add_argument("--on", required=True, type=_day)
    opened.add_argument("--description", required=True)
    _common(opened)
    resolved = action.add_parser("resolve", help="mark a deviation resolved")
    resolved.add_argument("--index", required=True, type=int, help="which deviation, counting from 1 in file order")
    resolved.add_argument("--on", required=True, type=_day)
    _common(resolved)

    p = what.add_parser("status", help="move the status (one step at a time, or to paused/withdrawn)")
    p.add_argument("new", choices=[s.value for s in Status], metavar="STATUS")
    p.add_argument(
        "--paused-from",
        choices=[s.value for s in Status],
        help="with 'paused': the status to return to (default: the current one)",
    )
    _common(p)


def edit_for(args: argparse.Namespace) -> editing.Edit:
    match args.what:
        case "activation":
            return editing.set_activation(args.date, args.agreed_on)
        case "order":
            return editing.set_order(args.sent_on, args.reference)
        case "ar":
            return editing.set_ar(args.her_id, args.on)
        case "pretest":
            return editing.set_pretest(args.hf, args.her_id, args.sent_on, args.transport, args.apprec)
        case "dialog":
            return editing.set_dialog(args.hf, args.her_id, args.sent_at, args.answered_at)
        case "deviation" if args.action == "open":
            return editing.open_deviation(args.hf, args.on, args.description)
        case "deviation":
            return editing.resolve_deviation(args.index, args.on)
        case "status":
            paused_from = Status(args.paused_from) if args.paused_from else None
            return editing.set_status(Status(args.new), paused_from)
    raise UsageError(f"nothing to record for {args.what!r}")  # pragma: no cover


def write_atomically(target: Path, data: bytes) -> None:
    """Write a sibling temporary file, flush it to disk, then rename it over ``target``: a reader
    (or a crash) sees the old file or the new one, never a half-written one."""
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(target)  # os.replace: atomic on POSIX within one directory
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise RepositoryError(f"cannot write {target}: {exc.strerror or exc}") from None
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def run(args: argparse.Namespace) -> int:
    today = common.today(args)
    root = common.root(args)
    files, _ = read_tree(root)
    path = editing.locate(files, args.kommune)
    outcome = editing.apply(files, path, edit_for(args), today)
    if not outcome.accepted:
        common.emit(f"{path}: not recorded ({outcome.description}); it would introduce these errors:\n")
        common.emit(REPORTERS["text"](list(outcome.new_errors)))
        return 1
    if outcome.after == outcome.before:
        common.emit(f"{path}: already recorded ({outcome.description}); nothing changed\n")
        return 0
    write_atomically(root / path, outcome.after)
    common.emit(f"{path}: recorded {outcome.description}\n{outcome.diff()}")
    for warning in outcome.new_warnings:
        common.emit(f"{warning.location}: warning {warning.rule} {warning.message}\n")
    return 0
