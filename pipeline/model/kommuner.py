"""The kommune register shipped with the project (``data/kommuner.csv``, sources in
``data/SOURCES.md``): every Norwegian kommune, its name variants and HMN's catchment."""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

from pipeline import layout


@dataclass(frozen=True)
class KommuneEntry:
    number: str
    name: str
    county: str
    org_number: str | None
    variants: tuple[str, ...]
    hmn_catchment: bool

    def accepted_names(self) -> frozenset[str]:
        """The register name, each variant, and each part of a bilingual name
        ("Trondheim - Tråante" accepts "Trondheim" and "Tråante")."""
        names: set[str] = set()
        for name in (self.name, *self.variants):
            names.add(name)
            if " - " in name:
                names.update(part.strip() for part in name.split(" - "))
        return frozenset(names)

    def accepts(self, name: str) -> bool:
        folded = name.strip().casefold()
        return any(folded == n.casefold() for n in self.accepted_names())

    @property
    def short_name(self) -> str:
        return self.name.split(" - ")[0]


@functools.cache
def register() -> dict[str, KommuneEntry]:
    text = resources.files("pipeline").joinpath(layout.KOMMUNE_REGISTER).read_text("utf-8")
    entries = {}
    for row in csv.DictReader(io.StringIO(text)):
        entries[row["number"]] = KommuneEntry(
            number=row["number"],
            name=row["name"],
            county=row["county"],
            org_number=row["org_number"] or None,
            variants=tuple(v for v in row["variants"].split("|") if v),
            hmn_catchment=row["hmn_catchment"] == "yes",
        )
    return entries
