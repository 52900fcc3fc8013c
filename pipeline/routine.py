"""The routine's calendar: every date a step hangs on, derived from T (the activation date).

- K3: AR publication no later than T-14 ("innen 2 uker før")
- K5/H2: test epikrise and lab on T-7 ("1 uke før aktiveringsdato")
- K6/H4: test dialogmelding at 09:00 Europe/Oslo on T ("kl. 09 på aktiveringsdato")

Times are Europe/Oslo through zoneinfo (the ``tzdata`` package makes this independent of the
host's zone database); public holidays come from the ``holidays`` package.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
SCOPE_START = dt.date(2018, 4, 1)  # "f.o.m. 01.04.18"
AR_LEAD = dt.timedelta(days=14)
PRETEST_LEAD = dt.timedelta(days=7)
DIALOG_TIME = dt.time(9, 0)


def ar_deadline(t: dt.date) -> dt.date:
    return t - AR_LEAD


def order_deadline(t: dt.date) -> dt.date:
    return t - AR_LEAD


def pretest_day(t: dt.date) -> dt.date:
    return t - PRETEST_LEAD


def dialog_at(t: dt.date) -> dt.datetime:
    return dt.datetime.combine(t, DIALOG_TIME, tzinfo=OSLO)


def at_oslo_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=OSLO)


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> dict[dt.date, str]:
    import holidays  # imported when first needed: it is slow to import, and quick commands need no dates

    return dict(holidays.country_holidays("NO", years=year, language="no"))


def holiday_name(day: dt.date) -> str | None:
    return _holidays(day.year).get(day)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


def why_not_working_day(day: dt.date) -> str | None:
    name = holiday_name(day)
    if name:
        return f"{day.isoformat()} is a public holiday ({name})"
    if day.weekday() >= 5:
        weekday = ("Saturday", "Sunday")[day.weekday() - 5]
        return f"{day.isoformat()} is a {weekday}"
    return None


def today_in_oslo() -> dt.date:
    return dt.datetime.now(OSLO).date()
