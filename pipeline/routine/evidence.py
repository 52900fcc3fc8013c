"""What the recorded test evidence proves, per HF and communication party: "is this agreement
verified" (R-H2 + R-K6 + R-H5), decided here once. The one module that reads a declaration's
``tests``: the rules, the lifecycle and the states ask here, dates included (evidence dated
before a late addition joined does not count for it: ``since``).

Shared by the rules (R-K5, R-H2, R-K6, R-H5), the timeline, the status board, the plan and the
agreement states, so that "R-H5 holds" means the same thing in a finding, on the status board and
in a generated partner agreement.

Evidence is kept as attempts (``Kommune.tests[hf][her-id].pretest`` / ``.dialog``: one attempt, as
declarations recorded it before attempts were kept, or the list of every attempt, oldest first):

- the attempts *for T* are those sent on or after T-7 (an earlier one was for an earlier
  activation date, L2) -- the latest of them decides; for a party or message type that joined
  late (``pipeline.routine.lifecycle``), those sent on or after the day it joined (``since``);
- a value (``transport_receipt``, ``apprec``, ``answered_at``) is *from receipts* when the
  attempt's imported receipts say exactly that (``oppkobling receipts import``); any other value
  was typed by hand, and counts for activation only with a ``justification`` (R-H5);
- an AppRec is final, and one still missing 96 hours after the test message was sent counts as
  a rejection (DOMAIN.md). Only that rule reads the time, given as ``now``; nothing else here does.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.i18n import N_, _, terms
from pipeline.model.catalogue import catalogue
from pipeline.model.models import (
    AttemptT,
    Dialog,
    Join,
    Kommune,
    Party,
    Pretest,
    Receipt,
    Status,
    TestEvidence,
    Verdict,
)
from pipeline.routine import calendar, lifecycle
from pipeline.routine.calendar import OSLO

APPREC_DEADLINE = dt.timedelta(hours=96)  # "missing after 96 hours means rejected" (DOMAIN.md)
PRETEST, DIALOG = "pretest", "dialog"  # the two kinds of test, as the catalogue's ``test`` names them


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


def test_types(party: Party, kind: str) -> list[str]:
    """The message types of ``party`` sent as the ``kind`` test (``pretest``: epikrise and, where
    the party receives lab results, svarrapport), in catalogue order."""
    return [
        key for key, mt in catalogue().types.items() if mt.test == kind and party.messages.get(key, "") in mt.versions
    ]


# -- attempts ------------------------------------------------------------------------------------


def _day(attempt: Pretest | Dialog) -> dt.date | None:
    if isinstance(attempt, Pretest):
        return attempt.sent_on
    return attempt.sent_at.astimezone(OSLO).date() if attempt.sent_at else None


def for_t(k: Kommune, attempts: Sequence[AttemptT]) -> list[tuple[int, AttemptT]]:
    """(index in the file, attempt) of the attempts for the current T, oldest first: those sent
    on or after T-7 (or with no day recorded)."""
    t = k.t
    first = calendar.pretest_day(t) if t else None
    return [(i, a) for i, a in enumerate(attempts) if first is None or (d := _day(a)) is None or d >= first]


def counting(k: Kommune, attempts: Sequence[AttemptT], since: dt.date | None) -> list[tuple[int, AttemptT]]:
    """(index in the file, attempt) of the attempts that count, oldest first: those for the
    current T, or (``since``, the day a late addition joined) those sent on or after that day --
    an attempt with no day recorded never counts for a late addition."""
    if since is None:
        return for_t(k, attempts)
    return [(i, a) for i, a in enumerate(attempts) if (d := _day(a)) is not None and d >= since]


def _window(k: Kommune, attempts: Sequence[AttemptT], since: dt.date | None) -> list[AttemptT]:
    return [a for _, a in counting(k, attempts, since)]


def _pretests(k: Kommune, hf: str, her_id: int, since: dt.date | None) -> list[Pretest]:
    return _attempts(k, PRETEST, hf, her_id, since)  # type: ignore[return-value]


def _dialogs(k: Kommune, hf: str, her_id: int, since: dt.date | None) -> list[Dialog]:
    return _attempts(k, DIALOG, hf, her_id, since)  # type: ignore[return-value]


def _attempts(k: Kommune, kind: str, hf: str, her_id: int, since: dt.date | None) -> list[Pretest] | list[Dialog]:
    """The pair's attempts of ``kind`` that count, found once per kommune."""
    key = (kind, hf, her_id, since)
    memo = _remembered(k)
    found = memo.get(key)
    if found is None:
        ev = k.evidence(hf, her_id)
        if ev is None:
            found = memo[key] = []
        elif kind == PRETEST:
            found = memo[key] = _window(k, ev.pretests, since)
        else:
            found = memo[key] = _window(k, ev.dialogs, since)
    return found


