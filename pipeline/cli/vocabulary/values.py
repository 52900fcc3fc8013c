"""The types of values on the command line: a day, a moment with its UTC offset, TYPE=VERSION,
a HER-id. Each turns a malformed value into a usage error that says what to write instead."""

from __future__ import annotations

import argparse
import datetime as dt

from pipeline.i18n import _


def day(value: str) -> dt.date:
    from pipeline.model import mistakes

    try:
        return mistakes.day(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def moment(value: str) -> dt.datetime:
    try:
        found = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value!r} is not an ISO 8601 time (2027-03-30T09:00:00+02:00)").format(value=value)
        ) from None
    if found.tzinfo is None:
        raise argparse.ArgumentTypeError(
            _("{value!r} has no UTC offset (write e.g. 2027-03-30T09:00:00+02:00)").format(value=value)
        )
    from pipeline.routine.calendar import OSLO

    offset, oslo = found.utcoffset(), found.astimezone(OSLO)
    if offset and offset != oslo.utcoffset():
        # Neither UTC nor Oslo's offset that day: +02:00 in February is a summer-time slip.
        meant = found.replace(tzinfo=None).replace(tzinfo=OSLO)
        raise argparse.ArgumentTypeError(
            _("{value} is {strftime} in Oslo, whose offset on {date} is {strftime2}:{strftime3}: write {meant}").format(
                value=value,
                strftime=oslo.strftime("%H:%M"),
                date=oslo.date().isoformat(),
                strftime2=oslo.strftime("%z")[:3],
                strftime3=oslo.strftime("%z")[3:],
                meant=meant.isoformat(),
            )
        )
    return found


def message_version(value: str) -> tuple[str, str]:
    mtype, sep, version = value.partition("=")
    if not sep or not mtype.strip() or not version.strip():
        raise argparse.ArgumentTypeError(
            _("{value!r} is not TYPE=VERSION (e.g. dialogmelding=1.1)").format(value=value)
        )
    return mtype.strip(), version.strip()


def her_id(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(_("{value!r} is not a HER-id (a positive number)").format(value=value))
    return int(value)
