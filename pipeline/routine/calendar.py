"""The routine's calendar: the day (and hour) each step falls on, from T and the table's offsets,
in Europe/Oslo, with Norway's public holidays.

- K2/K3: the order and the AR publication no later than T-14
- K5/H2: the test epikrise and lab on T-7
- K6/H4: the test dialogmelding at 09:00 Europe/Oslo on T

Times are Europe/Oslo through zoneinfo (the ``tzdata`` package makes this independent of the
host's zone database); public holidays come from the ``holidays`` package.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.routine.steps import K2, K3, K5, K6, Step

OSLO = ZoneInfo("Europe/Oslo")


def day(step: Step, t: dt.date) -> dt.date:
    """The day ``step`` falls on (or its deadline) for activation date ``t``."""
    assert step.offset is not None, f"{step.id} has no day derived from T"
    return t + dt.timedelta(days=step.offset.days)


def moment(step: Step, t: dt.date) -> dt.datetime:
    """A timed step's moment, Europe/Oslo."""
    assert step.offset is not None and step.offset.time is not None, f"{step.id} has no time of day"
    return dt.datetime.combine(day(step, t), step.offset.time, tzinfo=OSLO)


def order_deadline(t: dt.date) -> dt.date:
    return day(K2, t)


def ar_deadline(t: dt.date) -> dt.date:
    return day(K3, t)


def pretest_day(t: dt.date) -> dt.date:
    return day(K5, t)


def dialog_at(t: dt.date) -> dt.datetime:
    return moment(K6, t)


# The routine gives the pretest's day only; the test messages go out at 09:00 Europe/Oslo, the
# hour of the test dialog (our choice), so that a re-test day has the same hour and one GenDate
# rule holds. The 96-hour AppRec deadline counts from it.
TEST_MESSAGES_TIME = dt.time(9, 0)


def test_messages_at(d: dt.date) -> dt.datetime:
    """When the pretest's messages (or a re-test's) go out on day ``d``."""
    return dt.datetime.combine(d, TEST_MESSAGES_TIME, tzinfo=OSLO)


def next_working_day(d: dt.date) -> dt.date:
    """The first working day after ``d``."""
    day = d + dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def at_oslo_midnight(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(0, 0), tzinfo=OSLO)


@functools.cache
def _norway() -> Any:
    """The ``holidays`` package's calendar of Norway, imported when first needed (quick commands
    need no dates). ``holidays.country_holidays("NO")`` imports ``holidays.countries``, whose
    ``__init__`` imports every country's module (about 0.18 s, more than the rest of a
    ``validate FILE`` after an edit spends on dates); the one module is loaded on its own, under
    its own name, and the package's lookup is the fallback should it ever move."""
    import holidays

    try:
        return holidays.countries.norway.Norway  # already imported (by someone else): use it
    except AttributeError:
        pass
    path = Path(holidays.__file__).parent / "countries" / "norway.py"
    spec = importlib.util.spec_from_file_location("holidays.countries.norway", path)
    if spec is None or spec.loader is None or not path.is_file():
        return functools.partial(holidays.country_holidays, "NO")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Norway


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> dict[dt.date, str]:
    return dict(_norway()(years=year, language="no"))


def holiday_name(d: dt.date) -> str | None:
    return _holidays(d.year).get(d)


def is_working_day(d: dt.date) -> bool:
    return d.weekday() < 5 and holiday_name(d) is None


def why_not_working_day(d: dt.date) -> str | None:
    from pipeline.i18n import _

    name = holiday_name(d)
    if name:
        return _("{day} is a public holiday ({holiday})").format(day=d.isoformat(), holiday=name)
    if d.weekday() == 5:
        return _("{day} is a Saturday").format(day=d.isoformat())
    if d.weekday() == 6:
        return _("{day} is a Sunday").format(day=d.isoformat())
    return None


def today_in_oslo() -> dt.date:
    return dt.datetime.now(OSLO).date()
