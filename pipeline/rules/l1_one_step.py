"""L1: against the base revision of a pull request, a kommune's status moves one step forward
(or to paused/withdrawn), a paused kommune returns where it left, and a new declaration starts
at the beginning -- and so does every agreement and every message type of it: each (HF, party,
message type) moves at most one step (pending → test → active) per change, a new one starts
``pending``, and a withdrawn one does not come back. Merging is the activation gate: nobody
activates by skipping the routine, for the kommune or for anything added to it."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.agreements import transitions
from pipeline.agreements.states import STEP, AgreementState
from pipeline.findings import Finding
from pipeline.i18n import N_, _
from pipeline.model.models import Status
from pipeline.routine import lifecycle
from pipeline.rules.rule import Context, Rule

ONE_STEP = N_("an agreement moves one step at a time (pending → test → active), each step merged on its own")
LATE = N_(
    "; a party or message type added to a kommune that is testing or active follows its own routine "
    "(record it under parties[].joined)"
)


def _kommune(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    base = ctx.base.by_number()
    for k in ctx.declarations.kommuner:
        before = base.get(k.model.kommune)
        if lifecycle.status_step_allowed(before.model if before else None, k.model):
            continue
        expected = lifecycle.paused_from_expected(before.model, k.model) if before else None
        if expected is not None:
            yield r.error(
                k.at("paused_from"),
                _(
                    "a pause keeps the kommune's place in the routine: paused_from must be "
                    "'{expected}', not '{paused_from}'"
                ).format(expected=expected, paused_from=k.model.paused_from),
            )
            continue
        if before is None:
            msg = _(
                "a new declaration must start at planned or ordered, not '{status}' (the "
                "routine's steps are recorded one pull request at a time)"
            ).format(status=k.model.status)
        elif before.model.status is Status.PAUSED:
            msg = _("a paused kommune returns to the status it left ('{paused_from}'), not '{status}'").format(
                paused_from=before.model.paused_from, status=k.model.status
            )
        else:
            msg = _("status may move one step forward (or to paused/withdrawn), not '{status}' → '{status2}'").format(
                status=before.model.status, status2=k.model.status
            )
        yield r.error(k.at("status"), msg)


def _agreements(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    for kc in transitions.compare(ctx.declarations, ctx.base):
        k = kc.head
        if k is None:
            continue
        for (her_id, was, now), group in sorted(transitions.by_party(kc.changes).items()):
            after = group[0].after
            if after is None or after in (AgreementState.PAUSED, AgreementState.WITHDRAWN):
                continue
            before = group[0].before
            if before is AgreementState.WITHDRAWN:
                why = _("a withdrawn agreement does not come back: add the party anew (parties[].joined)")
            elif STEP[after] - (STEP.get(before, 0) if before else 0) > 1:
                why = _(ONE_STEP) + (
                    _(LATE) if before is None and lifecycle.stage(k.model) is not Status.ORDERED else ""
                )
            else:
                continue
            i = transitions.party_index(k, her_id)
            assert i is not None
            hfs, types = transitions.listing(group)
            new_types = list(dict.fromkeys(c.message_type for c in group if c.before is None))
            where = (
                k.at("parties", i, "messages", new_types[0])
                if 0 < len(new_types) < len(k.model.parties[i].messages)
                else k.at("parties", i, "her_id")
            )
            yield r.error(
                where,
                _("party {her_id} ({types}) at {hfs} would go from {was} to {now} in one change: {why}").format(
                    her_id=her_id, types=types, hfs=hfs, was=was, now=now, why=why
                ),
            )


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _kommune(r, ctx)
    yield from _agreements(r, ctx)


RULE = Rule("L1", check, text="Status går planned → ordered → testing → active, ett steg om gangen", needs_base=True)