def _remembered(k: Kommune) -> dict[tuple[str, str, int, dt.date | None], list[Pretest] | list[Dialog]]:
    """The attempts that count of each agreement of ``k``, as found so far: the timeline, R-K5,
    R-K6, R-H2, R-H5 and the overdue check each ask for the same agreements' attempts several
    times while they look at one kommune. Kept for the kommune asked about last (the models are
    frozen, so the same object has the same attempts; the slot holds it, so its identity is
    not reused)."""
    if _WINDOWS[0] is not k:
        _WINDOWS[:] = [k, {}]
    memo: dict[tuple[str, str, int, dt.date | None], list[Pretest] | list[Dialog]] = _WINDOWS[1]
    return memo


_WINDOWS: list[Any] = [None, {}]


def pretests(k: Kommune, hf: str, party: Party, *, since: dt.date | None = None) -> list[Pretest]:
    """The pretest attempts for the current T (or since a late addition joined) from ``hf`` to
    ``party``, oldest first."""
    return list(_pretests(k, hf, party.her_id, since))


def latest_pretest(k: Kommune, hf: str, party: Party, *, since: dt.date | None = None) -> Pretest | None:
    found = _pretests(k, hf, party.her_id, since)
    return found[-1] if found else None


def latest_dialog(k: Kommune, hf: str, party: Party, *, since: dt.date | None = None) -> Dialog | None:
    found = _dialogs(k, hf, party.her_id, since)
    return found[-1] if found else None


def where(ev: TestEvidence, kind: str, index: int) -> tuple[str | int, ...]:
    """The YAML path of attempt ``index`` below ``tests.<hf>.<her-id>`` (one attempt written
    without a list has no index)."""
    value = ev.pretest if kind == PRETEST else ev.dialog
    return (kind, index) if isinstance(value, list) else (kind,)


def retest_day(k: Kommune, hf: str, attempt: Pretest) -> dt.date | None:
    """When a rejected ``attempt`` is tested again: the first working day after the rejection came
    (its rejecting receipts' day, else the attempt's), or after the deviation opened about it (for
    this HF, or for none in particular) is resolved; None while that deviation is open."""
    sent = attempt.sent_on or (calendar.pretest_day(k.t) if k.t else None)
    rejecting = [r for r in attempt.receipts if r.result in ("rejected", "ok-with-errors")]
    known = _latest_day(rejecting) or sent
    if known is None:
        return None
    for dev in k.deviations:
        if dev.hf in (None, hf) and sent is not None and dev.opened_on >= sent:
            if dev.resolved_on is None:
                return None
            known = max(known, dev.resolved_on)
    return calendar.next_working_day(known)


def retest_days(k: Kommune, hf: str, party: Party) -> list[dt.date]:
    """The days of the re-tests from ``hf`` to ``party`` (attempts 2, 3, ...): the recorded ones
    keep their day; a next one follows a rejected latest attempt while the kommune is testing."""
    attempts = pretests(k, hf, party)
    days: list[dt.date] = []
    for previous, attempt in itertools.pairwise(attempts):
        day = attempt.sent_on or retest_day(k, hf, previous)
        if day is None:
            return days
        days.append(day)
    if attempts and attempts[-1].rejected and k.status is Status.TESTING:
        day = retest_day(k, hf, attempts[-1])
        if day is not None:
            days.append(day)
    return days


