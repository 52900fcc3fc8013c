"""Shared helpers for the receipt tests: the shipped schedules, receipts made for them by
``make_receipts``, and reading them back through the pipeline."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import make_receipts as mk
from conftest import REPO

from pipeline.io import receipts as reading
from pipeline.receipts import matching, recognise
from pipeline.receipts.model import Batch, ExpectedMessage, Origin, Problem, ProblemKind, Receipt

GENERATED = REPO / "generated"
SHARED = REPO.parent / "shared"
TESTING = "1506"  # Molde: status testing, AppRec 1.0 (epikrise 1.1, svarrapport 1.3, dialog 1.0)
ORDERED = "1811"  # Bindal: AppRec 1.1 for epikrise 1.2 and svarrapport 1.4, 1.0 for dialog 1.0


def shared(*parts: str) -> Path:
    """A file under ../shared: missing is a failure, never a skip."""
    path = SHARED.joinpath(*parts)
    assert path.exists(), f"{path} is missing: the tests read the official examples from ../shared"
    return path


@functools.cache
def expected() -> tuple[ExpectedMessage, ...]:
    messages, problems = reading.read_schedules(GENERATED)
    assert problems == []
    return tuple(messages)


def expected_of(kommune: str) -> list[ExpectedMessage]:
    return [m for m in expected() if m.kommune == kommune]


def fixtures(kommune: str) -> list[mk.Fixture]:
    for schedule, directory in mk.schedules(GENERATED):
        if schedule["kommune"] == kommune:
            return mk.fixtures(schedule, directory)
    raise AssertionError(f"no schedule for kommune {kommune}")


def fixture(kommune: str, hf: str, message_type: str) -> mk.Fixture:
    return next(f for f in fixtures(kommune) if f.hf == hf and f["message_type"] == message_type)


def read_bytes(data: bytes, name: str = "receipt") -> Batch:
    batch = Batch()
    recognise.read_bytes(data, Origin(name), batch)
    return batch


def read(*paths: Path, base: Path | None = None) -> Batch:
    return reading.read_paths(list(paths), base=base)


def only(batch: Batch) -> Receipt:
    assert batch.problems == [], [str(p) for p in batch.problems]
    assert len(batch.receipts) == 1, batch.receipts
    return batch.receipts[0]


def problem(batch: Batch, kind: ProblemKind) -> Problem:
    found = [p for p in batch.problems if p.kind is kind]
    assert len(found) == 1, [str(p) for p in batch.problems]
    assert batch.receipts == [], batch.receipts
    return found[0]


def match(receipts: list[Receipt], *, now: dt.datetime | None = None) -> matching.MatchResult:
    return matching.match(expected(), receipts, now=now)
