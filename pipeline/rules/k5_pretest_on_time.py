"""R-K5 (K5, H2): Hemit's test epikrise and lab go out on T-7 (not to be answered); once T-7 has
passed, their receipts are the result to record."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.model.models import HF_KEYS, Status
from pipeline.routine import calendar, evidence, lifecycle
from pipeline.routine.steps import K5
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.t is None:
            continue
        test_day = calendar.pretest_day(m.t)
        by_her = {str(p.her_id): p for p in m.parties}
        for hf, parties in m.tests.items():
            for her, ev in parties.items():
                party = by_her.get(her)
                days = {calendar.pretest_day(t) for t in lifecycle.activation_dates(m, party)} if party else {test_day}
                if ev.pretest and ev.pretest.sent_on and ev.pretest.sent_on not in days:
                    yield r.warning(
                        k.at("tests", hf, her, "pretest", "sent_on"),
                        f"test messages recorded as sent {ev.pretest.sent_on.isoformat()}, "
                        f"not on {K5.when} ({test_day.isoformat()})",
                    )
        if m.status is Status.TESTING and ctx.today > test_day:
            for hf, party in evidence.pairs(m, HF_KEYS):
                recorded = m.evidence(hf, party.her_id)
                pre = recorded.pretest if recorded else None
                if not (pre and pre.sent_on):
                    yield r.warning(
                        k.at("status"),
                        f"overdue: no test epikrise recorded from {hf} to party {party.her_id} "
                        f"(due {test_day.isoformat()})",
                    )
                elif missing := evidence.missing_receipts(pre):
                    # "No result recorded": the receipts are the result of the test day.
                    yield r.warning(
                        k.at("tests", hf, str(party.her_id), "pretest"),
                        f"overdue: no {' and '.join(missing)} recorded for the test messages from {hf} to party "
                        f"{party.her_id} (sent {pre.sent_on.isoformat()})",
                    )


RULE = Rule("R-K5", check, step=K5)
