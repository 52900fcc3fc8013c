"""The ``calendar`` generator: the routine's milestones as iCalendar feeds a coordinator can
subscribe to. ``calendar.ics`` holds every kommune; ``calendars/<kommunenummer>-<slug>.ics`` one
each. An event per milestone of ``pipeline.routine.timeline``: the test dialogmelding (K6/H4) is a
timed event at 09:00 Europe/Oslo on T, the others are all-day events. Each description quotes
the routine step it stands for.

Determinism (the files are under generated/ and checked by L4):

- UIDs are derived from kommunenummer and milestone (``5035-dialog@oppkobling``), so an event
  keeps its identity when its date moves and a client updates it instead of duplicating it.
- DTSTAMP is required by RFC 5545 and is normally "when this object was created". Using the
  clock would change every file on every build and make ``generated/`` permanently stale, so it
  is derived from the declaration: the day T was agreed (``activation.agreed_on``) at 00:00 UTC,
  else the routine's start (2018-04-01). It changes when the plan the events describe changes.
- The VTIMEZONE is computed from zoneinfo for the years the events span (see ``vtimezone``).
- No property depends on the host's time zone or locale; icalendar writes CRLF and folds lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from pipeline import __version__, layout
from pipeline.i18n import N_, _
from pipeline.model.declarations import DeclarationSet, HfDecl, KommuneDecl
from pipeline.model.models import Status
from pipeline.render.context import RenderContext, generated_by
from pipeline.routine import timeline
from pipeline.routine.steps import H5, K1, SCOPE_START

UID_DOMAIN = "oppkobling"
PRODID = f"-//oppkobling//oppkobling {__version__}//EN"
DIALOG_LENGTH = dt.timedelta(hours=1)
TZID = "Europe/Oslo"


def dtstamp(k: KommuneDecl) -> dt.datetime:
    agreed = k.model.activation.agreed_on if k.model.activation else None
    day = agreed or SCOPE_START
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def uid(k: KommuneDecl, m: timeline.Milestone) -> str:
    return f"{k.model.kommune}-{m.key}@{UID_DOMAIN}"


def _description(k: KommuneDecl, m: timeline.Milestone) -> str:
    km = k.model
    actors = ", ".join(a.value for a in m.step.actors)
    t = km.t.isoformat() if km.t else "not agreed"
    if m.done:
        recorded = f"Recorded as done{f' on {m.done_on.isoformat()}' if m.done_on else ''}."
    else:
        recorded = "Not recorded as done in the declaration."
    lines = [
        f"Routine step {m.step.label} ({actors}): «{m.step.quote}»",
        f"{km.name} ({km.kommune}), T = {t}, status {km.status}.",
        m.detail if m.key not in (K1.milestone, H5.milestone) else "",
        recorded,
        f"Declaration: {k.path}",
    ]
    return "\n".join(line for line in lines if line)


def _event(k: KommuneDecl, m: timeline.Milestone) -> icalendar.Event | None:
    day = m.date
    if day is None:
        return None
    event = icalendar.Event()
    event.add("uid", uid(k, m))
    event.add("dtstamp", dtstamp(k))
    if m.at is not None:
        event.add("dtstart", m.at)
        event.add("dtend", m.at + DIALOG_LENGTH)
    else:
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    event.add("summary", f"{k.model.name}: {m.step.title} ({m.step.label})")
    event.add("description", _description(k, m))
    event.add("categories", [m.step.label.split("/")[0]])
    cancelled = k.model.status is Status.WITHDRAWN and not m.done
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _offset_at(tz: ZoneInfo, instant: int) -> dt.timedelta:
    offset = dt.datetime.fromtimestamp(instant, dt.UTC).astimezone(tz).utcoffset()
    assert offset is not None
    return offset


def _transitions(tz: ZoneInfo, start: dt.datetime, end: dt.datetime) -> Iterator[tuple[int, dt.timedelta]]:
    """Every (UTC instant, new offset) at which ``tz`` changes offset in [start, end)."""
    day = 86_400
    here, stop = int(start.timestamp()), int(end.timestamp())
    offset = _offset_at(tz, here)
    while here < stop:
        there = here + day
        new = _offset_at(tz, there)
        if new != offset:
            lo, hi = here, there  # offset(lo) is the old one, offset(hi) the new one
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if _offset_at(tz, mid) == offset else (lo, mid)
            yield hi, new
            offset = new
        here = there


def _utc_offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def vtimezone(first_year: int, last_year: int, tzid: str = TZID) -> icalendar.Timezone:
    """A VTIMEZONE for ``tzid`` covering ``first_year``-``last_year``, from zoneinfo.

    icalendar's own ``Timezone.from_tzinfo`` (7.x) writes the spring onset as the wall clock
    after the change (03:00 with TZOFFSETFROM +0100), which RFC 5545 §3.6.5 reads as one hour
    late; here every onset is the wall clock in TZOFFSETFROM (02:00 in spring, 03:00 in autumn),
    as in the RFC's examples. Each observance lists its onsets as DTSTART plus RDATEs, so no
    recurrence rule is assumed. The range starts a year early so the first event's observance
    has a known onset."""
    tz = ZoneInfo(tzid)
    start = dt.datetime(first_year - 1, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC)
    before = _offset_at(tz, int(start.timestamp()))
    groups: dict[tuple[bool, dt.timedelta, dt.timedelta, str], list[dt.datetime]] = {}
    for instant, after in _transitions(tz, start, end):
        moment = dt.datetime.fromtimestamp(instant, dt.UTC).astimezone(tz)
        onset = (moment.astimezone(dt.UTC) + before).replace(tzinfo=None)
        daylight = bool(moment.dst())
        groups.setdefault((daylight, before, after, moment.tzname() or ""), []).append(onset)
        before = after
    component = icalendar.Timezone()
    component.add("tzid", tzid)
    for (daylight, offset_from, offset_to, name), onsets in sorted(groups.items(), key=lambda g: g[1][0]):
        sub = icalendar.TimezoneDaylight() if daylight else icalendar.TimezoneStandard()
        sub.add("dtstart", onsets[0])
        if onsets[1:]:
            sub.add("rdate", onsets[1:])
        sub.add("tzname", name)
        sub["tzoffsetfrom"] = icalendar.vText(_utc_offset_text(offset_from))
        sub["tzoffsetto"] = icalendar.vText(_utc_offset_text(offset_to))
        component.add_component(sub)
    return component


def events(k: KommuneDecl) -> tuple[bytes, list[int]]:
    """A kommune's events as they stand in a calendar, and the years its milestones fall in."""
    milestones = timeline.milestones(k.model)
    text = b"".join(e.to_ical() for m in milestones if (e := _event(k, m)) is not None)
    return text, sorted({m.date.year for m in milestones if m.date is not None})


