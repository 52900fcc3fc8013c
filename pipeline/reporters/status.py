"""The status board (``oppkobling status``) as text, Markdown or JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pipeline.i18n import _, terms
from pipeline.render import escape

if TYPE_CHECKING:
    from pipeline.routine.board import Row
    from pipeline.routine.timeline import Entry


def _next_text(e: Entry | None) -> str:
    from pipeline.routine.timeline import describe_day

    if e is None:
        return _("nothing left")
    return f"{e.milestone.step.label} {_(e.milestone.step.title)}, {describe_day(e.milestone)} ({_(e.state.value)})"


def _steps(entries: Sequence[Entry]) -> str:
    """``K5/H2, K6/H4: reason``: milestones held up for the same reason are named together."""
    by_reason: dict[str, list[str]] = {}
    for e in entries:
        by_reason.setdefault(e.reason, []).append(e.milestone.step.label)
    return "; ".join(f"{', '.join(steps)} ({reason})" for reason, steps in by_reason.items()) or "-"


def as_text(rows: Sequence[Row], today: dt.date) -> str:
    lines = [_("Onboarding status on {today}: {count} kommune(r)").format(today=today.isoformat(), count=len(rows)), ""]
    width = max((len(terms.status(r.status)) for r in rows), default=9)
    for r in rows:
        t = r.t.isoformat() if r.t else _("not agreed")
        said_next, said_overdue, said_blocked = _("next:"), _("overdue:"), _("blocked:")
        status = terms.status(r.status)
        lines.append(f"{r.number} {r.name:<16} {status:<{width}} T {t:<10}  {said_next} {_next_text(r.next)}")
        if r.overdue:
            lines.append(f"{'':5}{said_overdue} {_steps(r.overdue)}")
        if r.blocked:
            lines.append(f"{'':5}{said_blocked} {_steps(r.blocked)}")
        for state in r.ar:
            lines.append(
                _("{value:5}AR {her_id}: {describe}").format(value="", her_id=state.her_id, describe=state.describe())
            )
    overdue = sum(len(r.overdue) for r in rows)
    blocked = sum(len(r.blocked) for r in rows)
    lines += ["", _("{overdue} overdue milestone(s), {blocked} blocked").format(overdue=overdue, blocked=blocked)]
    return "\n".join(lines) + "\n"


def as_markdown(rows: Sequence[Row], today: dt.date) -> str:
    lines = [
        "# " + _("Onboarding status on {today}").format(today=today.isoformat()),
        "",
        _("| {} | {} | T | {} | {} | {} | AR |").format(
            _("Kommune"), _("Status"), _("Next milestone"), _("Overdue"), _("Blocked")
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [
            f"{r.number} {r.name}",
            terms.status(r.status),
            r.t.isoformat() if r.t else _("not agreed"),
            _next_text(r.next),
            _steps(r.overdue),
            _steps(r.blocked),
            "; ".join(f"{s.her_id}: {s.describe()}" for s in r.ar) or "-",
        ]
        lines.append("| " + " | ".join(escape.markdown_text(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def as_json(rows: Sequence[Row], today: dt.date) -> str:
    doc = {
        "today": today.isoformat(),
        "kommuner": [
            {
                "kommune": r.number,
                "name": r.name,
                "status": r.status,
                "t": r.t.isoformat() if r.t else None,
                "next": r.next.as_dict() if r.next else None,
                "overdue": [e.as_dict() for e in r.overdue],
                "blocked": [e.as_dict() for e in r.blocked],
                "ar": [s.as_dict() for s in r.ar],
            }
            for r in rows
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


FORMATS: dict[str, Callable[[Sequence[Row], dt.date], str]] = {
    "text": as_text,
    "markdown": as_markdown,
    "json": as_json,
}
