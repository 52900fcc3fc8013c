"""A kommune's onboarding as dated milestones, and where each stands relative to a day.

``milestones(k, ar)`` is the routine laid out on the calendar from the declaration (and, for K3,
what the AR snapshot says of each party) alone, with no "today":
what happens when, who acts, which routine step it is, and whether the recorded evidence shows it
done. ``states(k, today)`` adds the one thing that depends on the day: done, due, overdue,
blocked, upcoming (or cancelled once the kommune is withdrawn). Generated files (the calendar,
STATUS.md, status.html) use ``milestones`` only; commands that take ``--today`` use ``states``.

Each milestone is a step of ``pipeline.routine.steps`` (its day comes from the step's offset):

========== ========== ===========================================================
key        step       done when (evidence)
========== ========== ===========================================================
agreed     K1/H1      T and the day it was agreed are recorded
order      K2/H1      order.sent_on
ar         K3         every party has ar_published_on
pretest    K5/H2      a positive transport receipt and AppRec from every HF to every party (R-H2)
dialog     K6/H4      sent on T and answered, every HF and party (R-K6)
activation H5         status active and R-H5's evidence holds
========== ========== ===========================================================

A milestone that is not done is *blocked* when something recorded stands in its way (an open
deviation, a rejected receipt, a paused kommune: these block the test steps and activation) or
when its day has come and a milestone it depends on is still not done.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.ar.state import party_state
from pipeline.i18n import _, terms
from pipeline.model.models import HF_KEYS, Dialog, Kommune, Party, Pretest, Status
from pipeline.routine import calendar, evidence, lifecycle
from pipeline.routine.calendar import OSLO
from pipeline.routine.steps import BY_MILESTONE, H5, K1, K2, K3, K5, K6, Step

if TYPE_CHECKING:
    from pipeline.ar.snapshot import Snapshot


class State(enum.StrEnum):
    DONE = "done"
    DUE = "due"
    OVERDUE = "overdue"
    BLOCKED = "blocked"
    UPCOMING = "upcoming"
    CANCELLED = "cancelled"


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
    evidence_lines: tuple[str, ...] = ()  # what the done-ness rests on, per HF and party
    # How much of a milestone made of parts is done: (parties published, parties) for K3,
    # (HF-party pairs verified, pairs) for K5 and K6; None for a milestone of one part.
    progress: tuple[int, int] | None = None

    @property
    def partly_done(self) -> bool:
        """Some parts done, not all: the status page says how many ("2 of 3")."""
        return self.progress is not None and 0 < self.progress[0] < self.progress[1]

    @property
    def key(self) -> str:
        assert self.step.milestone is not None
        return self.step.milestone

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
            "step": m.step.label,
            "title": m.step.title,
            "actors": [a.value for a in m.step.actors],
            "quote": m.step.quote,
            "due": m.due.isoformat() if m.due else None,
            "at": m.at.isoformat() if m.at else None,
            "done_on": m.done_on.isoformat() if m.done_on else None,
            "state": self.state.value,
            "reason": self.reason,
            "detail": m.detail,
            "evidence": list(m.evidence_lines),
        }


def _blockers(k: Kommune, now: dt.datetime | None) -> tuple[str, ...]:
    """What recorded stands in the way of the test steps and activation (with ``now``: also an
    AppRec missing 96 hours after sending, which counts as a rejection)."""
    found: list[str] = []
    if k.status is Status.PAUSED:
        found.append(_("paused (returns to '{status}')").format(status=k.paused_from or Status.PLANNED))
    for dev in k.open_deviations():
        where = f" ({dev.hf})" if dev.hf else ""
        found.append(
            _("open deviation since {day}{where}: {description}").format(
                day=dev.opened_on.isoformat(), where=where, description=dev.description
            )
        )
    for hf, party in evidence.pairs(k, HF_KEYS):
        pre = evidence.latest_pretest(k, hf, party)
        if pre and pre.rejected:
            retest = evidence.retest_day(k, hf, pre) if k.status is Status.TESTING else None
            then = "; " + _("re-test {day}").format(day=retest.isoformat()) if retest else ""
            said = _("pretest from {hf} to {her_id} not positive ({receipts})").format(
                hf=hf, her_id=party.her_id, receipts=evidence.receipts(pre)
            )
            found.append(said + then)
        elif now is not None and (late := evidence.apprec_overdue(k, hf, party, now)):
            found.append(
                _("pretest from {hf} to {her_id}: no AppRec within 96 hours (by {by}), counts as rejected").format(
                    hf=hf, her_id=party.her_id, by=late.isoformat()
                )
            )
    return tuple(found)


def pretest_lines(k: Kommune) -> tuple[str, ...]:
    """Per HF and party, every pretest attempt for T (the last decides) and what it rests on."""
    lines = []
    for hf, party in evidence.pairs(k, HF_KEYS):
        attempts = evidence.pretests(k, hf, party)
        for number, pre in enumerate(attempts, start=1):
            day = pre.sent_on.isoformat() if pre.sent_on else "day not recorded"
            deciding = "" if number == len(attempts) else ", re-tested since"
            lines.append(
                f"{hf} → {party.her_id}: attempt {number} of {len(attempts)} ({day}{deciding}): "
                f"{evidence.receipts(pre)}{_sources(k, pre, party)}"
            )
    return tuple(lines)


def dialog_lines(k: Kommune) -> tuple[str, ...]:
    lines = []
    for hf, party in evidence.pairs(k, HF_KEYS):
        dialog = evidence.latest_dialog(k, hf, party)
        if dialog is None:
            continue
        sent = dialog.sent_at.isoformat() if dialog.sent_at else "not recorded"
        answered = dialog.answered_at.isoformat() if dialog.answered_at else "not answered"
        lines.append(f"{hf} → {party.her_id}: sent {sent}, answered {answered}{_sources(k, dialog, party)}")
    return tuple(lines)


def _sources(k: Kommune, attempt: Pretest | Dialog, party: Party) -> str:
    by_hand = evidence.hand_typed(k, attempt, party)
    said = [
        f"{r.kind} {r.test} {r.result or _('received')}{' ' + ','.join(r.errors) if r.errors else ''} "
        f"{r.id or _('(no id)')}"
        for r in attempt.receipts
    ]
    text = _("; receipts: {receipts}").format(receipts="; ".join(said)) if said else ""
    if by_hand:
        text += _("; typed by hand: {what}").format(what=", ".join(by_hand))
        text += f" ({attempt.justification})" if attempt.justification else _(" (no justification)")
    return text


def _latest(days: Iterable[dt.date | None]) -> dt.date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


def milestones(
    k: Kommune, ar: Snapshot | None = None, now: dt.datetime | None = None, *, lines: bool = True
) -> list[Milestone]:
    """The six dated milestones of ``k`` in routine order. Pure: no "today" (``now`` only for the
    96-hour rule, which ``states`` applies). With ``ar``, K3 says what AR holds of each party
    (validity, certificates and their expiry). ``lines=False``: without the evidence lines (what a
    caller wanting only the states does not show, and the larger part of the cost)."""
    t = k.t
    agreed_on = k.activation.agreed_on if k.activation else None
    blockers = _blockers(k, now)
    pairs = list(evidence.pairs(k, HF_KEYS))
    open_from = agreed_on

    order_sent = k.order.sent_on if k.order else None
    deadline = _("deadline {when}").format(when=K2.when)
    order_detail = f"{deadline} {calendar.order_deadline(t).isoformat()}" if t else deadline
    if order_sent:
        order_detail += "; " + _("sent {day}").format(day=order_sent.isoformat())
    if k.order and k.order.reference:
        order_detail += f" ({k.order.reference})"

    published = [p.ar_published_on for p in k.parties]
    ar_done = bool(k.parties) and all(published)
    ar_detail = ", ".join(
        f"{p.her_id}: {p.ar_published_on.isoformat() if p.ar_published_on else _('not published')}"
        + (f" ({party_state(ar, p.her_id).describe()})" if ar is not None else "")
        for p in k.parties
    )

    # Each pair's evidence is looked up once (at national scale this is most of the timeline's cost).
    positives = [evidence.pretest_positive(k, hf, p) for hf, p in pairs]
    pretest_done = bool(pairs) and all(positives)
    pretest_days = [evidence.positive_on(k, hf, p) for hf, p in pairs]
    positive = sum(positives)

    verified_dialogs = [evidence.dialog_verified(k, hf, p) for hf, p in pairs]
    dialog_done = bool(pairs) and all(verified_dialogs)
    dialog_days = []
    for hf, p in pairs:
        dialog = evidence.latest_dialog(k, hf, p)
        dialog_days.append(dialog.sent_at.astimezone(OSLO).date() if dialog and dialog.sent_at else None)
    answered = sum(verified_dialogs)

    activated = lifecycle.stage(k) is Status.ACTIVE and evidence.verified(k, HF_KEYS)

    def dated(step: Step, **fields: Any) -> Milestone:
        """A milestone whose day comes from its step's offset from T."""
        assert step.offset is not None
        due = calendar.day(step, t) if t else None
        return Milestone(
            step,
            due=due,
            window_start=open_from if step.offset.deadline else due,
            at=calendar.moment(step, t) if t and step.offset.time else None,
            **fields,
        )

    return [
        Milestone(
            K1,
            due=agreed_on,
            window_start=None,
            done=bool(t and agreed_on),
            done_on=agreed_on,
            detail=f"T = {t.isoformat()}" if t else _("T not agreed yet"),
        ),
        dated(K2, done=order_sent is not None, done_on=order_sent, detail=order_detail),
        dated(
            K3,
            done=ar_done,
            done_on=_latest(published) if ar_done else None,
            detail=ar_detail or _("no communication parties declared"),
            progress=(sum(1 for p in published if p), len(published)),
        ),
        dated(
            K5,
            done=pretest_done,
            done_on=_latest(pretest_days) if pretest_done else None,
            blockers=blockers,
            detail=_("{done} of {pairs} HF-party pairs with positive receipts").format(done=positive, pairs=len(pairs)),
            progress=(positive, len(pairs)),
            evidence_lines=pretest_lines(k) if lines else (),
        ),
        dated(
            K6,
            done=dialog_done,
            done_on=_latest(dialog_days) if dialog_done else None,
            blockers=blockers,
            detail=_("{done} of {pairs} HF-party pairs sent on T and answered").format(done=answered, pairs=len(pairs)),
            progress=(answered, len(pairs)),
            evidence_lines=dialog_lines(k) if lines else (),
        ),
        dated(H5, done=activated, blockers=blockers, detail=_("status {status}").format(status=terms.status(k.status))),
    ]


