"""pipeline.rules.structure: S1-S6 (structure and identity), driven by tests/cases/<rule-id>/."""

from __future__ import annotations

import pytest

from rules.rulecases import Case, check, params


@pytest.mark.parametrize("case", params("S1", "S2", "S3", "S4", "S5", "S6"))
def test_case(case: Case) -> None:
    check(case)
