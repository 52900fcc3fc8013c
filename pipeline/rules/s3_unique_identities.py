"""S3: kommunenummer and HER-ids are unique, and no party has an HF's HER-id.

A conflict is between two (or more) places, and each of them gets the finding, naming the others:
validating only the file that brings the conflict in (``oppkobling validate FILE``, the pre-commit
hook) reports it there. Against a base revision (a pull request), a place the change did not touch
is left out while another place of the same conflict is new, so the annotation lands on the
changed lines; a conflict no place of which is new is reported everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.findings import Finding, Location
from pipeline.model.declarations import DeclarationSet
from pipeline.rules.rule import Context, Rule


@dataclass(frozen=True)
class _Place:
    location: Location
    owner: str  # who holds the identity there: a kommune's or an HF's name
    hf: bool = False


def _numbers(declarations: DeclarationSet) -> dict[str, list[_Place]]:
    found: dict[str, list[_Place]] = defaultdict(list)
    for k in declarations.kommuner:
        found[k.model.kommune].append(_Place(k.at("kommune"), k.model.name))
    return found


def _her_ids(declarations: DeclarationSet) -> dict[int, list[_Place]]:
    found: dict[int, list[_Place]] = defaultdict(list)
    for h in declarations.helseforetak:
        found[h.model.her_id].append(_Place(h.at("her_id"), h.model.name, hf=True))
    for k in declarations.kommuner:
        for i, party in enumerate(k.model.parties):
            found[party.her_id].append(_Place(k.at("parties", i, "her_id"), k.model.name))
    return found


def _at_base(base: DeclarationSet | None) -> tuple[set[tuple[str, str]], set[tuple[str, int]]]:
    """(file, kommunenummer) and (file, HER-id) pairs the base revision already declares."""
    if base is None:
        return set(), set()
    numbers = {(k.path, k.model.kommune) for k in base.kommuner}
    her_ids = {(h.path, h.model.her_id) for h in base.helseforetak}
    her_ids |= {(k.path, p.her_id) for k in base.kommuner for p in k.model.parties}
    return numbers, her_ids


def _reported(places: list[_Place], new: list[bool]) -> list[int]:
    """The places a conflict is reported at: every one, or only the new ones when some are."""
    return [i for i in range(len(places)) if new[i]] if any(new) and not all(new) else list(range(len(places)))


def _others(places: list[_Place], i: int) -> str:
    return ", ".join(
        f"{p.location.file}:{p.location.line}" + (f" ({p.owner})" if p.location.file != places[i].location.file else "")
        for j, p in enumerate(places)
        if j != i
    )


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    base_numbers, base_her_ids = _at_base(ctx.base)
    with_base = ctx.base is not None
    for number, places in _numbers(ctx.declarations).items():
        if len(places) < 2:
            continue
        new = [with_base and (p.location.file, number) not in base_numbers for p in places]
        for i in _reported(places, new):
            yield r.error(
                places[i].location,
                f"kommunenummer {number} is declared more than once: also at {_others(places, i)}; "
                "one file per kommune (remove or renumber one of them)",
            )
    for her_id, places in _her_ids(ctx.declarations).items():
        if len(places) < 2:
            continue
        new = [with_base and (p.location.file, her_id) not in base_her_ids for p in places]
        hf = next((p for p in places if p.hf), None)
        for i in _reported(places, new):
            place = places[i]
            if hf is not None and not place.hf:
                fix = f"it belongs to {hf.owner} ({hf.location.file}:{hf.location.line}); give the party its own HER-id"
                yield r.error(place.location, f"HER-id {her_id} is an HF's, not a communication party's: {fix}")
                continue
            yield r.error(
                place.location,
                f"HER-id {her_id} is used more than once: also at {_others(places, i)}; "
                "each communication party and HF has a HER-id of its own (check the party in AR)",
            )


RULE = Rule("S3", check, text="Kommunenummer og HER-id er unike")
