"""Times as receipts write them, made aware.

KITH messages (AppRec, MsgHead) write local Norwegian time, usually without an offset: a time
without one is Europe/Oslo. ebXML's ``Timestamp`` is UTC by the ebMS 2.0 specification, the
``Z`` optional: a time without an offset there is UTC. Every time is returned in Europe/Oslo.
"""

from __future__ import annotations

import datetime as dt

from pipeline.routine.calendar import OSLO


def _parse(text: str, default: dt.tzinfo) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=default)).astimezone(OSLO)


def kith_time(text: str | None) -> dt.datetime | None:
    return None if text is None else _parse(text, OSLO)


def ebxml_time(text: str | None) -> dt.datetime | None:
    return None if text is None else _parse(text, dt.UTC)
