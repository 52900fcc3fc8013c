"""S5: organisation numbers are valid (9 digits, MOD11) and the register's; HER-ids are positive
32-bit integers (that range is found while loading, like S1's problems, and reported here)."""

from __future__ import annotations

from collections.abc import Iterator

from stdnum.no import orgnr

from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.model.declarations import Problem
from pipeline.model.kommuner import register
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for p in ctx.declarations.problems:
        if p.kind is Problem.IDENTITY:
            yield r.error(p.location, p.message)
    for h in ctx.declarations.helseforetak:
        if not orgnr.is_valid(h.model.org_number):
            yield r.error(
                h.at("org_number"),
                _("organisation number {org_number} fails the MOD11 check").format(org_number=h.model.org_number),
            )
    entries = register()
    for k in ctx.declarations.kommuner:
        number = k.model.org_number
        if not orgnr.is_valid(number):
            yield r.error(
                k.at("org_number"), _("organisation number {number} fails the MOD11 check").format(number=number)
            )
            continue
        entry = entries.get(k.model.kommune)
        if entry and entry.org_number and entry.org_number != number:
            yield r.error(
                k.at("org_number"),
                _(
                    "organisation number {number} does not match the register's {org_number} for {number2} {short_name}"
                ).format(number=number, org_number=entry.org_number, number2=entry.number, short_name=entry.short_name),
            )


RULE = Rule("S5", check, text="Organisasjonsnummer er gyldige (MOD11) og stemmer med registeret")
