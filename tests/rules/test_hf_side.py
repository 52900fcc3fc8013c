"""pipeline.rules.hf_side: R-H2, R-H3, R-H5 (the routine, HF side), driven by tests/cases/<rule-id>/."""

from __future__ import annotations

import pytest

from rules.rulecases import Case, check, params


@pytest.mark.parametrize("case", params("R-H2", "R-H3", "R-H5"))
def test_case(case: Case) -> None:
    check(case)
