"""S4: the kommune is in the kommune register under the declared name (a warning outside Helse
Midt-Norge's catchment)."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.model.kommuner import register
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    entries = register()
    for k in ctx.declarations.kommuner:
        entry = entries.get(k.model.kommune)
        if entry is None:
            yield r.error(
                k.at("kommune"),
                _("kommunenummer {kommune} is not in the kommune register").format(kommune=k.model.kommune),
            )
            continue
        if not entry.accepts(k.model.name):
            names = ", ".join(sorted(entry.accepted_names()))
            yield r.error(
                k.at("name"),
                _("name '{name}' does not match the register for {number} (accepted: {names})").format(
                    name=k.model.name, number=entry.number, names=names
                ),
            )
        if not entry.hmn_catchment:
            yield r.warning(
                k.at("kommune"),
                _("{number} {name} ({county}) is outside Helse Midt-Norge's catchment").format(
                    number=entry.number, name=entry.name, county=entry.county
                ),
            )


RULE = Rule("S4", check, text="Kommunenummer finnes i kommuneregisteret, navnet stemmer")
