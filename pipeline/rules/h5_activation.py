"""R-H5 (H5): a kommune is active only on or after T and with no deviation open (R-H2 and R-K6
require the rest of the evidence; ``pipeline.routine.evidence.verified`` is all of it).

"Verified" means read from the receipts: a kommune becomes active (active here, not at the base
revision) only on evidence imported with ``oppkobling receipts import``. A value typed by hand
(``oppkobling record pretest|dialog``, or a declaration written before receipts were imported)
refuses the activation unless its attempt states a ``justification``; a justified one is named
in a warning, so the reviewers of the pull request see it. The same holds for a late addition
(``pipeline.routine.lifecycle``) of an active kommune that becomes active on its own evidence.
Without a base revision there is no activation to judge: an agreement that is already active is
not reopened."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.model.declarations import KommuneDecl
from pipeline.model.models import HF_KEYS, Dialog, Join, Party, Pretest, Status
from pipeline.routine import evidence
from pipeline.routine.steps import H5
from pipeline.rules.rule import Context, Rule


def _becomes_active(k: KommuneDecl, ctx: Context) -> bool:
    if ctx.base is None:
        return False
    before = next((b for b in ctx.base.kommuner if b.model.kommune == k.model.kommune), None)
    return before is None or before.model.status is not Status.ACTIVE


def _late_activations(k: KommuneDecl, ctx: Context) -> Iterator[tuple[Party, Join]]:
    """The late additions (``pipeline.routine.lifecycle``) of an active kommune that become
    active in this change: verified on their own evidence here, not at the base revision."""
    m = k.model
    if ctx.base is None or m.status is not Status.ACTIVE:
        return
    base = next((b.model for b in ctx.base.kommuner if b.model.kommune == m.kommune), None)
    for party in m.parties:
        old = next((p for p in base.parties if p.her_id == party.her_id), None) if base else None
        for join in party.joined:
            if not evidence.late_verified(m, party, join, HF_KEYS):
                continue
            was = (
                base is not None
                and old is not None
                and base.status is Status.ACTIVE
                and any(j.on == join.on and evidence.late_verified(base, old, j, HF_KEYS) for j in old.joined)
            )
            if not was:
                yield party, join


def _typed_by_hand(r: Rule, k: KommuneDecl, pairs: Iterable[tuple[str, Party, dt.date | None]]) -> Iterator[Finding]:
    """The deciding attempts of each (HF, party, since) that hold values typed by hand: an error
    without a justification, a warning naming it with one."""
    m = k.model
    for hf, party, since in pairs:
        ev = m.evidence(hf, party.her_id)
        if ev is None:
            continue
        deciding: list[tuple[str, tuple[int, Pretest | Dialog]]] = []
        pretests = evidence.counting(m, ev.pretests, since)
        dialogs = evidence.counting(m, ev.dialogs, since)
        deciding += [(evidence.PRETEST, pretests[-1])] if pretests else []
        deciding += [(evidence.DIALOG, dialogs[-1])] if dialogs else []
        for kind, (index, attempt) in deciding:
            values = evidence.hand_typed(m, attempt, party)
            if not values:
                continue
            where = k.at("tests", hf, str(party.her_id), *evidence.where(ev, kind, index))
            named = ", ".join(values)
            if attempt.justification:
                yield r.warning(
                    where,
                    _("activated on {kind} evidence typed by hand ({named}): {justification}").format(
                        kind=kind, named=named, justification=attempt.justification
                    ),
                )
            else:
                yield r.error(
                    where,
                    _(
                        "cannot become active on {kind} evidence typed by hand ({named}) from {hf} to "
                        "party {her_id}: import the receipts (oppkobling receipts import), or state why "
                        "they cannot be in a justification"
                    ).format(kind=kind, named=named, hf=hf, her_id=party.her_id),
                )


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.status is not Status.ACTIVE:
            continue
        if m.t and ctx.today < m.t:
            yield r.error(
                k.at("status"), _("cannot be active before the activation date {t}").format(t=m.t.isoformat())
            )
        for i, party in enumerate(m.parties):
            for n, join in enumerate(party.joined):
                t = join.activation.date
                if t and ctx.today < t and evidence.late_verified(m, party, join, HF_KEYS):
                    yield r.error(
                        k.at("parties", i, "joined", n, "activation", "date"),
                        _("{join} of party {her_id} cannot be active before its activation date {t}").format(
                            join=", ".join(join.messages), her_id=party.her_id, t=t.isoformat()
                        ),
                    )
        for i, dev in enumerate(m.deviations):
            if dev.open:
                yield r.error(
                    k.at("deviations", i, "opened_on"),
                    _("cannot be active with an open deviation ({description})").format(description=dev.description),
                )
        if _becomes_active(k, ctx):
            yield from _typed_by_hand(r, k, ((hf, p, None) for hf, p in evidence.pairs(m, HF_KEYS)))
        # A late addition becomes active on its own evidence, held to the same standard.
        late = [(hf, party, join.on) for party, join in _late_activations(k, ctx) for hf in HF_KEYS]
        yield from _typed_by_hand(r, k, late)


RULE = Rule("R-H5", check, step=H5)
