"""A kommune is named on the command line by number, name (any case, with or without æ/ø/å),
slug or file stem (issue 17: 'timeline Roros' failed although the help promised names)."""

from __future__ import annotations

import pytest
from conftest import REPO

from pipeline.io.partners import read_tree
from pipeline.model import names
from pipeline.model.declarations import parse


@pytest.mark.parametrize("typed", ["5035", "Stjørdal", "stjørdal", "STJØRDAL", "Stjordal", "stjordal", "5035-stjordal"])
def test_every_way_of_naming_stjordal(typed: str) -> None:
    found = parse(read_tree(REPO).files).kommune(typed)
    assert found is not None and found.model.kommune == "5035"


@pytest.mark.parametrize("typed", ["5036", "Stjørdalen", "", "  ", "stjordal-5035", "Trondheim-5035"])
def test_near_misses_name_nothing(typed: str) -> None:
    assert parse(read_tree(REPO).files).kommune(typed) is None


def test_folding_matches_the_file_slug() -> None:
    assert names.slug("Røros") == "roros" and names.slug("Bærum") == "baerum" and names.slug("Måsøy") == "masoy"
    assert names.matches("RØROS", "5025", "Røros", "5025-roros")
    assert names.matches("5025-Røros", "5025", "Røros", "5025-roros")
