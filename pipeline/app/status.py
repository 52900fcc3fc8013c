"""``status``: the status board, every kommune's next milestone and what is overdue on a day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.app import loading

if TYPE_CHECKING:
    from pipeline.routine.board import Row


def status(root: Path, *, today: dt.date) -> list[Row]:
    from pipeline.routine.board import board

    return board(loading.load(root, today=today).declarations, today)