def _state(m: Milestone, done: dict[str, bool], withdrawn: bool, today: dt.date) -> tuple[State, str]:
    if m.done:
        return State.DONE, ""
    if withdrawn:
        return State.CANCELLED, _("the kommune is withdrawn")
    if m.blockers:
        return State.BLOCKED, "; ".join(m.blockers)
    if m.due is None:
        if m.step is K1:
            return State.DUE, _("agree T with Hemit and record activation.date and agreed_on")
        return State.BLOCKED, _("no activation date agreed ({step})").format(step=K1.id)
    started = m.window_start is None or today >= m.window_start
    missing = [s for s in m.step.needs if not done.get(s, False)]
    if missing and started:
        names = ", ".join(BY_MILESTONE[key].label for key in missing)
        return State.BLOCKED, _("waiting for {steps}").format(steps=names)
    if today > m.due:
        progress = f"; {m.detail}" if m.step in (K5, K6) else ""
        return State.OVERDUE, _("was due {day}").format(day=m.due.isoformat()) + progress
    if started:
        return State.DUE, _("due {day}").format(day=m.due.isoformat()) if today < m.due else _("due today")
    return State.UPCOMING, ""


def states(k: Kommune, today: dt.date, ar: Snapshot | None = None, *, lines: bool = True) -> list[Entry]:
    """Each milestone of ``k`` with its state on ``today`` (``lines``: as ``milestones``)."""
    ms = milestones(k, ar, evidence.now_on(today), lines=lines)
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
        return _("{date} {strftime} Europe/Oslo ({offset}:{offset2})").format(
            date=m.at.date().isoformat(), strftime=m.at.strftime("%H:%M"), offset=offset[:3], offset2=offset[3:]
        )
    day = m.date
    return day.isoformat() if day else _("not set")
