"""S1-S6: structure and identity. These are not routine steps but what makes a declaration
something the routine can be applied to: a well-formed file, for a real kommune, with
identities that cannot be confused with anyone else's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from stdnum.no import orgnr

from pipeline.findings import Finding, Location
from pipeline.model.declarations import HF_DIR, HF_FILE, KOMMUNE_DIR, KOMMUNE_FILE
from pipeline.model.kommuner import register
from pipeline.model.models import Status
from pipeline.routine.steps import SCOPE_START
from pipeline.rules import Context, Rule, rule


@rule("S1", step="S1", quote="Strukturkrav: gyldig YAML etter skjemaet")
def well_formed(r: Rule, ctx: Context) -> Iterator[Finding]:
    # Syntax and schema errors come from loading (DeclarationSet.load_findings); what remains
    # is the one structural condition a JSON Schema states poorly: paused_from goes with paused.
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.status is Status.PAUSED and m.paused_from is None:
            yield r.error(k.at("status"), "status 'paused' requires 'paused_from' (the status to return to)")
        if m.status is not Status.PAUSED and m.paused_from is not None:
            yield r.error(
                k.at("paused_from", key=True),
                "'paused_from' is only allowed when status is 'paused'",
            )
        if m.paused_from in (Status.PAUSED, Status.WITHDRAWN):
            yield r.error(k.at("paused_from"), f"cannot pause from '{m.paused_from}'")


@rule("S2", step="S2", quote="Filnavn <kommunenummer>-<slug>.yaml, ett kommune per fil")
def file_names(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path in ctx.declarations.files:
        directory, _, name = path.rpartition("/")
        if directory == KOMMUNE_DIR and not KOMMUNE_FILE.match(name):
            yield r.error(
                Location(path),
                f"file name '{name}' is not <kommunenummer>-<slug>.yaml "
                "(4 digits, a lowercase slug of a-z, 0-9 and single dashes)",
            )
        elif directory == HF_DIR and not HF_FILE.match(name):
            yield r.error(Location(path), f"file name '{name}' is not <hf-key>.yaml")
        elif directory not in (KOMMUNE_DIR, HF_DIR):
            yield r.error(
                Location(path),
                f"unexpected file; declarations live in {KOMMUNE_DIR}/ and {HF_DIR}/",
            )
    for k in ctx.declarations.kommuner:
        m = KOMMUNE_FILE.match(k.path.rpartition("/")[2])
        if m and m["number"] != k.model.kommune:
            yield r.error(
                k.at("kommune"),
                f"kommunenummer {k.model.kommune} does not match the file name ({m['number']}-...)",
            )
    for h in ctx.declarations.helseforetak:
        m = HF_FILE.match(h.path.rpartition("/")[2])
        if m and m["key"] != h.model.key:
            yield r.error(h.at("key"), f"key '{h.model.key}' does not match the file name ({m['key']}.yaml)")


@rule("S3", step="S3", quote="Kommunenummer og HER-id er unike")
def unique_identities(r: Rule, ctx: Context) -> Iterator[Finding]:
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


@rule("S4", step="S4", quote="Kommunenummer finnes i kommuneregisteret, navnet stemmer")
def in_register(r: Rule, ctx: Context) -> Iterator[Finding]:
    entries = register()
    for k in ctx.declarations.kommuner:
        entry = entries.get(k.model.kommune)
        if entry is None:
            yield r.error(k.at("kommune"), f"kommunenummer {k.model.kommune} is not in the kommune register")
            continue
        if not entry.accepts(k.model.name):
            names = ", ".join(sorted(entry.accepted_names()))
            yield r.error(
                k.at("name"),
                f"name '{k.model.name}' does not match the register for {entry.number} (accepted: {names})",
            )
        if not entry.hmn_catchment:
            yield r.warning(
                k.at("kommune"),
                f"{entry.number} {entry.name} ({entry.county}) is outside Helse Midt-Norge's catchment",
            )


@rule("S5", step="S5", quote="Organisasjonsnummer er gyldige (MOD11) og stemmer med registeret")
def org_numbers(r: Rule, ctx: Context) -> Iterator[Finding]:
    for h in ctx.declarations.helseforetak:
        if not orgnr.is_valid(h.model.org_number):
            yield r.error(
                h.at("org_number"),
                f"organisation number {h.model.org_number} fails the MOD11 check",
            )
    entries = register()
    for k in ctx.declarations.kommuner:
        number = k.model.org_number
        if not orgnr.is_valid(number):
            yield r.error(k.at("org_number"), f"organisation number {number} fails the MOD11 check")
            continue
        entry = entries.get(k.model.kommune)
        if entry and entry.org_number and entry.org_number != number:
            yield r.error(
                k.at("org_number"),
                f"organisation number {number} does not match the register's {entry.org_number} "
                f"for {entry.number} {entry.short_name}",
            )


@rule("S6", step="S6", quote="Rutinen gjelder f.o.m. 01.04.18")
def in_scope(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        t = k.model.t
        if t is not None and t < SCOPE_START:
            yield r.error(
                k.at("activation", "date"),
                f"activation date {t.isoformat()} is before 2018-04-01, outside the routine's scope",
            )
