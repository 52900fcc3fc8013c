"""Slugs for file names and contact placeholders, as the examples and the kommune.no domains spell them."""

from __future__ import annotations

import pytest

from pipeline.model import scaffold


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Stjørdal", "stjordal"),
        ("Bærum", "baerum"),
        ("Møre og Romsdal", "more-og-romsdal"),
        ("Åfjord", "afjord"),
        ("Kárášjohka", "karasjohka"),
        ("Aurskog-Høland", "aurskog-holand"),
        ("Herøy (Nordland)", "heroy-nordland"),
    ],
)
def test_slug(name: str, slug: str) -> None:
    assert scaffold.slug(name) == slug