def pretest_sent_at(k: Kommune, attempt: Pretest, number: int) -> dt.datetime | None:
    """When attempt ``number`` (1 = the test day) went out: its recorded day, at the hour the test
    messages are sent; the first attempt without a recorded day went out on T-7."""
    day = attempt.sent_on
    if day is None and number == 1 and k.t is not None:
        day = calendar.pretest_day(k.t)
    return calendar.test_messages_at(day) if day else None


# -- what the receipts say -----------------------------------------------------------------------

_WORSE: dict[str, int] = {"ok": 0, "ok-with-errors": 1, "rejected": 2}


def verdict(receipts: Sequence[Receipt], kind: str, types: Sequence[str]) -> Verdict | None:
    """What the ``kind`` receipts of one attempt say for messages of ``types``: ``rejected`` as
    soon as one is; otherwise the worst, once there is one for each message type."""
    results = {r.test: r.result for r in receipts if r.kind == kind and r.result is not None}
    if "rejected" in results.values():
        return "rejected"
    if not types or any(t not in results for t in types):
        return None
    worst = max((results[t] for t in types), key=lambda v: _WORSE[v])
    # A transport receipt is ok or rejected: an ErrorList of warnings only delivered the message.
    return "ok" if kind == "transport" and worst != "rejected" else worst


def hand_typed(k: Kommune, attempt: Pretest | Dialog, party: Party) -> list[str]:
    """The values of ``attempt`` not backed by its imported receipts: typed by hand."""
    if isinstance(attempt, Pretest):
        types = test_types(party, PRETEST)
        found = []
        for field, kind in (("transport_receipt", "transport"), ("apprec", "apprec")):
            value = getattr(attempt, field)
            if value is not None and verdict(attempt.receipts, kind, types) != value:
                found.append(field)
        return found
    found = []
    if attempt.sent_at is not None and not attempt.receipts:
        found.append("sent_at")
    answers = {r.at for r in attempt.of_kind("answer")}
    if attempt.answered_at is not None and attempt.answered_at not in answers:
        found.append("answered_at")
    return found


def unjustified(k: Kommune, attempt: Pretest | Dialog, party: Party) -> list[str]:
    """The values typed by hand that have no justification: they do not count for activation."""
    return [] if attempt.justification else hand_typed(k, attempt, party)


def contradicted(attempt: Pretest, party: Party) -> list[tuple[str, str, str]]:
    """(field, value, what the receipts say) where an attempt's value and its complete set of
    imported receipts disagree: a value edited after the import."""
    types = test_types(party, PRETEST)
    found: list[tuple[str, str, str]] = []
    for field, kind in (("transport_receipt", "transport"), ("apprec", "apprec")):
        said = verdict(attempt.receipts, kind, types)
        value = getattr(attempt, field)
        if said is not None and value is not None and said != value:
            found.append((field, value, said))
    return found


# -- the verdicts --------------------------------------------------------------------------------


def pretest_recorded(k: Kommune, hf: str, party: Party, *, since: dt.date | None = None) -> bool:
    """K5: test messages to this party were sent (for T, or on or after ``since``)."""
    return bool(_pretests(k, hf, party.her_id, since))


def pretest_positive(k: Kommune, hf: str, party: Party, *, since: dt.date | None = None) -> bool:
    """K5/H2: the latest attempt for T (or since ``since``) has a positive transport receipt and a
    positive AppRec (R-H2)."""
    latest = latest_pretest(k, hf, party, since=since)
    return bool(latest and latest.positive)


