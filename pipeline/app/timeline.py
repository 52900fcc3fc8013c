"""``timeline KOMMUNE``: a kommune's milestones and where each stands on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.app import loading

if TYPE_CHECKING:
    from pipeline.ar.state import PartyState
    from pipeline.model.declarations import KommuneDecl
    from pipeline.routine.timeline import Entry


@dataclass(frozen=True)
class KommuneTimeline:
    kommune: KommuneDecl
    today: dt.date
    entries: list[Entry]
    ar: list[PartyState]  # what AR holds of each party


def timeline(root: Path, kommune: str, *, today: dt.date) -> KommuneTimeline:
    from pipeline.ar.state import party_state
    from pipeline.routine.timeline import states

    declarations = loading.load(root, today=today).declarations
    k = loading.kommune(declarations, kommune)
    snapshot = declarations.ar.snapshot
    ar = [party_state(snapshot, p.her_id) for p in k.model.parties]
    return KommuneTimeline(k, today, states(k.model, today, snapshot), ar)
