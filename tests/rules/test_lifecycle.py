"""pipeline.rules.lifecycle: L1-L3 (changes against the base revision), driven by tests/cases/<rule-id>/."""

from __future__ import annotations

import pytest

from rules.rulecases import Case, check, params


@pytest.mark.parametrize("case", params("L1", "L2", "L3"))
def test_case(case: Case) -> None:
    check(case)
