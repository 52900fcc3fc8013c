"""The status board: every kommune's status, T, next milestone and what is overdue or blocked on
a given day (``oppkobling status``). The generated ``STATUS.md`` and ``status.html`` are the
day-independent view (``pipeline.render.status_page``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.ar.state import PartyState, party_state
from pipeline.model.declarations import DeclarationSet
from pipeline.routine import timeline


@dataclass(frozen=True)
class Row:
    number: str
    name: str
    status: str
    t: dt.date | None
    next: timeline.Entry | None
    overdue: tuple[timeline.Entry, ...]
    blocked: tuple[timeline.Entry, ...]
    ar: tuple[PartyState, ...] = ()  # what AR holds of each party


def board(declarations: DeclarationSet, today: dt.date) -> list[Row]:
    rows = []
    for k in sorted(declarations.kommuner, key=lambda k: (k.model.kommune, k.path)):
        entries = timeline.states(k.model, today, declarations.ar.snapshot)
        rows.append(
            Row(
                number=k.model.kommune,
                name=k.model.name,
                status=k.model.status.value,
                t=k.model.t,
                next=timeline.next_entry(entries),
                overdue=tuple(timeline.overdue(entries)),
                blocked=tuple(e for e in entries if e.state is timeline.State.BLOCKED),
                ar=tuple(party_state(declarations.ar.snapshot, p.her_id) for p in k.model.parties),
            )
        )
    return rows