END = b"END:VCALENDAR\r\n"


def assemble(name: str, parts: Iterable[tuple[bytes, list[int]]]) -> bytes:
    """A calendar of the given events (``events``), in that order: its head, the time zone the
    years need, the events, its end (what icalendar writes for the whole calendar)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TZID)
    cal.add("description", generated_by())
    parts = list(parts)
    years = [y for __, ys in parts for y in ys]
    first = min(years, default=SCOPE_START.year)
    last = max(years, default=SCOPE_START.year)
    cal.add_component(vtimezone(first, last))
    head: bytes = cal.to_ical()
    if not head.endswith(END):
        raise ValueError(_("icalendar did not end the calendar with END:VCALENDAR"))
    return head[: -len(END)] + b"".join(text for text, __ in parts) + END


def calendar(kommuner: Sequence[KommuneDecl], name: str) -> bytes:
    return assemble(name, [events(k) for k in kommuner])


def _ordered(kommuner: Iterable[KommuneDecl]) -> list[KommuneDecl]:
    return sorted(kommuner, key=lambda k: (k.model.kommune, k.path))


COMBINED = N_("Oppkobling: all kommuner")


def combined(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    yield layout.CALENDAR, calendar(_ordered(declarations.kommuner), _(COMBINED))


def part(declarations: DeclarationSet, context: RenderContext) -> list[Any]:
    """What calendar.ics holds of each kommune of the set: [kommunenummer, path, events, years]
    (``combined`` of a set is ``join`` of its kommuner's parts)."""
    result: list[Any] = []
    for k in _ordered(declarations.kommuner):
        text, years = events(k)
        result.append([k.model.kommune, k.path, text.decode("utf-8"), years])
    return result


def join(helseforetak: Sequence[HfDecl], parts: Sequence[Any], context: RenderContext) -> Iterator[tuple[str, bytes]]:
    rows = sorted((row for p in parts for row in p), key=lambda row: (row[0], row[1]))
    yield layout.CALENDAR, assemble(_(COMBINED), [(str(row[2]).encode("utf-8"), list(row[3])) for row in rows])


def per_kommune(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    for k in _ordered(declarations.kommuner):
        name = f"Oppkobling: {k.model.name} ({k.model.kommune})"
        yield layout.calendar_file(layout.stem(k.path)), calendar([k], name)


def render(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    yield from combined(declarations, context)
    yield from per_kommune(declarations, context)
