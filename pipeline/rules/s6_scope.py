"""S6: the routine applies from 2018-04-01: an activation date before that is outside its scope.
So is one more than ten years after today (an agreement is planned months ahead, not decades),
and a date the pipeline cannot compute with at all (found while loading)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.model.declarations import Problem
from pipeline.routine.steps import SCOPE_START
from pipeline.rules.rule import Context, Rule

HORIZON_YEARS = 10


def horizon(today: dt.date) -> dt.date:
    """The last activation date in scope: ten years after ``today`` (28 February for 29 February)."""
    year = today.year + HORIZON_YEARS
    return today.replace(year=year, day=28) if (today.month, today.day) == (2, 29) else today.replace(year=year)


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for p in ctx.declarations.problems:
        if p.kind is Problem.SCOPE:
            yield r.error(p.location, p.message)
    last = horizon(ctx.today)
    for k in ctx.declarations.kommuner:
        dates: list[tuple[dt.date | None, tuple[str | int, ...]]] = [(k.model.t, ("activation", "date"))]
        dates += [
            (j.activation.date, ("parties", i, "joined", n, "activation", "date"))
            for i, party in enumerate(k.model.parties)
            for n, j in enumerate(party.joined)
        ]
        for t, where in dates:
            if t is None:
                continue
            if t < SCOPE_START:
                yield r.error(
                    k.at(*where),
                    _("activation date {t} is before {SCOPE_START}, outside the routine's scope").format(
                        t=t.isoformat(), SCOPE_START=SCOPE_START.isoformat()
                    ),
                )
            elif t > last:
                yield r.error(
                    k.at(*where),
                    _(
                        "activation date {t} is more than {HORIZON_YEARS} years after today ({today}): "
                        "outside the routine's scope; agree a nearer date"
                    ).format(t=t.isoformat(), HORIZON_YEARS=HORIZON_YEARS, today=ctx.today.isoformat()),
                )


RULE = Rule("S6", check, text="Rutinen gjelder f.o.m. 01.04.18")
