"""The rule catalogue (``../shared/routine/RULES.md``) as code: one rule per module, named by the
step it checks, and every rule in one table (``RULES``). Only rules make findings.

======================== ======== ==================================================
module                   rule     checks
======================== ======== ==================================================
s1_well_formed           S1       well-formed YAML of the schema (loading), paused_from
s2_file_names            S2       file names, nothing else under partners/
s3_unique_identities     S3       kommunenummer and HER-ids unique
s4_kommune_register      S4       in the kommune register, under its name
s5_org_numbers           S5       organisation numbers (MOD11, register), HER-id range
s6_scope                 S6       T on or after the routine's start
k1_activation_date       R-K1     T agreed, recorded, a working day
k2_order                 R-K2     the order, its message types and versions
k3_address_register      R-K3     published in NHN AR by T-14 (and in an AR snapshot)
k4_all_three_hfs         R-K4     agreements with exactly the three HFs
k5_pretest_on_time       R-K5     the test messages of T-7 and their result
k6_dialog_answered       R-K6     the test dialog at 09:00 on T, answered
h2_pretest_receipts      R-H2     positive transport receipt and AppRec
h3_contact_and_deviations R-H3    meldingsansvarlig's address, deviations
h5_activation            R-H5     active only from T, no open deviation
l1_one_step              L1       status, and every agreement and message type, one step at a time
l2_date_frozen           L2       T frozen once testing began
l3_no_silent_removal     L3       an active kommune or agreement is withdrawn, not removed
l4_generated_is_fresh    L4       generated/ is what the declarations generate
l5_versions_kept         L5       an HF keeps the versions active agreements use
l6_late_additions        L6       an addition to a testing/active kommune has its own routine
======================== ======== ==================================================
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.findings import Finding, Severity, sort_findings
from pipeline.rules import (
    h2_pretest_receipts,
    h3_contact_and_deviations,
    h5_activation,
    k1_activation_date,
    k2_order,
    k3_address_register,
    k4_all_three_hfs,
    k5_pretest_on_time,
    k6_dialog_answered,
    l1_one_step,
    l2_date_frozen,
    l3_no_silent_removal,
    l4_generated_is_fresh,
    l5_versions_kept,
    l6_late_additions,
    overdue,
    s1_well_formed,
    s2_file_names,
    s3_unique_identities,
    s4_kommune_register,
    s5_org_numbers,
    s6_scope,
)
from pipeline.rules.rule import Context, Rule

__all__ = ["RULES", "Context", "Rule", "across", "blocks_rendering", "evaluate", "freshness"]

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        s1_well_formed.RULE,
        s2_file_names.RULE,
        s3_unique_identities.RULE,
        s4_kommune_register.RULE,
        s5_org_numbers.RULE,
        s6_scope.RULE,
        k1_activation_date.RULE,
        k2_order.RULE,
        k3_address_register.RULE,
        k4_all_three_hfs.RULE,
        k5_pretest_on_time.RULE,
        k6_dialog_answered.RULE,
        h2_pretest_receipts.RULE,
        h3_contact_and_deviations.RULE,
        h5_activation.RULE,
        l1_one_step.RULE,
        l2_date_frozen.RULE,
        l3_no_silent_removal.RULE,
        l4_generated_is_fresh.RULE,
        l5_versions_kept.RULE,
        l6_late_additions.RULE,
    )
}


def evaluate(context: Context, *, across_files: bool = True) -> list[Finding]:
    """Every finding about the declarations: each rule, once; L1-L3 only against a base; without
    the rules that compare files with each other when ``across_files`` is False."""
    findings: list[Finding] = []
    late = overdue.milestones(context)
    for r in RULES.values():
        if (r.needs_base and context.base is None) or (r.across_files and not across_files):
            continue
        own = list(r.check(r, context))
        findings.extend(own)
        findings.extend(overdue.unreported(r, context, late, own))
    return sort_findings(findings)


def across(identities: Iterable[s3_unique_identities.Identities]) -> list[Finding]:
    """The findings of the rules that compare files with each other, from the files' identities."""
    rule = s3_unique_identities.RULE
    return sort_findings(s3_unique_identities.on_index(rule, identities))


def freshness(context: Context) -> list[Finding]:
    """L4 alone, once ``context.generated`` holds how generated/ differs (``oppkobling check``)."""
    rule = l4_generated_is_fresh.RULE
    return sort_findings(rule.check(rule, context))


def blocks_rendering(findings: Iterable[Finding]) -> bool:
    """Generators expect valid declarations; a transition error (L1-L3) does not make them invalid."""
    return any(f.severity is Severity.ERROR and not (f.rule in RULES and RULES[f.rule].needs_base) for f in findings)
