"""L2: once testing has started, a new activation date means returning to ``ordered`` (the tests
are re-run for it); an active kommune's date does not change."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.model.models import Status
from pipeline.routine import lifecycle
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    base = ctx.base.by_number()
    for k in ctx.declarations.kommuner:
        before = base.get(k.model.kommune)
        if before is None or lifecycle.date_change_allowed(before.model, k.model):
            continue
        old = before.model
        where = k.at("activation", "date")
        t_old = old.t.isoformat() if old.t else _("none")
        t_new = k.model.t.isoformat() if k.model.t else _("none")
        if old.status is Status.ACTIVE:
            yield r.error(
                where,
                _("the activation date of an active kommune cannot change ({t_old} → {t_new})").format(
                    t_old=t_old, t_new=t_new
                ),
            )
        else:
            yield r.error(
                where,
                _(
                    "activation date changed ({t_old} → {t_new}) after testing began: return the "
                    "status to 'ordered' so the tests are re-run for the new date"
                ).format(t_old=t_old, t_new=t_new),
            )


RULE = Rule("L2", check, text="Ny aktiveringsdato etter at testingen har startet krever ny test", needs_base=True)