def dialog_verified(
    k: Kommune, hf: str, party: Party, *, days: Iterable[dt.date] | None = None, since: dt.date | None = None
) -> bool:
    """K6/H4: the latest test dialog (for T, or since ``since``) was sent on T (Europe/Oslo; or on
    one of ``days``) and answered after it was sent (R-K6)."""
    dialog = latest_dialog(k, hf, party, since=since)
    wanted = set(days) if days is not None else ({k.t} if k.t else set())
    if not (dialog and dialog.sent_at and dialog.answered_at):
        return False
    return dialog.sent_at.astimezone(OSLO).date() in wanted and dialog.answered_at > dialog.sent_at


def verified(k: Kommune, hf_keys: Iterable[str]) -> bool:
    """R-H5's evidence: R-H2 and R-K6 hold for every HF and party of the kommune's own routine,
    and no deviation is open. A re-test of a party on a later activation date of its own (a late
    addition, see ``pipeline.routine.lifecycle``) answers for the kommune's routine as well."""
    keys = tuple(hf_keys)
    last = _VERIFIED[0] if _VERIFIED else None
    if last is not None and last[0] is k and last[1] == keys:
        return last[2]
    chosen = list(pairs(k, keys))
    found = (
        bool(chosen)
        and not k.open_deviations()
        and all(
            pretest_positive(k, hf, p) and dialog_verified(k, hf, p, days=lifecycle.dialog_days(k, p))
            for hf, p in chosen
        )
    )
    _VERIFIED[:] = [(k, keys, found)]
    return found


# The last answer of ``verified``: every message type of every agreement of a kommune asks it
# (parties x HFs x types times, each answer looking at every party and HF: quadratic in the
# parties). The models are frozen, so the same object has the same answer.
_VERIFIED: list[tuple[Kommune, tuple[str, ...], bool]] = []


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
    """The dated evidence recorded for the agreement between ``hf`` and ``party``: every attempt."""
    ev = k.evidence(hf, party.her_id)
    found: list[Dated] = []
    if ev is None:
        return found
    at = ("tests", hf, str(party.her_id))
    for i, pre in enumerate(ev.pretests):
        if pre.sent_on:
            found.append(Dated("test messages (K5)", pre.sent_on, (*at, *where(ev, PRETEST, i), "sent_on")))
    for i, dialog in enumerate(ev.dialogs):
        if dialog.sent_at:
            day = dialog.sent_at.astimezone(OSLO).date()
            found.append(Dated("test dialog (K6)", day, (*at, *where(ev, DIALOG, i), "sent_at")))
    return found


def now_on(today: dt.date) -> dt.datetime:
    """The moment a day's evaluation stands for: its start in Europe/Oslo. An AppRec counts as
    missing only once a whole day has begun after its 96 hours, never while it may still come
    that day."""
    return calendar.at_oslo_midnight(today)


def apprec_deadline(sent_at: dt.datetime) -> dt.datetime:
    """When a missing AppRec starts to count as rejected, in absolute hours (across DST), Europe/Oslo."""
    return (sent_at.astimezone(dt.UTC) + APPREC_DEADLINE).astimezone(OSLO)


def apprec_overdue(k: Kommune, hf: str, party: Party, now: dt.datetime) -> dt.datetime | None:
    """The 96-hour deadline that has passed by ``now`` for the latest attempt's missing AppRec, if any."""
    attempts = pretests(k, hf, party)
    if not attempts or attempts[-1].apprec is not None:
        return None
    sent = pretest_sent_at(k, attempts[-1], len(attempts))
    if sent is None:
        return None
    deadline = apprec_deadline(sent)
    return deadline if now.astimezone(dt.UTC) >= deadline.astimezone(dt.UTC) else None


def pretest_rejected(k: Kommune, hf: str, party: Party, now: dt.datetime | None = None) -> bool:
    """The latest attempt was rejected (or, given ``now``, its AppRec is 96 hours overdue)."""
    latest = latest_pretest(k, hf, party)
    if latest is not None and latest.rejected:
        return True
    return now is not None and apprec_overdue(k, hf, party, now) is not None


# -- per agreement, for the gate and the plan ------------------------------------------------------


