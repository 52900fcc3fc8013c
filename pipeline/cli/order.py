"""``oppkobling order KOMMUNE``: write step K2's order e-mail (.eml) to Hemit, ready to send."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import order_mail
from pipeline.cli import common
from pipeline.cli.timeline import find_kommune
from pipeline.errors import RepositoryError
from pipeline.reporters import REPORTERS
from pipeline.rules.k2_order import order_blockers

NAME = "order"
HELP = "write the order e-mail of step K2 (to meldingsansvarlig@helse-midt.no) as an .eml file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kommune", metavar="KOMMUNE", help="kommunenummer, name or file stem")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="where to write the message (default: <kommunenummer>-<slug>-bestilling.eml here)",
    )
    common.add_today(parser)
    common.add_root(parser)


def run(args: argparse.Namespace) -> int:
    today = common.today(args)
    loaded = common.load(args)
    k = find_kommune(loaded.declarations, args.kommune)
    problems = order_blockers(loaded.findings, k)
    if problems:
        common.emit(f"refusing to write the order for {k.model.name}: fix these first\n")
        common.emit(REPORTERS["text"](problems))
        return 1
    out: Path = args.out if args.out is not None else Path.cwd() / order_mail.filename(k)
    data = order_mail.as_bytes(order_mail.build(loaded.declarations, k, today))
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise RepositoryError(f"cannot write {out}: {exc.strerror or exc}") from None
    if k.model.order and k.model.order.sent_on:
        common.emit(f"note: the declaration already records the order as sent on {k.model.order.sent_on}\n")
    common.emit(f"wrote {out}: send it to {order_mail.HEMIT.addr_spec}, then run 'oppkobling record ")
    common.emit(f"{k.model.kommune} order --sent-on DATE'\n")
    return 0
