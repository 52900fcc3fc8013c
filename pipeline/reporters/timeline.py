"""A kommune's timeline (``oppkobling timeline``) as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from pipeline import layout
from pipeline.i18n import N_, _, terms

# Milestone states as a person reads them (the JSON keeps the values).
STATES = (N_("done"), N_("due"), N_("overdue"), N_("blocked"), N_("upcoming"), N_("cancelled"))

if TYPE_CHECKING:
    from pipeline.app.timeline import KommuneTimeline


def as_text(tl: KommuneTimeline) -> str:
    from pipeline.routine.timeline import describe_day

    m = tl.kommune.model
    t = m.t.isoformat() if m.t else _("not agreed")
    head = _("{name} ({number}) · status {status} · T {t} · today {today}").format(
        name=m.name, number=m.kommune, status=terms.status(m.status), t=t, today=tl.today.isoformat()
    )
    lines = [head, ""]
    for e in tl.entries:
        ms = e.milestone
        actors = ", ".join(a.value for a in ms.step.actors)
        said_state, title = _(e.state.value), _(ms.step.title)
        lines.append(f"  {said_state:<9} {ms.step.label:<6} {describe_day(ms):<37} {title} [{actors}]")
        if e.reason:
            lines.append(f"            {e.reason}")
        if ms.detail:
            lines.append(f"            {ms.detail}")
        lines.extend(f"              {line}" for line in ms.evidence_lines)
        lines.append(f"            «{ms.step.quote}»")
    lines += ["", _("NHN's address register ({folder}/):").format(folder=layout.AR_DIR)] if tl.ar else []
    for party, state in zip(tl.kommune.model.parties, tl.ar, strict=True):
        lines.append(f"  {party.her_id} {party.name}: {state.describe()}")
    return "\n".join(lines) + "\n"


def as_json(tl: KommuneTimeline) -> str:
    m = tl.kommune.model
    doc = {
        "kommune": m.kommune,
        "name": m.name,
        "file": tl.kommune.path,
        "status": m.status.value,
        "t": m.t.isoformat() if m.t else None,
        "today": tl.today.isoformat(),
        "milestones": [e.as_dict() for e in tl.entries],
        "ar": [state.as_dict() for state in tl.ar],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


FORMATS: dict[str, Callable[[KommuneTimeline], str]] = {"text": as_text, "json": as_json}
