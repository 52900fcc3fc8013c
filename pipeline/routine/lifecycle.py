"""The routine each agreement follows: the lifecycle per (HF, communication party) and per
message type of a party, not only per kommune.

A kommune's parties and message types go through the routine together (K1 to H5, one status).
Once that routine has reached ``testing``, something added to the kommune -- a new party, a
party under a new HER-id (the removal of one agreement and the addition of another), a new
message type of a party -- did not take part in the tests already recorded, so it follows the
routine on its own: the declaration records it as a late addition (``Party.joined``: the day it
was added, its own activation date T and when that was agreed, its message types), and

- its agreements start ``pending`` and move one step at a time like any other (L1 per agreement);
- only evidence dated on or after the day it joined counts for it (K5 pretest, K6 dialog on its
  own T), so it can never be active, nor deactivated-until-activation, on tests recorded for
  something else;
- the day it joined is held against the base revision's commit date when it appears (L6) and
  frozen from then on, so it cannot be backdated to let older evidence count.

K3 (AR publication) is a fact about the HER-id in NHN's register, not a test of the agreement:
a party may have been published before it was added (and AR itself is the judge of that, R-K3).

A party or message type is withdrawn while the kommune stays with ``Party.withdrawn``; an active
agreement goes through that (or the kommune's ``withdrawn``) before it may be removed (L3).
Nothing here reads "today"; the states are ``pipeline.agreements.states``.
"""

from __future__ import annotations

import datetime as dt

from pipeline.model.models import FORWARD, Join, Kommune, Party, Status

# A new declaration starts at the beginning (or is recorded as withdrawn, for the history).
NEW_MAY_START_AT = (Status.PLANNED, Status.ORDERED, Status.WITHDRAWN)


def stage(k: Kommune) -> Status:
    """How far along the routine a kommune is: a paused kommune counts as where it paused."""
    if k.status is Status.PAUSED:
        return k.paused_from or Status.PLANNED
    return k.status


def paused_from_expected(before: Kommune, after: Kommune) -> Status | None:
    """Where a paused kommune must say it paused from: the status it was at (kept while paused).
    Otherwise paused_from would be a back door: pause from ordered, "return" to active."""
    if after.status is not Status.PAUSED or before.status is Status.WITHDRAWN:
        return None
    return before.paused_from if before.status is Status.PAUSED else before.status


def date_change_allowed(before: Kommune, after: Kommune) -> bool:
    """T, from the base to the head: an active kommune's never changes; once testing began, a new
    T means returning to ``ordered`` (the tests are re-run for it) (L2)."""
    if before.t == after.t:
        return True
    if before.status is Status.ACTIVE:
        return False
    return stage(before) not in (Status.TESTING, Status.ACTIVE) or after.status is Status.ORDERED


def status_step_allowed(before: Kommune | None, after: Kommune) -> bool:
    """A kommune's status, from the base to the head: one step forward (or to paused/withdrawn),
    back where it paused from, or back to ordered with a new T once testing began (L1, L2)."""
    if before is None:
        return after.status in NEW_MAY_START_AT
    new = after.status
    if new is Status.PAUSED:
        expected = paused_from_expected(before, after)
        return expected is not None and after.paused_from == expected
    if new == before.status or new is Status.WITHDRAWN:
        return True
    if new is Status.ORDERED and stage(before) is Status.TESTING and after.t != before.t:
        return True  # L2's way back: a new T after testing began returns to ordered
    if before.status is Status.PAUSED:
        return new == before.paused_from
    if before.status in FORWARD and new in FORWARD:
        return FORWARD.index(new) == FORWARD.index(before.status) + 1
    return False


def t_of(k: Kommune, party: Party) -> dt.date | None:
    """The activation date a party's agreement is dated from: the kommune's T while any of its
    types is in the kommune's routine, else the earliest T of its late additions."""
    own = not party.messages or any(party.join_of(m) is None for m in party.messages)
    if own or not party.joined:
        return k.t
    dates = [j.activation.date for j in party.joined if j.activation.date is not None]
    return min(dates) if dates else None


def join_of(party: Party, message_type: str) -> Join | None:
    """The late addition a message type came with, None for the kommune's own routine."""
    return party.join_of(message_type)


def activation_dates(k: Kommune, party: Party) -> set[dt.date]:
    """Every activation date a party's tests may be dated from: the kommune's T while the party is
    in the kommune's routine, and the own T of each of its late additions."""
    own = not party.messages or any(party.join_of(m) is None for m in party.messages)
    days = {k.t} if own and k.t else set()
    return days | {j.activation.date for j in party.joined if j.activation.date}


def dialog_days(k: Kommune, party: Party) -> set[dt.date]:
    """The days a test dialog with ``party`` answers for the kommune's own routine: T, and the own
    T of a later re-test of the party (a late addition on or after T tests the same channel)."""
    days = {k.t} if k.t else set()
    if k.t:
        days |= {j.activation.date for j in party.joined if j.activation.date and j.activation.date >= k.t}
    return days


def late_types(party: Party) -> dict[str, Join]:
    """Every message type of the party that joined late, with the addition it came with."""
    found: dict[str, Join] = {}
    for t in party.messages:
        join = party.join_of(t)
        if join is not None:
            found[t] = join
    return found
