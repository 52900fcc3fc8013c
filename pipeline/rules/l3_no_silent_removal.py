"""L3: an active kommune is not deleted; it is set to ``withdrawn`` first, so nothing disappears
from a message server by accident."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.model.models import Status
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    head = ctx.declarations.by_number()
    for number, before in sorted(ctx.base.by_number().items()):
        if number in head or before.model.status is not Status.ACTIVE:
            continue
        yield r.error(
            before.at("status"),
            f"{before.model.name} ({number}) is active and was deleted: set status 'withdrawn' first",
        )


RULE = Rule("L3", check, text="En aktiv kommune slettes ikke; den settes til withdrawn først", needs_base=True)
