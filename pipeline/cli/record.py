"""``oppkobling record KOMMUNE WHAT ...``: a step's evidence, in place, keeping comments and key order, only
if it adds no error (``pipeline.app.record``); ``pretest``/``dialog``: the typed-by-hand fallback to ``receipts``."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from pipeline import cli
from pipeline.app import inputs
from pipeline.app.record import record
from pipeline.model import edits
from pipeline.model.models import HF_KEYS, Status
from pipeline.reporters import edits as reports

NAME = "record"
HELP = "record evidence (order, AR, pretest, dialog, deviation, status, activation) keeping comments"
STATUSES = [s.value for s in Status]
FALLBACK = "fallback, typed by hand (use 'oppkobling receipts import')"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cli.add_kommune(parser)
    what = parser.add_subparsers(dest="what", metavar="WHAT", parser_class=type(parser))
    what.required = True
    p = what.add_parser("activation", help="K1: the agreed activation date T (and the day it was agreed)")
    cli.add_day(p, "--date", "T, the activation date (a Norwegian working day)", required=True)
    cli.add_day(p, "--agreed-on", "the day T was agreed with Hemit")
    p = what.add_parser("order", help="K2: the order was sent to Hemit")
    cli.add_day(p, "--sent-on", "the day the order was sent", required=True)
    p.add_argument("--reference", metavar="TEXT", help="Hemit's reference for the order, e.g. HEMIT-4711")
    p = what.add_parser("party", help="K2: add a communication party as AR has it (or change one), with its messages")
    cli.add_party(p, hf=False)
    cli.add_party_fields(p)
    p = what.add_parser("ar", help="K3: a communication party was published in NHN AR")
    cli.add_party(p, hf=False)
    cli.add_day(p, "--on", "the day it was published in AR", required=True)
    p = what.add_parser("pretest", help=f"K5/H2 {FALLBACK}: the test epikrise/lab's receipts, per HF and party")
    cli.add_party(p, typed_by_hand=True)
    cli.add_pretest_results(p)
    p = what.add_parser("dialog", help=f"K6/H4 {FALLBACK}: the test dialogmelding sent at 09:00 on T and its answer")
    cli.add_party(p, typed_by_hand=True)
    cli.add_dialog_times(p)
    deviation = what.add_parser("deviation", help="H3: a deviation during the test period, opened or resolved")
    action = deviation.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    action.required = True
    p = action.add_parser("open", help="record a new deviation")
    p.add_argument("--hf", choices=HF_KEYS, help=f"the helseforetak it concerns: {', '.join(HF_KEYS)}")
    cli.add_day(p, "--on", "the day it was opened", required=True)
    p.add_argument("--description", required=True, metavar="TEXT", help="what went wrong, in a sentence")
    p = action.add_parser("resolve", help="mark a deviation resolved")
    p.add_argument("--index", required=True, type=int, metavar="N", help="which deviation, from 1 in file order")
    cli.add_day(p, "--on", "the day it was resolved", required=True)
    p = what.add_parser("status", help="move the status (one step at a time, or to paused/withdrawn)")
    p.add_argument("new", choices=STATUSES, metavar="STATUS", help=f"the new status: {', '.join(STATUSES)}")
    returns = f"with 'paused': the status to return to, one of {', '.join(STATUSES)} (default: the current one)"
    p.add_argument("--paused-from", choices=STATUSES, metavar="STATUS", help=returns)
    for each in (*what.choices.values(), *action.choices.values()):
        if each is not deviation:
            cli.add_today(each)
            cli.add_root(each)


EDITS: dict[str, Callable[[argparse.Namespace], edits.Edit]] = {
    "activation": lambda a: edits.set_activation(a.date, a.agreed_on),
    "order": lambda a: edits.set_order(a.sent_on, a.reference),
    "party": lambda a: edits.set_party(a.her_id, a.name, a.edi_address, dict(a.message)),
    "ar": lambda a: edits.set_ar(a.her_id, a.on),
    "pretest": lambda a: edits.set_pretest(a.hf, a.her_id, a.sent_on, a.transport, a.apprec, **cli.by_hand(a)),
    "dialog": lambda a: edits.set_dialog(a.hf, a.her_id, a.sent_at, a.answered_at, **cli.by_hand(a)),
    "open": lambda a: edits.open_deviation(a.hf, a.on, a.description),
    "resolve": lambda a: edits.resolve_deviation(a.index, a.on),
    "status": lambda a: edits.set_status(Status(a.new), Status(a.paused_from) if a.paused_from else None),
}


def run(args: argparse.Namespace) -> int:
    today = inputs.today(args.today)
    edit = EDITS[args.action if args.what == "deviation" else args.what](args)
    done = record(inputs.repository(args.root), args.kommune, edit, today=today)
    cli.emit(reports.recorded(done))
    return 0 if done.outcome.accepted else 1
