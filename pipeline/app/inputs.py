"""The inputs several commands share: what "today" is, where the repository is, which AR snapshot
to read. Standard library only: the cached ``validate`` needs these and nothing heavier."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pipeline import environment
from pipeline.errors import UsageError
from pipeline.io.partners import find_root
from pipeline.routine import calendar

TODAY_ENV = environment.TODAY
AR_ENV = environment.AR_SNAPSHOT


def today(given: str | None) -> dt.date:
    """--today, else $OPPKOBLING_TODAY (reproducible hook and CI runs), else today in Europe/Oslo."""
    value = given or os.environ.get(TODAY_ENV)
    if not value:
        return calendar.today_in_oslo()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today (or ${TODAY_ENV}) must be YYYY-MM-DD, not {value!r}") from None


def repository(given: Path | None) -> Path:
    """--root, else the nearest directory upwards from here that holds partners/."""
    return find_root(given if given is not None else Path.cwd())


def ar_snapshot(given: Path | None) -> Path | None:
    """--ar-snapshot, else $OPPKOBLING_AR_SNAPSHOT, else none."""
    return given or (Path(os.environ[AR_ENV]) if os.environ.get(AR_ENV) else None)


def read_ar_snapshot(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read AR snapshot {path}: {exc.strerror}") from None
