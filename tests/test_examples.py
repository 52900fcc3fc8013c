"""The shipped example data validates, now and on dates to come."""

from __future__ import annotations

import json

import pytest
from conftest import Repo


@pytest.mark.parametrize("today", ["2026-11-26", "2027-06-30", "2030-01-02", "2040-12-31"])
def test_examples_have_no_errors(repo: Repo, today: str) -> None:
    result = repo.run("validate", "--today", today, "--format", "json")
    assert result.code == 0, result.out + result.err
    doc = json.loads(result.out)
    assert doc["summary"]["errors"] == 0
    assert all(f["severity"] == "warning" for f in doc["findings"])


def test_examples_cover_every_status(repo: Repo) -> None:
    statuses = set()
    for path in (repo.root / "partners" / "kommuner").glob("*.yaml"):
        for line in path.read_text("utf-8").splitlines():
            if line.startswith("status:"):
                statuses.add(line.split()[1])
    assert statuses == {"planned", "ordered", "testing", "active", "paused", "withdrawn"}
