"""The iCalendar feeds: one event per milestone, the dialog at 09:00 Europe/Oslo on T, stable."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from conftest import REPO, Repo

from pipeline import layout
from pipeline.io.partners import read_tree
from pipeline.model.declarations import DeclarationSet, parse
from pipeline.render import calendars as calendar_feed
from pipeline.render.context import RenderContext

OSLO = ZoneInfo("Europe/Oslo")


def examples() -> DeclarationSet:
    return parse(read_tree(REPO).files)


def render(decls: DeclarationSet) -> dict[str, bytes]:
    return dict(calendar_feed.render(decls, RenderContext(None)))


def events(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_generated_calendar_has_the_dialog_at_nine_on_each_t(repo: Repo, xsd: Path) -> None:
    result = repo.run("generate", "--xsd-dir", str(xsd), "--today", "2026-11-26")
    assert result.code == 0, result.out + result.err
    raw = (repo.root / "generated" / "calendar.ics").read_bytes()
    parsed = events(raw)
    decls = parse(read_tree(repo.root).files)
    assert decls.kommuner
    for k in decls.kommuner:
        t = k.model.t
        assert t is not None
        dialog = parsed[f"{k.model.kommune}-dialog@oppkobling"]
        start = dialog.decoded("DTSTART")
        assert start == dt.datetime.combine(t, dt.time(9, 0), OSLO)
        assert str(start.tzinfo) == "Europe/Oslo"
        assert dialog["DTSTART"].params["TZID"] == "Europe/Oslo"
        assert f"DTSTART;TZID=Europe/Oslo:{t.strftime('%Y%m%d')}T090000".encode() in raw
        assert (repo.root / "generated" / "calendars" / f"{layout.stem(k.path)}.ics").is_file()
    assert icalendar.Calendar.from_ical(raw).walk("VTIMEZONE")[0]["TZID"] == "Europe/Oslo"


def test_one_event_per_milestone_with_the_routine_quoted() -> None:
    files = render(examples())
    stjordal = events(files["calendars/5035-stjordal.ics"])
    assert sorted(stjordal) == sorted(
        f"5035-{key}@oppkobling" for key in ("agreed", "order", "ar", "pretest", "dialog", "activation")
    )
    pretest = stjordal["5035-pretest@oppkobling"]
    assert pretest.decoded("DTSTART") == dt.date(2027, 2, 23)  # T-7, all day
    assert pretest.decoded("DTEND") == dt.date(2027, 2, 24)
    assert "K5/H2" in str(pretest["SUMMARY"])
    assert "«Hemit sender testmeldinger 1 uke før aktiveringsdato" in str(pretest["DESCRIPTION"])
    order = stjordal["5035-order@oppkobling"]
    assert order.decoded("DTSTART") == dt.date(2026, 11, 5)  # recorded as sent that day
    assert "HEMIT-4711" in str(order["DESCRIPTION"])
    everything = events(files["calendar.ics"])
    assert len(everything) == 6 * len(examples().kommuner)


def test_dtstamp_is_derived_from_the_declaration_not_the_clock() -> None:
    for uid, event in events(render(examples())["calendar.ics"]).items():
        stamp = event.decoded("DTSTAMP")
        assert stamp.tzinfo is not None and stamp.utcoffset() == dt.timedelta(0), uid
        assert (stamp.hour, stamp.minute) == (0, 0)
    stjordal = events(render(examples())["calendars/5035-stjordal.ics"])
    assert stjordal["5035-dialog@oppkobling"].decoded("DTSTAMP") == dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


def test_withdrawn_kommune_events_not_done_are_cancelled() -> None:
    namsos = events(render(examples())["calendars/5007-namsos.ics"])
    assert namsos["5007-order@oppkobling"]["STATUS"] == "CONFIRMED"
    assert namsos["5007-dialog@oppkobling"]["STATUS"] == "CANCELLED"


def test_uids_survive_a_new_activation_date(repo: Repo) -> None:
    before = events(render(parse(read_tree(repo.root).files))["calendars/5035-stjordal.ics"])
    repo.edit("partners/kommuner/5035-stjordal.yaml", "date: 2027-03-02", "date: 2027-03-30")
    after = events(render(parse(read_tree(repo.root).files))["calendars/5035-stjordal.ics"])
    assert sorted(before) == sorted(after)
    dialog = after["5035-dialog@oppkobling"].decoded("DTSTART")
    assert dialog == dt.datetime(2027, 3, 30, 9, 0, tzinfo=OSLO)
    # Across the change to summer time (2027-03-28): T-7 in winter time, the dialog at +02:00.
    assert dialog.utcoffset() == dt.timedelta(hours=2)
    assert after["5035-pretest@oppkobling"].decoded("DTSTART") == dt.date(2027, 3, 23)


def test_vtimezone_agrees_with_zoneinfo_through_every_change() -> None:
    component = calendar_feed.vtimezone(2026, 2028)
    tz = component.to_tz(lookup_tzid=False)  # use only what the file says, not the local database
    # Offsets change on the hour (01:00 UTC), so sampling each hour at :30 sees an onset an hour off.
    moment = dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC)
    while moment < dt.datetime(2029, 1, 1, tzinfo=dt.UTC):
        assert moment.astimezone(tz).utcoffset() == moment.astimezone(OSLO).utcoffset(), moment
        moment += dt.timedelta(hours=1)
    text = component.to_ical().decode()
    # RFC 5545 §3.6.5: each onset is the wall clock in TZOFFSETFROM (02:00 CET in spring).
    assert "20260329T020000" in text and "20260329T030000" not in text
    assert "20261025T030000" in text


def test_same_bytes_every_run_whatever_the_host_zone_and_locale() -> None:
    code = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from pipeline.render import calendars as calendar_feed\n"
        "from pipeline.model.declarations import parse\n"
        "from pipeline.render.context import RenderContext\n"
        "from pipeline.io.partners import read_tree\n"
        "files = dict(calendar_feed.render(parse(read_tree(Path(sys.argv[1])).files), RenderContext(None)))\n"
        "print(hashlib.sha256(b''.join(p.encode() + files[p] for p in sorted(files))).hexdigest())\n"
    )
    digests = set()
    for tz, lang in (("UTC", "C"), ("America/New_York", "nb_NO.UTF-8"), ("Asia/Kolkata", "de_DE.UTF-8")):
        env = {**os.environ, "TZ": tz, "LANG": lang, "LC_ALL": lang}
        out = subprocess.run(
            [sys.executable, "-c", code, str(REPO)], env=env, capture_output=True, text=True, check=True, timeout=120
        )
        digests.add(out.stdout.strip())
    files = render(examples())
    here = hashlib.sha256(b"".join(p.encode() + files[p] for p in sorted(files))).hexdigest()
    assert digests == {here}
