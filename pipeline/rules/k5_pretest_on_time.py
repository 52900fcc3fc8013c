"""R-K5 (K5, H2): Hemit's test epikrise and lab go out on T-7 (not to be answered); once T-7 has
passed, their receipts are the result to record. A re-test is an attempt of its own, on its own
day: only the first attempt is held to T-7. An AppRec still missing 96 hours after sending counts
as a rejection (R-H2 says what that blocks)."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.i18n import _
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
                        _("test messages recorded as sent {sent_on}, not on {when} ({join})").format(
                            sent_on=first[1].sent_on.isoformat(),
                            when=K5.when,
                            join=", ".join(sorted(d.isoformat() for d in days)),
                        ),
                    )
                earlier = [i for i, a in enumerate(ev.pretests) if all(i != j for j, __ in attempts)]
                if overdue and not attempts and earlier:
                    before = ev.pretests[earlier[-1]]
                    assert before.sent_on is not None  # only attempts with a day fall before T-7
                    yield r.warning(
                        k.at("tests", hf, her, *evidence.where(ev, evidence.PRETEST, earlier[-1]), "sent_on"),
                        _(
                            "overdue: no test messages recorded for {when} ({test_day}) from {hf} to party "
                            "{her}; the attempt recorded as sent {sent_on} is before {when}, for an earlier "
                            "activation date"
                        ).format(
                            when=K5.when,
                            test_day=test_day.isoformat(),
                            hf=hf,
                            her=her,
                            sent_on=before.sent_on.isoformat(),
                        ),
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
                        _("overdue: no test epikrise recorded from {hf} to party {her_id} (due {test_day})").format(
                            hf=hf, her_id=party.her_id, test_day=test_day.isoformat()
                        ),
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
                    _("; the AppRec is missing 96 hours after sending (since {late}): it counts as rejected").format(
                        late=late.isoformat()
                    )
                    if late
                    else ""
                )
                yield r.warning(
                    k.at(*where),
                    _(
                        "overdue: no {join} recorded for the test messages from {hf} to party {her_id} "
                        "(sent {date}){after}"
                    ).format(
                        join=" and ".join(missing),
                        hf=hf,
                        her_id=party.her_id,
                        date=sent.date().isoformat(),
                        after=after,
                    ),
                )
            retests = evidence.retest_days(m, hf, party)
            if len(retests) >= len(attempts) and retests[len(attempts) - 1] < ctx.today:
                day = retests[len(attempts) - 1]
                yield r.warning(
                    k.at(*where),
                    _(
                        "overdue: the re-test from {hf} to party {her_id} after this rejection was due "
                        "{day}; no receipts for it are recorded (oppkobling receipts import)"
                    ).format(hf=hf, her_id=party.her_id, day=day.isoformat()),
                )


RULE = Rule("R-K5", check, step=K5)
