"""R-H2 (H2): the test messages come back with a positive transport receipt and AppRec, per HF and
party; a negative one blocks activation, and an active kommune has them all."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.model.models import HF_KEYS, Status
from pipeline.routine import evidence
from pipeline.routine.steps import H2
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
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
                        f"pretest from {hf} to {her} was not positive ({evidence.receipts(pre)}): "
                        "blocks activation; record a deviation and re-test",
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
                why = evidence.receipts(pre, transport=evidence.TRANSPORT_RECEIPT)
                where = k.at("tests", hf, str(party.her_id), "pretest")
            yield r.error(
                where,
                f"cannot be active: pretest from {hf} to party {party.her_id} is not positive ({why})",
            )


RULE = Rule("R-H2", check, step=H2)
