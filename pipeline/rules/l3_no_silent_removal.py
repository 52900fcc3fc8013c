"""L3: an active kommune is not deleted; it is set to ``withdrawn`` first, so nothing disappears
from a message server by accident. The same holds for every active agreement and message type
of it: a party removed or given another HER-id (one agreement removed, another added), a type
removed, evidence taken away -- an active agreement is withdrawn first (the party's or the
kommune's ``withdrawn``), never removed or set back silently."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.agreements import transitions
from pipeline.agreements.states import AgreementState
from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.model.models import Status
from pipeline.rules.rule import Context, Rule

KEPT = (AgreementState.ACTIVE, AgreementState.PAUSED, AgreementState.WITHDRAWN)


def _kommuner(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    head = ctx.declarations.by_number()
    for number, before in sorted(ctx.base.by_number().items()):
        if number in head or before.model.status is not Status.ACTIVE:
            continue
        yield r.error(
            before.at("status"),
            _("{name} ({number}) is active and was deleted: set status 'withdrawn' first").format(
                name=before.model.name, number=number
            ),
        )


def _agreements(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    for kc in transitions.compare(ctx.declarations, ctx.base):
        k, base = kc.head, kc.base
        if k is None or base is None:  # a deleted kommune: said above
            continue
        for (her_id, __, now), group in sorted(transitions.by_party(kc.changes).items()):
            if group[0].before is not AgreementState.ACTIVE or group[0].after in KEPT:
                continue
            hfs, types = transitions.listing(group)
            i = transitions.party_index(k, her_id)
            if i is not None:
                where = k.at("parties", i, "her_id")
                what = (
                    _("would become {now}").format(now=now)
                    if group[0].after
                    else _("would lose {types}").format(types=types)
                )
            else:
                j = transitions.party_index(base, her_id)
                assert j is not None
                where = k.at("parties", j, "her_id") if j < len(k.model.parties) else k.at("parties", key=True)
                what = _("would be removed (a changed HER-id removes one agreement and adds another)")
            yield r.error(
                where,
                _(
                    "the active agreement of party {her_id} ({types}) at {hfs} {what}: an active "
                    "agreement is withdrawn first (the party's withdrawn, or the kommune's status), "
                    "never removed or set back silently"
                ).format(her_id=her_id, types=types, hfs=hfs, what=what),
            )


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _kommuner(r, ctx)
    yield from _agreements(r, ctx)


RULE = Rule("L3", check, text="En aktiv kommune slettes ikke; den settes til withdrawn først", needs_base=True)
