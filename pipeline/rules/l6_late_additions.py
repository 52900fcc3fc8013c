"""L6: what is added to a kommune that is testing or active -- a party, a party under a new
HER-id, a message type of a party -- follows the routine on its own (``pipeline.routine.lifecycle``):
it is recorded as a late addition (``parties[].joined``), dated no earlier than the base revision
(so evidence recorded before it appeared cannot count for it, and evidence dated earlier is
refused), and it stays one: a late addition already on the base is not turned into part of the
kommune's own routine."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.i18n import N_, _
from pipeline.model.declarations import KommuneDecl
from pipeline.model.models import Party, Status
from pipeline.routine import evidence, lifecycle
from pipeline.rules.rule import Context, Rule

HOW = N_(
    "record it under parties[{i}].joined (on: the day it was added, activation: its own date and when it was agreed)"
)


def _party(r: Rule, ctx: Context, k: KommuneDecl, i: int, before: Party | None) -> Iterator[Finding]:
    party = k.model.parties[i]
    stage = lifecycle.stage(k.model)
    if stage in (Status.TESTING, Status.ACTIVE):
        for mtype in party.messages:
            if (before is None or mtype not in before.messages) and party.join_of(mtype) is None:
                where = k.at("parties", i, "her_id") if before is None else k.at("parties", i, "messages", mtype)
                what = (
                    _("party {her_id}").format(her_id=party.her_id)
                    if before is None
                    else _("message type {mtype} of party {her_id}").format(mtype=mtype, her_id=party.her_id)
                )
                yield r.error(
                    where,
                    _(
                        "{what} is added to a kommune that is {stage}: it took no part in the tests "
                        "recorded so far and follows the routine on its own; {format}"
                    ).format(what=what, stage=stage, format=_(HOW).format(i=i)),
                )
                if before is None:
                    break  # one finding for a whole new party
    for n, join in enumerate(party.joined):
        if before is not None and join in before.joined:
            continue
        if join.on < ctx.added_on_or_after:
            yield r.error(
                k.at("parties", i, "joined", n, "on"),
                _(
                    "joined on {on}, before {added_on_or_after} (the base revision's date): evidence "
                    "dated before an addition appears cannot count for it; date it "
                    "{added_on_or_after} or later"
                ).format(on=join.on.isoformat(), added_on_or_after=ctx.added_on_or_after.isoformat()),
            )
    if party.joined and not evidence.own_routine(party):
        # All of it joined late: evidence dated before it joined was recorded for something else.
        since = min(j.on for j in party.joined)
        for hf in ctx.declarations.helseforetak:
            for piece in evidence.recorded(k.model, hf.model.key, party):
                if piece.on < since:
                    yield r.error(
                        k.at(*piece.where),
                        _(
                            "{what} for party {her_id} dated {on}, before it joined on {since}: it was "
                            "recorded for something else and does not count"
                        ).format(
                            what=piece.what, her_id=party.her_id, on=piece.on.isoformat(), since=since.isoformat()
                        ),
                    )
    if before is None:
        return
    for mtype, join in lifecycle.late_types(before).items():
        if mtype in party.messages and party.join_of(mtype) is None:
            yield r.error(
                k.at("parties", i, "messages", mtype),
                _(
                    "{mtype} of party {her_id} joined late (on {on}) and keeps its own routine: it "
                    "stays in parties[].joined"
                ).format(mtype=mtype, her_id=party.her_id, on=join.on.isoformat()),
            )


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    base = ctx.base.by_number()
    for k in ctx.declarations.kommuner:
        b = base.get(k.model.kommune)
        if b is None:
            continue  # a new kommune starts its routine from the beginning (L1)
        parties = {p.her_id: p for p in b.model.parties}
        for i, party in enumerate(k.model.parties):
            yield from _party(r, ctx, k, i, parties.get(party.her_id))


RULE = Rule(
    "L6",
    check,
    text="Det som legges til en kommune under testing eller aktiv, følger rutinen for seg",
    needs_base=True,
)
