"""R-K3 (K3): every communication party is published in NHN's address register (AR) no later than
T-14; with an AR snapshot, each HER-id is there, valid on T and the kommune's own."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.model.ar_snapshot import ArSnapshot
from pipeline.model.declarations import KommuneDecl
from pipeline.model.models import Status
from pipeline.routine import calendar, evidence, lifecycle
from pipeline.routine.steps import K3
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    label = K3.when
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.t is None or m.status is Status.WITHDRAWN:
            continue
        kommune_testing = lifecycle.stage(m) in (Status.TESTING, Status.ACTIVE)
        for i, party in enumerate(m.parties):
            t = lifecycle.t_of(m, party) or m.t
            deadline = calendar.ar_deadline(t)
            # A party that joined late is as far as its own tests (lifecycle); the others, as the kommune.
            if evidence.own_routine(party) or not party.joined:
                late_stage = kommune_testing
            else:
                since = min(j.on for j in party.joined)
                late_stage = any(evidence.pretest_recorded(m, hf, party, since=since) for hf in m.tests)
            if ctx.ar is not None:
                yield from _against_snapshot(r, ctx.ar, k, i)
            if party.ar_published_on is not None:
                if party.ar_published_on > deadline:
                    yield r.error(
                        k.at("parties", i, "ar_published_on"),
                        f"published in AR {party.ar_published_on.isoformat()}, after the deadline {label} "
                        f"({deadline.isoformat()})",
                    )
                continue
            where = k.at("parties", i, "her_id")
            if late_stage:
                yield r.error(
                    where,
                    f"party {party.her_id} is not published in AR; status '{m.status}' requires it "
                    f"(deadline {deadline.isoformat()})",
                )
            elif ctx.today > deadline:
                yield r.error(
                    where,
                    f"party {party.her_id} was not published in AR by {label} ({deadline.isoformat()})",
                )
            else:
                yield r.warning(where, f"party {party.her_id}: publish in AR by {deadline.isoformat()} ({label})")


def _against_snapshot(r: Rule, ar: ArSnapshot, k: KommuneDecl, i: int) -> Iterator[Finding]:
    """The party as NHN's address register knows it: present, valid on T, the kommune's own."""
    party, t = k.model.parties[i], k.model.t
    where = k.at("parties", i, "her_id")
    entry = ar.find(party.her_id)
    exported = f" (AR snapshot of {ar.exported_on.isoformat()})" if ar.exported_on else " (AR snapshot)"
    if entry is None:
        if party.ar_published_on is not None:
            yield r.error(where, f"HER-id {party.her_id} is recorded as published but is not in AR{exported}")
        return
    if t is not None and not entry.valid_on(t):
        span = f"{entry.valid_from or '…'} to {entry.valid_to or '…'}"
        yield r.error(where, f"HER-id {party.her_id} is not valid in AR on T {t.isoformat()} (valid {span}){exported}")
    if entry.parent_org_number and entry.parent_org_number != k.model.org_number:
        yield r.error(
            where,
            f"HER-id {party.her_id} belongs to organisation {entry.parent_org_number} in AR, "
            f"not {k.model.org_number}{exported}",
        )
    if party.ar_published_on is None:
        since = f" since {entry.valid_from.isoformat()}" if entry.valid_from else ""
        yield r.warning(
            k.at("parties", i, "her_id"),
            f"HER-id {party.her_id} is in AR{since}: record parties[{i}].ar_published_on{exported}",
        )


RULE = Rule("R-K3", check, step=K3)
