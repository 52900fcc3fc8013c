"""pipeline.rules.kommune_side: R-K1...R-K6 (the routine, kommune side), driven by tests/cases/<rule-id>/."""

from __future__ import annotations

import pytest

from rules.rulecases import Case, check, params


@pytest.mark.parametrize("case", params("R-K1", "R-K2", "R-K3", "R-K4", "R-K5", "R-K6"))
def test_case(case: Case) -> None:
    check(case)
