"""L1: against the base revision of a pull request, a kommune's status moves one step forward
(or to paused/withdrawn), a paused kommune returns where it left, and a new declaration starts
at the beginning. Merging is the activation gate: nobody activates by skipping the routine."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.model.declarations import KommuneDecl
from pipeline.model.models import FORWARD, Kommune, Status
from pipeline.routine import evidence
from pipeline.rules.rule import Context, Rule

NEW_MAY_START_AT = (Status.PLANNED, Status.ORDERED, Status.WITHDRAWN)


def paused_from_expected(before: Kommune, after: Kommune) -> Status | None:
    """Where a paused kommune must say it paused from: the status it was at (kept while paused).
    Otherwise paused_from would be a back door: pause from ordered, "return" to active."""
    if after.status is not Status.PAUSED or before.status is Status.WITHDRAWN:
        return None
    return before.paused_from if before.status is Status.PAUSED else before.status


def allowed(before: KommuneDecl | None, after: Kommune) -> bool:
    if before is None:
        return after.status in NEW_MAY_START_AT
    old = before.model
    new = after.status
    if new is Status.PAUSED:
        expected = paused_from_expected(old, after)
        return expected is not None and after.paused_from == expected
    if new == old.status or new is Status.WITHDRAWN:
        return True
    if new is Status.ORDERED and evidence.stage(old) is Status.TESTING and after.t != old.t:
        return True  # L2's way back: a new T after testing began returns to ordered
    if old.status is Status.PAUSED:
        return new == old.paused_from
    if old.status in FORWARD and new in FORWARD:
        return FORWARD.index(new) == FORWARD.index(old.status) + 1
    return False


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    base = ctx.base.by_number()
    for k in ctx.declarations.kommuner:
        before = base.get(k.model.kommune)
        if allowed(before, k.model):
            continue
        expected = paused_from_expected(before.model, k.model) if before else None
        if expected is not None:
            yield r.error(
                k.at("paused_from"),
                f"a pause keeps the kommune's place in the routine: paused_from must be '{expected}', "
                f"not '{k.model.paused_from}'",
            )
            continue
        if before is None:
            msg = (
                f"a new declaration must start at planned or ordered, not '{k.model.status}' "
                "(the routine's steps are recorded one pull request at a time)"
            )
        elif before.model.status is Status.PAUSED:
            msg = (
                f"a paused kommune returns to the status it left ('{before.model.paused_from}'), not '{k.model.status}'"
            )
        else:
            msg = (
                f"status may move one step forward (or to paused/withdrawn), not "
                f"'{before.model.status}' → '{k.model.status}'"
            )
        yield r.error(k.at("status"), msg)


RULE = Rule("L1", check, text="Status går planned → ordered → testing → active, ett steg om gangen", needs_base=True)
