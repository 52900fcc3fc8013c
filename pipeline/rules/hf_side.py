"""R-H2, R-H3, R-H5: the routine's steps on the HF side ("Helseforetak", steps 2, 3 and 5).
(H1 and H4 are the HF's half of K1/K2 and K6 and are checked there.)"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.model.models import HF_KEYS, Status
from pipeline.routine import evidence
from pipeline.rules import Context, Rule, rule


@rule(
    "R-H2",
    step="H2",
    quote="Når positiv transportkvittering og apprec er mottatt, deaktiveres tjenesten frem til aktiveringsdato",
)
def pretest_receipts(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        parties = {str(p.her_id) for p in m.parties}
        for hf, by_party in m.tests.items():
            for her, ev in by_party.items():
                if her not in parties:
                    yield r.error(
                        k.at("tests", hf, her, key=True),
                        f"test evidence for HER-id {her}, which is not one of this kommune's parties",
                    )
                    continue
                pre = ev.pretest
                if pre and pre.rejected and m.status is not Status.ACTIVE:
                    yield r.warning(
                        k.at("tests", hf, her, "pretest"),
                        f"pretest from {hf} to {her} was not positive (transport {pre.transport_receipt}, "
                        f"apprec {pre.apprec}): blocks activation; record a deviation and re-test",
                    )
        if m.status is not Status.ACTIVE:
            continue
        for hf, party in evidence.pairs(m, HF_KEYS):
            if evidence.pretest_positive(m, hf, party):
                continue
            recorded = m.evidence(hf, party.her_id)
            pre = recorded.pretest if recorded else None
            if pre is None:
                why = "no pretest recorded"
                where = k.at("status")
            else:
                why = f"transport receipt {pre.transport_receipt or 'missing'}, apprec {pre.apprec or 'missing'}"
                where = k.at("tests", hf, str(party.her_id), "pretest")
            yield r.error(
                where,
                f"cannot be active: pretest from {hf} to party {party.her_id} is not positive ({why})",
            )


@rule(
    "R-H3",
    step="H3",
    quote="Hemit tar kontakt med meldingsansvarlig@xxxxxx.kommune.no ved eventuelle avvik i testperioden",
)
def contact_and_deviations(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.contact is None:
            yield r.error(
                k.at("name"),
                "no contact address: Hemit needs meldingsansvarlig@<kommune>.kommune.no for deviations",
            )
        else:
            local, _, domain = m.contact.partition("@")
            if local.lower() != "meldingsansvarlig":
                yield r.warning(
                    k.at("contact"),
                    f"contact '{m.contact}': the routine expects the address meldingsansvarlig@...",
                )
            if not (domain.lower() == "kommune.no" or domain.lower().endswith(".kommune.no")):
                yield r.warning(
                    k.at("contact"),
                    f"contact domain '{domain}' is not a kommune.no domain; check it is the kommune's mail domain",
                )
        for i, dev in enumerate(m.deviations):
            if dev.resolved_on and dev.resolved_on < dev.opened_on:
                yield r.error(k.at("deviations", i, "resolved_on"), "deviation resolved before it was opened")
            if dev.open and m.status in (Status.TESTING, Status.ORDERED):
                yield r.warning(
                    k.at("deviations", i, "opened_on"),
                    f"open deviation since {dev.opened_on.isoformat()}: blocks activation until resolved",
                )


@rule("R-H5", step="H5", quote="Når tjenesten er verifisert ok aktiveres tjenesten (kun elektronisk)")
def activation_verified(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.status is not Status.ACTIVE:
            continue
        if m.t and ctx.today < m.t:
            yield r.error(k.at("status"), f"cannot be active before the activation date {m.t.isoformat()}")
        for i, dev in enumerate(m.deviations):
            if dev.open:
                yield r.error(
                    k.at("deviations", i, "opened_on"),
                    f"cannot be active with an open deviation ({dev.description})",
                )
