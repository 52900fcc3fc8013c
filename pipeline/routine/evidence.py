"""What the recorded test evidence proves, per HF and communication party: "is this agreement
verified" (R-H2 + R-K6 + R-H5), decided here once. The one module that reads a declaration's
``tests``: the rules, the lifecycle and the states ask here, dates included (evidence dated
before a late addition joined does not count for it: ``since``).

Shared by the rules (R-H2, R-K6, R-H5), the timeline and the agreement states, so that "R-H5
holds" means the same thing in a finding, on the status board and in a generated partner
agreement. Nothing here reads "today".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipeline.model.models import Join, Kommune, Party, Pretest
from pipeline.routine import lifecycle
from pipeline.routine.calendar import OSLO


def own_routine(party: Party) -> bool:
    """Whether ``party`` is in its kommune's own routine: some message type of it came with the
    kommune's order rather than joining late (a party with no type at all counts, so R-K2 and the
    rest still judge it), and the party is not withdrawn as a whole."""
    if party.withdrawn is not None and party.withdrawn.messages is None:
        return False
    return not party.messages or any(party.join_of(t) is None for t in party.messages)


def pairs(k: Kommune, hf_keys: Iterable[str]) -> Iterator[tuple[str, Party]]:
    """Every (HF, communication party) in the kommune's own routine: one agreement each, whose
    evidence the kommune's status answers for. A party that joined late has its own routine
    (``pipeline.routine.lifecycle``)."""
    for hf in hf_keys:
        for party in k.parties:
            if own_routine(party):
                yield hf, party


def _since(day: dt.date | None, since: dt.date | None) -> bool:
    """Evidence dated ``day`` counts for a routine that began on ``since`` (None: the kommune's
    own routine, where any recorded evidence counts)."""
    return since is None or (day is not None and day >= since)


def pretest_recorded(k: Kommune, hf: str, party: Party, *, since: dt.date | None = None) -> bool:
    """K5: the test messages to this party were sent (on or after ``since``)."""
    ev = k.evidence(hf, party.her_id)
    return bool(ev and ev.pretest and (ev.pretest.sent_on or since is None) and _since(ev.pretest.sent_on, since))


def pretest_positive(k: Kommune, hf: str, party: Party, *, since: dt.date | None = None) -> bool:
    """K5/H2: a positive transport receipt and a positive AppRec came back (R-H2), for test
    messages sent on or after ``since`` when given."""
    ev = k.evidence(hf, party.her_id)
    return bool(ev and ev.pretest and ev.pretest.positive and _since(ev.pretest.sent_on, since))


def dialog_verified(
    k: Kommune, hf: str, party: Party, *, days: Iterable[dt.date] | None = None, since: dt.date | None = None
) -> bool:
    """K6/H4: the test dialog was sent on T (Europe/Oslo; or on one of ``days``), on or after
    ``since``, and answered after it was sent (R-K6)."""
    ev = k.evidence(hf, party.her_id)
    wanted = set(days) if days is not None else {k.t}
    if not (ev and ev.dialog and ev.dialog.sent_at and ev.dialog.answered_at):
        return False
    sent = ev.dialog.sent_at.astimezone(OSLO)
    return sent.date() in wanted and _since(sent.date(), since) and ev.dialog.answered_at > ev.dialog.sent_at


def verified(k: Kommune, hf_keys: Iterable[str]) -> bool:
    """R-H5's evidence: R-H2 and R-K6 hold for every HF and party of the kommune's own routine,
    and no deviation is open. A re-test of a party on a later activation date of its own (a late
    addition, see ``pipeline.routine.lifecycle``) answers for the kommune's routine as well."""
    keys = list(hf_keys)
    chosen = list(pairs(k, keys))
    return (
        bool(chosen)
        and not k.open_deviations()
        and all(
            pretest_positive(k, hf, p) and dialog_verified(k, hf, p, days=lifecycle.dialog_days(k, p))
            for hf, p in chosen
        )
    )


def late_verified(k: Kommune, party: Party, join: Join, hf_keys: Iterable[str]) -> bool:
    """R-H5's evidence for message types that joined late: every HF's pretest positive and its
    test dialog sent on their own T and answered, all dated on or after the day they joined,
    and no deviation open."""
    t = join.activation.date
    return (
        t is not None
        and not k.open_deviations()
        and all(
            pretest_positive(k, hf, party, since=join.on) and dialog_verified(k, hf, party, days={t}, since=join.on)
            for hf in hf_keys
        )
    )


@dataclass(frozen=True)
class Dated:
    """One piece of recorded evidence and its date: what it is, the day, and where the
    declaration holds it (a path for ``Declaration.at``)."""

    what: str
    on: dt.date
    where: tuple[str | int, ...]


def recorded(k: Kommune, hf: str, party: Party) -> list[Dated]:
    """The dated evidence recorded for the agreement between ``hf`` and ``party``."""
    ev = k.evidence(hf, party.her_id)
    found: list[Dated] = []
    if ev is None:
        return found
    at = ("tests", hf, str(party.her_id))
    if ev.pretest and ev.pretest.sent_on:
        found.append(Dated("test messages (K5)", ev.pretest.sent_on, (*at, "pretest", "sent_on")))
    if ev.dialog and ev.dialog.sent_at:
        found.append(Dated("test dialog (K6)", ev.dialog.sent_at.astimezone(OSLO).date(), (*at, "dialog", "sent_at")))
    return found


# -- how the receipts of a pretest are described (findings and the timeline) -----------------

TRANSPORT_RECEIPT = "transport receipt"
APPREC = "AppRec"


def receipts(pre: Pretest, *, transport: str = "transport") -> str:
    """``transport ok, apprec missing``: each receipt of the test messages as recorded."""
    return f"{transport} {pre.transport_receipt or 'missing'}, apprec {pre.apprec or 'missing'}"


def missing_receipts(pre: Pretest) -> list[str]:
    """The receipts not recorded yet: ``["transport receipt", "AppRec"]``."""
    return [name for name, value in ((TRANSPORT_RECEIPT, pre.transport_receipt), (APPREC, pre.apprec)) if value is None]
