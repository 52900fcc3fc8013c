"""``oppkobling timeline KOMMUNE``: a kommune's milestones and what is done, due or overdue."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Sequence

from pipeline.cli import common
from pipeline.errors import UsageError
from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.routine import timeline

NAME = "timeline"
HELP = "show a kommune's milestones (K1-K6, H5) with their dates and state on --today"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kommune", metavar="KOMMUNE", help="kommunenummer, name or file stem (5035, Stjørdal)")
    common.add_today(parser)
    parser.add_argument("--format", choices=["text", "json"], default="text")
    common.add_root(parser)


def find_kommune(decls: DeclarationSet, wanted: str) -> KommuneDecl:
    """The declaration named by number, name or file stem; a usage error (exit 2) otherwise."""
    found = decls.kommune(wanted.strip())
    if found is None:
        known = ", ".join(f"{k.model.kommune} {k.model.name}" for k in decls.kommuner)
        raise UsageError(f"no kommune declaration matches {wanted!r} (declared: {known or 'none'})")
    return found


def as_text(k: KommuneDecl, today: dt.date, entries: Sequence[timeline.Entry]) -> str:
    m = k.model
    t = m.t.isoformat() if m.t else "not agreed"
    lines = [f"{m.name} ({m.kommune}) · status {m.status} · T {t} · today {today.isoformat()}", ""]
    for e in entries:
        ms = e.milestone
        actors = ", ".join(a.value for a in ms.step.actors)
        lines.append(
            f"  {e.state.value:<9} {ms.step.label:<6} {timeline.describe_day(ms):<37} {ms.step.title} [{actors}]"
        )
        if e.reason:
            lines.append(f"            {e.reason}")
        if ms.detail:
            lines.append(f"            {ms.detail}")
        lines.append(f"            «{ms.step.quote}»")
    return "\n".join(lines) + "\n"


def as_json(k: KommuneDecl, today: dt.date, entries: Sequence[timeline.Entry]) -> str:
    m = k.model
    doc = {
        "kommune": m.kommune,
        "name": m.name,
        "file": k.path,
        "status": m.status.value,
        "t": m.t.isoformat() if m.t else None,
        "today": today.isoformat(),
        "milestones": [e.as_dict() for e in entries],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def run(args: argparse.Namespace) -> int:
    today = common.today(args)
    loaded = common.load(args)
    k = find_kommune(loaded.declarations, args.kommune)
    entries = timeline.states(k.model, today)
    render = as_json if args.format == "json" else as_text
    common.emit(render(k, today, entries))
    return 0
