"""The status board on a given day (``oppkobling status``) in each format."""

from __future__ import annotations

import json

from conftest import Repo


def test_cli_text_on_a_day(repo: Repo) -> None:
    result = repo.run("status", "--today", "2026-11-26")
    assert result.code == 0, result.err
    assert result.out.startswith("Onboarding status on 2026-11-26: 7 kommune(r)")
    assert "1506 Molde" in result.out
    assert "overdue: K5/H2 (was due 2026-11-24; 2 of 3 HF-party pairs with positive receipts)" in result.out
    assert "blocked: K5/H2, K6/H4, H5 (paused" in result.out
    assert "5001 Trondheim        active    T 2026-03-03  next: nothing left" in result.out


def test_cli_json_and_markdown(repo: Repo) -> None:
    doc = json.loads(repo.run("status", "--today", "2027-02-24", "--format", "json").out)
    rows = {r["kommune"]: r for r in doc["kommuner"]}
    assert doc["today"] == "2027-02-24"
    assert set(rows) == {"1505", "1506", "1811", "5001", "5007", "5028", "5035"}
    assert rows["5035"]["next"]["key"] == "pretest"
    assert [e["key"] for e in rows["5035"]["overdue"]] == ["pretest"]  # T-7 was 2027-02-23
    assert rows["5001"]["next"] is None
    md = repo.run("status", "--today", "2026-11-26", "--format", "markdown").out
    assert md.startswith("# Onboarding status on 2026-11-26")
    assert "| 1506 Molde | testing | 2026-12-01 |" in md
