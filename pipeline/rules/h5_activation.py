"""R-H5 (H5): a kommune is active only on or after T and with no deviation open (R-H2 and R-K6
require the rest of the evidence; ``pipeline.routine.evidence.verified`` is all of it)."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.model.models import HF_KEYS, Status
from pipeline.routine import evidence
from pipeline.routine.steps import H5
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.status is not Status.ACTIVE:
            continue
        if m.t and ctx.today < m.t:
            yield r.error(k.at("status"), f"cannot be active before the activation date {m.t.isoformat()}")
        for i, party in enumerate(m.parties):
            for n, join in enumerate(party.joined):
                t = join.activation.date
                if t and ctx.today < t and evidence.late_verified(m, party, join, HF_KEYS):
                    yield r.error(
                        k.at("parties", i, "joined", n, "activation", "date"),
                        f"{', '.join(join.messages)} of party {party.her_id} cannot be active before "
                        f"its activation date {t.isoformat()}",
                    )
        for i, dev in enumerate(m.deviations):
            if dev.open:
                yield r.error(
                    k.at("deviations", i, "opened_on"),
                    f"cannot be active with an open deviation ({dev.description})",
                )


RULE = Rule("R-H5", check, step=H5)