class PretestState(enum.StrEnum):
    NONE = "none"  # no attempt recorded for T
    WAITING = "waiting"  # receipts still to come
    POSITIVE = "positive"
    REJECTED = "rejected"


@dataclass(frozen=True)
class AgreementEvidence:
    """Everything recorded about one agreement's tests (HF, party), for the current T."""

    hf: str
    her_id: int
    attempts: tuple[Pretest, ...]  # the pretest attempts for T, oldest first; the last decides
    state: PretestState
    positive_on: dt.date | None  # the day the deciding receipts came (or the attempt's day)
    dialog: Dialog | None
    dialog_verified: bool
    answered_on: dt.date | None
    typed_by_hand: tuple[str, ...]  # values of the deciding attempts typed by hand without justification
    by_type: dict[str, dict[str, Verdict]]  # message type -> receipt kind -> result (latest attempt)

    @property
    def verified(self) -> bool:
        return self.state is PretestState.POSITIVE and self.dialog_verified


def _latest_day(receipts: Iterable[Receipt]) -> dt.date | None:
    days = [r.at.astimezone(OSLO).date() for r in receipts if r.at is not None]
    return max(days) if days else None


def _positive_on(latest: Pretest | None) -> dt.date | None:
    return (_latest_day(latest.receipts) or latest.sent_on) if latest and latest.positive else None


def positive_on(k: Kommune, hf: str, party: Party) -> dt.date | None:
    """The day the latest pretest for T was verified positive (its last receipt's, else the day
    it was sent), or None: what the timeline dates K5 by, without the rest of ``of_agreement``."""
    return _positive_on(latest_pretest(k, hf, party))


def of_agreement(k: Kommune, hf: str, party: Party, now: dt.datetime | None = None) -> AgreementEvidence:
    attempts = tuple(pretests(k, hf, party))
    latest = attempts[-1] if attempts else None
    if latest is None:
        state = PretestState.NONE
    elif pretest_rejected(k, hf, party, now):
        state = PretestState.REJECTED
    elif latest.positive:
        state = PretestState.POSITIVE
    else:
        state = PretestState.WAITING
    positive_on = _positive_on(latest)
    dialog = latest_dialog(k, hf, party)
    verified_dialog = dialog_verified(k, hf, party)
    answered_on = dialog.answered_at.astimezone(OSLO).date() if dialog and dialog.answered_at else None
    by_hand = [f"pretest.{v}" for v in unjustified(k, latest, party)] if latest else []
    by_hand += [f"dialog.{v}" for v in unjustified(k, dialog, party)] if dialog else []
    by_type: dict[str, dict[str, Verdict]] = {}
    for r in latest.receipts if latest else ():
        if r.result is not None:
            by_type.setdefault(r.test, {})[r.kind] = r.result
    return AgreementEvidence(
        hf,
        party.her_id,
        attempts,
        state,
        positive_on,
        dialog,
        verified_dialog,
        answered_on,
        tuple(by_hand),
        by_type,
    )


# -- how the receipts of a pretest are described (findings and the timeline) -----------------

TRANSPORT_RECEIPT = N_("transport receipt")  # said through _()
APPREC = "AppRec"


def receipts(pre: Pretest, *, transport: str | None = None) -> str:
    """``transport ok, apprec missing``: each receipt of the test messages as recorded (each
    verdict as it reads in the person's language, ``pipeline.i18n.terms``)."""
    return _("{transport} {verdict}, apprec {apprec}").format(
        transport=_("transport") if transport is None else transport,
        verdict=terms.verdict(pre.transport_receipt),
        apprec=terms.verdict(pre.apprec),
    )


def missing_receipts(pre: Pretest) -> list[str]:
    """The receipts not recorded yet: ``["transport receipt", "AppRec"]``."""
    return [
        name for name, value in ((_(TRANSPORT_RECEIPT), pre.transport_receipt), (APPREC, pre.apprec)) if value is None
    ]
