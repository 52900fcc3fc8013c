"""Shared helpers for the receipt tests: the shipped schedules, receipts made for them by
``make_receipts``, and reading them back through the pipeline."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import make_receipts as mk
from conftest import REPO

from pipeline.io import receipts as reading
from pipeline.io.partners import read_tree
from pipeline.model.declarations import parse
from pipeline.model.models import Receipt as Recorded
from pipeline.receipts import expected as expecting
from pipeline.receipts import matching, recognise, recording
from pipeline.receipts.model import Batch, ExpectedMessage, Origin, PartyEvidence, Problem, ProblemKind, Receipt
from pipeline.routine import evidence

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
    """The test messages the shipped declarations generate (what generated/ holds)."""
    read = read_tree(REPO)
    assert read.refused == []
    return tuple(expecting.of_declarations(parse(read.files)))


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


def match(receipts: list[Receipt], *, until: dt.datetime | None = None) -> matching.MatchResult:
    return matching.match(expected(), receipts, until=until)


def recorded(found: PartyEvidence, kind: str = "pretest", attempt: int = 1) -> list[Recorded]:
    """The receipts of one attempt as a declaration records them."""
    return [
        r
        for me in found.messages
        if me.expected.kind == kind and me.expected.attempt == attempt
        for r, _ in recording.receipts_of(me)
    ]


def verdict(found: PartyEvidence, kind: str, types: tuple[str, ...] = ("epikrise", "svarrapport")) -> str | None:
    """What the pretest's ``kind`` receipts decide for the party (Molde's get epikrise and lab)."""
    return evidence.verdict(recorded(found), kind, types)
