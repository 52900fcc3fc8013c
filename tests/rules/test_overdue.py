"""validate and status agree on what is late (issue 17: on 2030-01-01 validate reported nothing
while status showed Melhus's K2 and two K5 milestones overdue). Both are run as a person runs
them, on the shipped examples, on days across the examples' calendar."""

from __future__ import annotations

import json

import pytest
from conftest import Repo

from pipeline.rules import RULES

DAYS = ["2026-11-26", "2027-02-24", "2027-03-24", "2027-06-09", "2030-01-01"]
STEP_OF_RULE = {rule.id: rule.step.id for rule in RULES.values() if rule.step is not None}


@pytest.mark.parametrize("day", DAYS)
def test_every_overdue_milestone_on_the_board_is_a_finding_and_back(repo: Repo, day: str) -> None:
    status = json.loads(repo.call("status", "--today", day, "--format", "json").out)
    validate = json.loads(repo.call("validate", "--today", day, "--format", "json").out)
    files = {f"partners/kommuner/{k['kommune']}": k for k in status["kommuner"]}

    def kommune_of(path: str) -> str:
        return next(k["kommune"] for prefix, k in files.items() if path.startswith(prefix + "-"))

    board = {(k["kommune"], e["step"].split("/")[0]) for k in status["kommuner"] for e in k["overdue"]}
    blocked = {(k["kommune"], e["step"].split("/")[0]) for k in status["kommuner"] for e in k["blocked"]}
    late = {
        (kommune_of(f["file"]), STEP_OF_RULE[f["rule"]])
        for f in validate["findings"]
        if f["rule"] in STEP_OF_RULE
        and f["file"].startswith("partners/kommuner/")
        and (f["severity"] == "error" or f["message"].startswith("overdue"))
    }
    said_overdue = {
        (kommune_of(f["file"]), STEP_OF_RULE[f["rule"]])
        for f in validate["findings"]
        if f["rule"] in STEP_OF_RULE and f["message"].startswith("overdue")
    }
    assert board <= late, f"overdue on the board, not in validate: {sorted(board - late)}"
    # A finding that calls something overdue (an AppRec past 96 hours, say) is a milestone the
    # board calls overdue, or blocked by exactly that.
    assert said_overdue <= board | blocked, (
        f"validate says overdue, the board does not: {sorted(said_overdue - board - blocked)}"
    )
    if day == "2030-01-01":
        assert {("5028", "K2"), ("1811", "K5"), ("5035", "K5")} <= board


def test_a_late_order_says_how_to_send_and_record_it(repo: Repo) -> None:
    result = repo.call("validate", "--today", "2030-01-01", "partners/kommuner/5028-melhus.yaml")
    assert result.code == 0  # time passing only adds warnings
    assert (
        "partners/kommuner/5028-melhus.yaml:8:9: warning R-K2 overdue: K2/H1 Order sent to Hemit: was due 2027-03-23; "
        "send the order ('oppkobling order 5028') and record it ('oppkobling record 5028 order --sent-on YYYY-MM-DD')"
    ) in result.out.splitlines()
