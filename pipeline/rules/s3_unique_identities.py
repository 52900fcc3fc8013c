"""S3: kommunenummer and HER-ids are unique, and no party has an HF's HER-id.

A conflict is between two (or more) places, and each of them gets the finding, naming the others:
validating only the file that brings the conflict in (``oppkobling validate FILE``, the pre-commit
hook) reports it there. Against a base revision (a pull request), a place the change did not touch
is left out while another place of the same conflict is new, so the annotation lands on the
changed lines; a conflict no place of which is new is reported everywhere.

The only rule that compares declarations with each other. It reads of each declaration only its
``Identities`` (kommunenummer and HER-ids, where they are written and whose they are), so an
incremental validate (``pipeline.app.incremental``) runs it on an index of those, kept per file,
instead of on every declaration parsed again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipeline.findings import Finding, Location
from pipeline.i18n import _
from pipeline.model.declarations import DeclarationSet, HfDecl, KommuneDecl
from pipeline.rules.rule import Context, Rule


@dataclass(frozen=True)
class Place:
    location: Location
    owner: str  # who holds the identity there: a kommune's or an HF's name
    hf: bool = False


@dataclass(frozen=True)
class Identities:
    """What S3 compares of one declaration: its kommunenummer, its HER-ids (a kommune's parties',
    or an HF's own), each with where it is written and whose it is."""

    numbers: tuple[tuple[str, Place], ...] = ()
    her_ids: tuple[tuple[int, Place], ...] = ()


def of_kommune(k: KommuneDecl) -> Identities:
    parties = tuple(
        (p.her_id, Place(k.at("parties", i, "her_id"), k.model.name)) for i, p in enumerate(k.model.parties)
    )
    return Identities(((k.model.kommune, Place(k.at("kommune"), k.model.name)),), parties)


def of_hf(h: HfDecl) -> Identities:
    return Identities(her_ids=((h.model.her_id, Place(h.at("her_id"), h.model.name, hf=True)),))


def index(declarations: DeclarationSet) -> list[Identities]:
    """Every declaration's identities: the HFs, then the kommuner in path order."""
    return [*map(of_hf, declarations.helseforetak), *map(of_kommune, declarations.kommuner)]


def _numbers(identities: list[Identities]) -> dict[str, list[Place]]:
    found: dict[str, list[Place]] = defaultdict(list)
    for e in identities:
        for number, place in e.numbers:
            found[number].append(place)
    return found


def _her_ids(identities: list[Identities]) -> dict[int, list[Place]]:
    found: dict[int, list[Place]] = defaultdict(list)
    for e in identities:
        for her_id, place in e.her_ids:
            found[her_id].append(place)
    return found


def _at_base(base: DeclarationSet | None) -> tuple[set[tuple[str, str]], set[tuple[str, int]]]:
    """(file, kommunenummer) and (file, HER-id) pairs the base revision already declares."""
    if base is None:
        return set(), set()
    numbers = {(k.path, k.model.kommune) for k in base.kommuner}
    her_ids = {(h.path, h.model.her_id) for h in base.helseforetak}
    her_ids |= {(k.path, p.her_id) for k in base.kommuner for p in k.model.parties}
    return numbers, her_ids


def _reported(places: list[Place], new: list[bool]) -> list[int]:
    """The places a conflict is reported at: every one, or only the new ones when some are."""
    return [i for i in range(len(places)) if new[i]] if any(new) and not all(new) else list(range(len(places)))


def _others(places: list[Place], i: int) -> str:
    return ", ".join(
        f"{p.location.file}:{p.location.line}" + (f" ({p.owner})" if p.location.file != places[i].location.file else "")
        for j, p in enumerate(places)
        if j != i
    )


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    return on_index(r, index(ctx.declarations), ctx.base)


def on_index(r: Rule, identities: Iterable[Identities], base: DeclarationSet | None = None) -> Iterator[Finding]:
    entries = list(identities)
    base_numbers, base_her_ids = _at_base(base)
    with_base = base is not None
    for number, places in _numbers(entries).items():
        if len(places) < 2:
            continue
        new = [with_base and (p.location.file, number) not in base_numbers for p in places]
        for i in _reported(places, new):
            yield r.error(
                places[i].location,
                _(
                    "kommunenummer {number} is declared more than once: also at {others}; one file "
                    "per kommune (remove or renumber one of them)"
                ).format(number=number, others=_others(places, i)),
            )
    for her_id, places in _her_ids(entries).items():
        if len(places) < 2:
            continue
        new = [with_base and (p.location.file, her_id) not in base_her_ids for p in places]
        hf = next((p for p in places if p.hf), None)
        for i in _reported(places, new):
            place = places[i]
            if hf is not None and not place.hf:
                fix = _("it belongs to {owner} ({file}:{line}); give the party its own HER-id").format(
                    owner=hf.owner, file=hf.location.file, line=hf.location.line
                )
                yield r.error(
                    place.location,
                    _("HER-id {her_id} is an HF's, not a communication party's: {fix}").format(her_id=her_id, fix=fix),
                )
                continue
            yield r.error(
                place.location,
                _(
                    "HER-id {her_id} is used more than once: also at {others}; each communication "
                    "party and HF has a HER-id of its own (check the party in AR)"
                ).format(her_id=her_id, others=_others(places, i)),
            )


RULE = Rule("S3", check, text="Kommunenummer og HER-id er unike", across_files=True)
