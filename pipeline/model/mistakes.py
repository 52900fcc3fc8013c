"""The type mistakes people make writing YAML by hand, and what they meant.

YAML reads ``1.4`` as a number and ``0301`` or ``5025`` as an integer, but a version, a
kommunenummer and an organisation number are text in a declaration; Norwegians write dates as
``01.04.27``, which YAML reads as text, where a date is ``2027-04-01``. For each, the finding
(S1) says exactly what to write, from the characters in the file (``1.10`` is "1.10", not the
number 1.1), and ``meant`` gives the value as intended so that the rest of the file can still be
checked: one slip does not hide every other finding in the file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pipeline.i18n import N_, _

# Fields whose values are text made of digits and dots, which YAML would read as numbers.
_TEXT_FIELDS = {"kommune", "org_number"}
_VERSION_PARENTS = {"messages", "supports"}
_NORWEGIAN_DATE = re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2}|\d{4})$")
_ISO_LIKE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")


@dataclass(frozen=True)
class Mistake:
    fix: str  # what to write instead, said to the person
    meant: Any  # the value as intended, to check the rest of the file with


def scalar_text(text: str | None, line: int, column: int) -> str | None:
    """The plain scalar as written at ``line``:``column`` (1-based), without a trailing comment."""
    if text is None:
        return None
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    rest = lines[line - 1][column - 1 :]
    written = re.split(r"\s+#", rest, maxsplit=1)[0].strip().rstrip(",]}").strip()
    return written or None


def _is_version_path(path: tuple[str | int, ...]) -> bool:
    return any(str(p) in _VERSION_PARENTS for p in path[:-1])


def explain(path: tuple[str | int, ...], kind: str, value: Any, written: str | None) -> Mistake | None:
    """What was meant by ``value`` (written as ``written``) at ``path``, where pydantic said
    ``kind``; None when it is not one of the known slips."""
    if not path:
        return None
    field = str(path[-1]) if not isinstance(path[-1], int) else str(path[-2]) if len(path) > 1 else ""
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        text = written if written and re.fullmatch(r"[0-9.]+", written) else str(value)
        if field in _TEXT_FIELDS or _is_version_path(path):
            what = _("a version") if _is_version_path(path) else f"'{field}'"
            return Mistake(
                _('write "{text}" in quotes: {what} is text, and unquoted YAML reads {text} as a number').format(
                    text=text, what=what
                ),
                text,
            )
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing") and isinstance(value, str):
        return _date(value.strip())
    return None


def _date(text: str) -> Mistake | None:
    norwegian = _NORWEGIAN_DATE.match(text)
    if norwegian:
        year = int(norwegian["y"])
        year += 2000 if year < 100 else 0
        try:
            day = dt.date(year, int(norwegian["m"]), int(norwegian["d"]))
        except ValueError as exc:
            return Mistake(
                _("{text} is not a date ({exc}); write dates as YYYY-MM-DD").format(text=text, exc=exc), None
            )
        return Mistake(_("write {day} (dates are YYYY-MM-DD, not {text})").format(day=day.isoformat(), text=text), day)
    iso = _ISO_LIKE.match(text)
    if iso:
        return Mistake(impossible(int(iso["y"]), int(iso["m"]), int(iso["d"])), None)
    return None


def impossible(year: int, month: int, day: int) -> str:
    """Why a well-shaped YYYY-MM-DD is not a date: '2027-02-30: February 2027 has 28 days'."""
    shown = f"{year:04d}-{month:02d}-{day:02d}"
    if not 1 <= month <= 12:
        return _("{shown} is not a date: there is no month {month}").format(shown=shown, month=month)
    first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    days = (first_next - dt.timedelta(days=1)).day
    return _("{shown} is not a date: {month} {year} has {days} days").format(
        shown=shown, month=_(_MONTHS[month - 1]), year=year, days=days
    )


_MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


def day(value: str) -> dt.date:
    """``YYYY-MM-DD`` as a date; a ValueError that says what is wrong (an impossible day, a
    Norwegian ``01.04.27``) otherwise."""
    text = value.strip()
    iso = _ISO_LIKE.match(text)
    if iso and len(text) == 10:
        try:
            return dt.date(int(iso["y"]), int(iso["m"]), int(iso["d"]))
        except ValueError:
            raise ValueError(impossible(int(iso["y"]), int(iso["m"]), int(iso["d"]))) from None
    mistake = _date(text)
    if mistake is not None:
        raise ValueError(mistake.fix)
    raise ValueError(_("{value!r} is not a date: write YYYY-MM-DD, e.g. 2027-02-02").format(value=value))
