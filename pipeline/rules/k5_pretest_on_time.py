"""R-K5 (K5, H2): Hemit's test epikrise and lab go out on T-7 (not to be answered); once T-7 has
passed, their receipts are the result to record. A re-test is an attempt of its own, on its own
day: only the first attempt is held to T-7. An AppRec still missing 96 hours after sending counts
as a rejection (R-H2 says what that blocks)."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.model.models import HF_KEYS, Status
from pipeline.routine import calendar, evidence, lifecycle
from pipeline.routine.steps import K5
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    now = evidence.now_on(ctx.today)
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.t is None:
            continue
        test_day = calendar.pretest_day(m.t)
        overdue = m.status is Status.TESTING and ctx.today > test_day
        by_her = {str(p.her_id): p for p in m.parties}
        for hf, parties in m.tests.items():
            for her, ev in parties.items():
                party = by_her.get(her)
                # A party that joined late has its own T-7 (pipeline.routine.lifecycle).
                own = {calendar.pretest_day(t) for t in lifecycle.activation_dates(m, party)} if party else set()
                days = own or {test_day}
                attempts = evidence.for_t(m, ev.pretests)
                first = attempts[0] if attempts else None
                if first and first[1].sent_on and first[1].sent_on not in days:
                    yield r.warning(
                        k.at("tests", hf, her, *evidence.where(ev, evidence.PRETEST, first[0]), "sent_on"),
                        f"test messages recorded as sent {first[1].sent_on.isoformat()}, "
                        f"not on {K5.when} ({', '.join(sorted(d.isoformat() for d in days))})",
                    )
                earlier = [i for i, a in enumerate(ev.pretests) if all(i != j for j, _ in attempts)]
                if overdue and not attempts and earlier:
                    before = ev.pretests[earlier[-1]]
                    assert before.sent_on is not None  # only attempts with a day fall before T-7
                    yield r.warning(
                        k.at("tests", hf, her, *evidence.where(ev, evidence.PRETEST, earlier[-1]), "sent_on"),
                        f"overdue: no test messages recorded for {K5.when} ({test_day.isoformat()}) from {hf} to "
                        f"party {her}; the attempt recorded as sent {before.sent_on.isoformat()} is before "
                        f"{K5.when}, for an earlier activation date",
                    )
        if not overdue:
            continue
        for hf, party in evidence.pairs(m, HF_KEYS):
            recorded = m.evidence(hf, party.her_id)
            attempts = evidence.for_t(m, recorded.pretests) if recorded else []
            if not attempts:
                if not (recorded and recorded.pretests):
                    yield r.warning(
                        k.at("status"),
                        f"overdue: no test epikrise recorded from {hf} to party {party.her_id} "
                        f"(due {test_day.isoformat()})",
                    )
                continue
            assert recorded is not None
            index, latest = attempts[-1]
            where = ("tests", hf, str(party.her_id), *evidence.where(recorded, evidence.PRETEST, index))
            sent = evidence.pretest_sent_at(m, latest, len(attempts))
            missing = evidence.missing_receipts(latest)
            if missing and sent is not None and sent.date() < ctx.today:
                # "No result recorded": the receipts are the result of the test day.
                late = evidence.apprec_overdue(m, hf, party, now)
                after = (
                    f"; the AppRec is missing 96 hours after sending (since {late.isoformat()}): it counts as rejected"
                    if late
                    else ""
                )
                yield r.warning(
                    k.at(*where),
                    f"overdue: no {' and '.join(missing)} recorded for the test messages from {hf} to party "
                    f"{party.her_id} (sent {sent.date().isoformat()}){after}",
                )
            retests = evidence.retest_days(m, hf, party)
            if len(retests) >= len(attempts) and retests[len(attempts) - 1] < ctx.today:
                day = retests[len(attempts) - 1]
                yield r.warning(
                    k.at(*where),
                    f"overdue: the re-test from {hf} to party {party.her_id} after this rejection was due "
                    f"{day.isoformat()}; no receipts for it are recorded (oppkobling receipts import)",
                )


RULE = Rule("R-K5", check, step=K5)
