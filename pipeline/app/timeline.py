"""``timeline KOMMUNE``: a kommune's milestones and where each stands on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.app import loading

if TYPE_CHECKING:
    from pipeline.model.declarations import KommuneDecl
    from pipeline.routine.timeline import Entry


@dataclass(frozen=True)
class KommuneTimeline:
    kommune: KommuneDecl
    today: dt.date
    entries: list[Entry]


def timeline(root: Path, kommune: str, *, today: dt.date) -> KommuneTimeline:
    from pipeline.routine.timeline import states

    k = loading.kommune(loading.load(root, today=today).declarations, kommune)
    return KommuneTimeline(k, today, states(k.model, today))
