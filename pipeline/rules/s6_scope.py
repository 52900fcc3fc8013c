"""S6: the routine applies from 2018-04-01; an activation date before that is outside its scope."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.routine.steps import SCOPE_START
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        t = k.model.t
        if t is not None and t < SCOPE_START:
            yield r.error(
                k.at("activation", "date"),
                f"activation date {t.isoformat()} is before {SCOPE_START.isoformat()}, outside the routine's scope",
            )


RULE = Rule("S6", check, text="Rutinen gjelder f.o.m. 01.04.18")
