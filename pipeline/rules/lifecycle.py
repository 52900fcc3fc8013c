"""L1-L3: what a pull request may do to a declaration, compared with its base revision.
Merging is the activation gate, so these rules make sure nobody activates by skipping the
routine and nothing disappears from a message server by accident."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.model.models import FORWARD, Kommune, Status
from pipeline.routine import evidence
from pipeline.rules import Context, Rule, rule

NEW_MAY_START_AT = (Status.PLANNED, Status.ORDERED, Status.WITHDRAWN)


def _by_number(decls: DeclarationSet) -> dict[str, KommuneDecl]:
    return {k.model.kommune: k for k in decls.kommuner}


def _paused_from_expected(before: Kommune, after: Kommune) -> Status | None:
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
        expected = _paused_from_expected(old, after)
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


@rule(
    "L1",
    step="L1",
    quote="Status går planned → ordered → testing → active, ett steg om gangen",
    needs_base=True,
)
def one_step(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    base = _by_number(ctx.base)
    for k in ctx.declarations.kommuner:
        before = base.get(k.model.kommune)
        if allowed(before, k.model):
            continue
        expected = _paused_from_expected(before.model, k.model) if before else None
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


@rule(
    "L2",
    step="L2",
    quote="Ny aktiveringsdato etter at testingen har startet krever ny test",
    needs_base=True,
)
def date_frozen(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    base = _by_number(ctx.base)
    for k in ctx.declarations.kommuner:
        before = base.get(k.model.kommune)
        if before is None or before.model.t == k.model.t:
            continue
        old = before.model
        stage = old.paused_from if old.status is Status.PAUSED else old.status
        where = k.at("activation", "date")
        t_old = old.t.isoformat() if old.t else "none"
        t_new = k.model.t.isoformat() if k.model.t else "none"
        if old.status is Status.ACTIVE:
            yield r.error(where, f"the activation date of an active kommune cannot change ({t_old} → {t_new})")
        elif stage in (Status.TESTING, Status.ACTIVE) and k.model.status is not Status.ORDERED:
            yield r.error(
                where,
                f"activation date changed ({t_old} → {t_new}) after testing began: return the status "
                "to 'ordered' so the tests are re-run for the new date",
            )


@rule(
    "L3",
    step="L3",
    quote="En aktiv kommune slettes ikke; den settes til withdrawn først",
    needs_base=True,
)
def no_silent_removal(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    head = _by_number(ctx.declarations)
    for number, before in sorted(_by_number(ctx.base).items()):
        if number in head or before.model.status is not Status.ACTIVE:
            continue
        yield r.error(
            before.at("status"),
            f"{before.model.name} ({number}) is active and was deleted: set status 'withdrawn' first",
        )
