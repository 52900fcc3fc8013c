"""The inputs several commands share: what "today" is, where the repository is, and the margin
R-K3 holds AR's certificates to. Standard library only: the cached ``validate`` needs these and
nothing heavier."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pipeline import environment
from pipeline.errors import UsageError
from pipeline.i18n import _
from pipeline.io import answers
from pipeline.io.partners import find_root
from pipeline.model import mistakes
from pipeline.routine import calendar

TODAY_ENV = environment.TODAY
MARGIN_ENV = environment.CERTIFICATE_MARGIN
DEFAULT_MARGIN = 60  # days after T an AR certificate must still be valid for (R-K3)


def today(given: str | None) -> dt.date:
    """--today, else $OPPKOBLING_TODAY (reproducible hook and CI runs), else today in Europe/Oslo."""
    value = given or os.environ.get(TODAY_ENV)
    if not value:
        found = calendar.today_in_oslo()
        start = dt.datetime.combine(found, dt.time(), calendar.OSLO)
        end = dt.datetime.combine(found + dt.timedelta(days=1), dt.time(), calendar.OSLO)
        answers.holds_for(int(start.timestamp()) * 10**9, int(end.timestamp()) * 10**9)
        return found
    try:
        return mistakes.day(value)
    except ValueError as exc:
        raise UsageError(_("--today (or ${TODAY_ENV}): {exc}").format(TODAY_ENV=TODAY_ENV, exc=exc)) from None


def repository(given: Path | None) -> Path:
    """--root, else the nearest directory upwards from here that holds partners/."""
    return find_root(given if given is not None else Path.cwd())


def certificate_margin() -> int:
    """$OPPKOBLING_CERTIFICATE_MARGIN (days), else 60: how long after T the certificates AR
    publishes must stay valid before R-K3 warns."""
    value = os.environ.get(MARGIN_ENV, "").strip()
    if not value:
        return DEFAULT_MARGIN
    if not value.isdigit() or not 0 < int(value) <= 3650:
        raise UsageError(
            _("${MARGIN_ENV} must be a number of days (1 to 3650), not {value!r}").format(
                MARGIN_ENV=MARGIN_ENV, value=value
            )
        )
    return int(value)
