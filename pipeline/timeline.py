"""A kommune's onboarding as dated milestones, and where each stands relative to a day.

``milestones(k)`` is the routine laid out on the calendar from the declaration alone (no "today"):
what happens when, who acts, which routine step it is, and whether the recorded evidence shows it
done. ``states(k, today)`` adds the one thing that depends on the day: done, due, overdue,
blocked, upcoming (or cancelled once the kommune is withdrawn). Generated files (the calendar,
STATUS.md, status.html) use ``milestones`` only; commands that take ``--today`` use ``states``.

========= ========== ============================== =================================
key       step       day (``due``)                  done when (evidence)
========= ========== ============================== =================================
agreed    K1/H1      activation.agreed_on           T and the day it was agreed are recorded
order     K2/H1      T-14 (deadline)                order.sent_on
ar        K3         T-14 (deadline)                every party has ar_published_on
pretest   K5/H2      T-7                            a positive transport receipt and AppRec from
                                                    every HF to every party (R-H2)
dialog    K6/H4      T, 09:00 Europe/Oslo           sent on T and answered, every HF and party (R-K6)
activation H5        T                              status active and R-H5's evidence holds
========= ========== ============================== =================================

A milestone that is not done is *blocked* when something recorded stands in its way (an open
deviation, a rejected receipt, a paused kommune: these block the test steps and activation) or
when its day has come and a milestone it depends on is still not done.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline import evidence, routine
from pipeline.model.models import HF_KEYS, Kommune, Status


class Actor(enum.StrEnum):
    KOMMUNE = "kommune"
    HEMIT = "Hemit"
    HF = "HF"


class State(enum.StrEnum):
    DONE = "done"
    DUE = "due"
    OVERDUE = "overdue"
    BLOCKED = "blocked"
    UPCOMING = "upcoming"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Step:
    """A milestone's fixed part: the routine step it is and the routine's own words."""

    key: str
    step: str
    title: str
    actors: tuple[Actor, ...]
    quote: str
    requires: tuple[str, ...] = ()


AGREED = Step(
    "agreed",
    "K1/H1",
    "Activation date agreed",
    (Actor.KOMMUNE, Actor.HEMIT),
    "Hemit og kommunene blir enige om aktiveringsdato.",
)
ORDER = Step(
    "order",
    "K2/H1",
    "Order sent to Hemit",
    (Actor.KOMMUNE,),
    "Kommunen sender bestilling til Hemit (meldingstyper og versjon avklares i bestillingen) "
    "på meldingsansvarlig@helse-midt.no.",
    ("agreed",),
)
AR = Step(
    "ar",
    "K3",
    "Communication parties published in NHN AR",
    (Actor.KOMMUNE,),
    "Kommunene skal publisere kommunikasjonsparten(e) i NHN AR innen 2 uker før meldingsutvekslingen aktiveres.",
    ("order",),
)
PRETEST = Step(
    "pretest",
    "K5/H2",
    "Test epikrise and lab (T-7), not to be answered",
    (Actor.HEMIT,),
    "Hemit sender testmeldinger 1 uke før aktiveringsdato; epikrise og lab (hvis aktuell) skal ikke besvares.",
    ("order", "ar"),
)
DIALOG = Step(
    "dialog",
    "K6/H4",
    "Test dialogmelding at 09:00, to be answered",
    (Actor.HF,),
    "Helseforetaket sender test-dialogmelding kl. 09 på aktiveringsdato, og disse skal besvares.",
    ("pretest",),
)
ACTIVATION = Step(
    "activation",
    "H5",
    "Service activated (electronic only)",
    (Actor.HF,),
    "Når tjenesten er verifisert ok, aktiveres tjenesten (kun elektronisk).",
    ("dialog",),
)
STEPS: tuple[Step, ...] = (AGREED, ORDER, AR, PRETEST, DIALOG, ACTIVATION)


@dataclass(frozen=True)
class Milestone:
    """One milestone of one kommune, from its declaration only."""

    step: Step
    due: dt.date | None  # the routine's day (or deadline); None while T is not agreed
    window_start: dt.date | None  # from when it may be done; None: as soon as T is agreed
    done: bool
    done_on: dt.date | None = None
    at: dt.datetime | None = None  # a timed milestone (the test dialog), Europe/Oslo
    blockers: tuple[str, ...] = ()
    detail: str = ""

    @property
    def key(self) -> str:
        return self.step.key

    @property
    def date(self) -> dt.date | None:
        """When it happened, if the evidence says so, else when it is due."""
        return self.done_on or self.due


@dataclass(frozen=True)
class Entry:
    """A milestone and its state on a given day."""

    milestone: Milestone
    state: State
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        m = self.milestone
        return {
            "key": m.key,
            "step": m.step.step,
            "title": m.step.title,
            "actors": [a.value for a in m.step.actors],
            "quote": m.step.quote,
            "due": m.due.isoformat() if m.due else None,
            "at": m.at.isoformat() if m.at else None,
            "done_on": m.done_on.isoformat() if m.done_on else None,
            "state": self.state.value,
            "reason": self.reason,
            "detail": m.detail,
        }


def _blockers(k: Kommune) -> tuple[str, ...]:
    """What recorded stands in the way of the test steps and activation."""
    found: list[str] = []
    if k.status is Status.PAUSED:
        found.append(f"paused (returns to '{k.paused_from or Status.PLANNED}')")
    for dev in k.open_deviations():
        where = f" ({dev.hf})" if dev.hf else ""
        found.append(f"open deviation since {dev.opened_on.isoformat()}{where}: {dev.description}")
    for hf, party in evidence.pairs(k, HF_KEYS):
        ev = k.evidence(hf, party.her_id)
        pre = ev.pretest if ev else None
        if pre and pre.rejected:
            found.append(
                f"pretest from {hf} to {party.her_id} not positive "
                f"(transport {pre.transport_receipt or 'missing'}, apprec {pre.apprec or 'missing'})"
            )
    return tuple(found)


def _latest(days: Iterable[dt.date | None]) -> dt.date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


def milestones(k: Kommune) -> list[Milestone]:
    """The six dated milestones of ``k`` in routine order. Pure: no "today"."""
    t = k.t
    agreed_on = k.activation.agreed_on if k.activation else None
    blockers = _blockers(k)
    pairs = list(evidence.pairs(k, HF_KEYS))
    open_from = agreed_on

    order_sent = k.order.sent_on if k.order else None
    order_detail = f"deadline T-14 {routine.order_deadline(t).isoformat()}" if t else "deadline T-14"
    if order_sent:
        order_detail += f"; sent {order_sent.isoformat()}"
    if k.order and k.order.reference:
        order_detail += f" ({k.order.reference})"

    published = [p.ar_published_on for p in k.parties]
    ar_done = bool(k.parties) and all(published)
    ar_detail = ", ".join(
        f"{p.her_id}: {p.ar_published_on.isoformat() if p.ar_published_on else 'not published'}" for p in k.parties
    )

    pretest_done = bool(pairs) and all(evidence.pretest_positive(k, hf, p) for hf, p in pairs)
    pretest_days = []
    for hf, p in pairs:
        ev = k.evidence(hf, p.her_id)
        pretest_days.append(ev.pretest.sent_on if ev and ev.pretest else None)
    positive = sum(evidence.pretest_positive(k, hf, p) for hf, p in pairs)

    dialog_done = bool(pairs) and all(evidence.dialog_verified(k, hf, p) for hf, p in pairs)
    dialog_days = []
    for hf, p in pairs:
        ev = k.evidence(hf, p.her_id)
        sent = ev.dialog.sent_at if ev and ev.dialog else None
        dialog_days.append(sent.astimezone(routine.OSLO).date() if sent else None)
    answered = sum(evidence.dialog_verified(k, hf, p) for hf, p in pairs)

    activated = evidence.stage(k) is Status.ACTIVE and evidence.verified(k, HF_KEYS)

    return [
        Milestone(
            AGREED,
            due=agreed_on,
            window_start=None,
            done=bool(t and agreed_on),
            done_on=agreed_on,
            detail=f"T = {t.isoformat()}" if t else "T not agreed yet",
        ),
        Milestone(
            ORDER,
            due=routine.order_deadline(t) if t else None,
            window_start=open_from,
            done=order_sent is not None,
            done_on=order_sent,
            detail=order_detail,
        ),
        Milestone(
            AR,
            due=routine.ar_deadline(t) if t else None,
            window_start=open_from,
            done=ar_done,
            done_on=_latest(published) if ar_done else None,
            detail=ar_detail or "no communication parties declared",
        ),
        Milestone(
            PRETEST,
            due=routine.pretest_day(t) if t else None,
            window_start=routine.pretest_day(t) if t else None,
            done=pretest_done,
            done_on=_latest(pretest_days) if pretest_done else None,
            blockers=blockers,
            detail=f"{positive} of {len(pairs)} HF-party pairs with positive receipts",
        ),
        Milestone(
            DIALOG,
            due=t,
            window_start=t,
            done=dialog_done,
            done_on=_latest(dialog_days) if dialog_done else None,
            at=routine.dialog_at(t) if t else None,
            blockers=blockers,
            detail=f"{answered} of {len(pairs)} HF-party pairs sent on T and answered",
        ),
        Milestone(
            ACTIVATION,
            due=t,
            window_start=t,
            done=activated,
            blockers=blockers,
            detail=f"status {k.status}",
        ),
    ]


def _state(m: Milestone, done: dict[str, bool], withdrawn: bool, today: dt.date) -> tuple[State, str]:
    if m.done:
        return State.DONE, ""
    if withdrawn:
        return State.CANCELLED, "the kommune is withdrawn"
    if m.blockers:
        return State.BLOCKED, "; ".join(m.blockers)
    if m.due is None:
        if m.key == AGREED.key:
            return State.DUE, "agree T with Hemit and record activation.date and agreed_on"
        return State.BLOCKED, "no activation date agreed (K1)"
    started = m.window_start is None or today >= m.window_start
    missing = [s for s in m.step.requires if not done.get(s, False)]
    if missing and started:
        names = ", ".join(next(s.step for s in STEPS if s.key == key) for key in missing)
        return State.BLOCKED, f"waiting for {names}"
    if today > m.due:
        progress = f"; {m.detail}" if m.key in (PRETEST.key, DIALOG.key) else ""
        return State.OVERDUE, f"was due {m.due.isoformat()}{progress}"
    if started:
        return State.DUE, f"due {m.due.isoformat()}" if today < m.due else "due today"
    return State.UPCOMING, ""


def states(k: Kommune, today: dt.date) -> list[Entry]:
    """Each milestone of ``k`` with its state on ``today``."""
    ms = milestones(k)
    done = {m.key: m.done for m in ms}
    withdrawn = k.status is Status.WITHDRAWN
    return [Entry(m, *_state(m, done, withdrawn, today)) for m in ms]


def next_entry(entries: Sequence[Entry]) -> Entry | None:
    """The first milestone still to do (not done, not cancelled)."""
    return next((e for e in entries if e.state not in (State.DONE, State.CANCELLED)), None)


def overdue(entries: Sequence[Entry]) -> list[Entry]:
    return [e for e in entries if e.state is State.OVERDUE]


def describe_day(m: Milestone) -> str:
    """The milestone's day as a person reads it: '2027-03-02 09:00 Europe/Oslo (+01:00)'."""
    if m.at is not None:
        offset = m.at.strftime("%z")
        return f"{m.at.date().isoformat()} {m.at.strftime('%H:%M')} Europe/Oslo ({offset[:3]}:{offset[3:]})"
    day = m.date
    return day.isoformat() if day else "not set"
