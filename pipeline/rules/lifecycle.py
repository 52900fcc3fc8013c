"""L1-L3: what a pull request may do to a declaration, compared with its base revision.
Merging is the activation gate, so these rules make sure nobody activates by skipping the
routine and nothing disappears from a message server by accident."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.declarations import DeclarationSet, KommuneDecl
from pipeline.findings import Finding
from pipeline.models import FORWARD, Status
from pipeline.rules import Context, Rule, rule

NEW_MAY_START_AT = (Status.PLANNED, Status.ORDERED, Status.WITHDRAWN)


def _by_number(decls: DeclarationSet) -> dict[str, KommuneDecl]:
    return {k.model.kommune: k for k in decls.kommuner}


def allowed(before: KommuneDecl | None, after: Status) -> bool:
    if before is None:
        return after in NEW_MAY_START_AT
    old = before.model.status
    if after == old or (after in (Status.PAUSED, Status.WITHDRAWN) and old is not Status.WITHDRAWN):
        return True
    if old is Status.PAUSED:
        return after == before.model.paused_from
    if old in FORWARD and after in FORWARD:
        return FORWARD.index(after) == FORWARD.index(old) + 1
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
        if allowed(before, k.model.status):
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
