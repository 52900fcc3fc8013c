"""S3: kommunenummer and HER-ids are unique, and no party has an HF's HER-id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from pipeline.findings import Finding, Location
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    numbers: dict[str, list[Location]] = defaultdict(list)
    for k in ctx.declarations.kommuner:
        numbers[k.model.kommune].append(k.at("kommune"))
    for number, places in numbers.items():
        for place in places[1:]:
            yield r.error(place, f"kommunenummer {number} is also declared in {places[0].file}")

    hf_her = {h.model.her_id: h for h in ctx.declarations.helseforetak}
    seen: dict[int, Location] = {}
    for h in ctx.declarations.helseforetak:
        loc = h.at("her_id")
        if h.model.her_id in seen:
            yield r.error(loc, f"HER-id {h.model.her_id} is also used at {seen[h.model.her_id]}")
        seen.setdefault(h.model.her_id, loc)
    for k in ctx.declarations.kommuner:
        for i, party in enumerate(k.model.parties):
            loc = k.at("parties", i, "her_id")
            if party.her_id in hf_her:
                yield r.error(loc, f"HER-id {party.her_id} belongs to {hf_her[party.her_id].model.name}")
            elif party.her_id in seen:
                yield r.error(loc, f"HER-id {party.her_id} is also used at {seen[party.her_id]}")
            else:
                seen[party.her_id] = loc


RULE = Rule("S3", check, text="Kommunenummer og HER-id er unike")
