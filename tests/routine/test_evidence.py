"""What the recorded evidence proves: the latest attempt for T decides, values typed by hand are
told from values the receipts back, the 96-hour rule, and when a re-test falls."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pipeline.model.models import Kommune, Party
from pipeline.routine import board, evidence, timeline
from pipeline.routine.calendar import OSLO

D = dt.date
T = D(2027, 3, 2)  # a Tuesday; T-7 is Tuesday 2027-02-23
HF = "st-olavs"
TYPES = ("epikrise", "svarrapport")


def receipt(kind: str, test: str, result: str | None, at: dt.datetime | None = None, **more: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "test": test,
        "message": f"{test}-msg",
        "result": result,
        "at": at,
        "id": f"{kind}-{test}",
        **more,
    }


def imported(day: D, *, rejected: str | None = None) -> dict[str, Any]:
    """A pretest attempt as ``receipts import`` records it: both messages, both receipts."""
    at = dt.datetime.combine(day, dt.time(9, 7), tzinfo=OSLO)
    rows = []
    for test in TYPES:
        rows.append(receipt("transport", test, "ok", at))
        bad = test == rejected
        rows.append(receipt("apprec", test, "rejected" if bad else "ok", at, errors=["E21"] if bad else []))
    return {
        "sent_on": day,
        "transport_receipt": "ok",
        "apprec": "rejected" if rejected else "ok",
        "receipts": rows,
    }


def stjordal(pretest: Any = None, *, status: str = "testing", **more: Any) -> Kommune:
    data: dict[str, Any] = {
        "kommune": "5035",
        "name": "Stjørdal",
        "org_number": "939958851",
        "status": status,
        "activation": {"date": T, "agreed_on": D(2026, 11, 2)},
        "order": {"sent_on": D(2026, 11, 5)},
        "parties": [
            {
                "her_id": 8170001,
                "name": "Stjørdal kommune - Helse og velferd",
                "edi_address": "stjordal-helse@edi.nhn.no",
                "ar_published_on": D(2026, 11, 20),
                "messages": {"dialogmelding": "1.1", "epikrise": "1.2", "svarrapport": "1.4"},
            }
        ],
        **more,
    }
    if pretest is not None:
        data["tests"] = {HF: {"8170001": {"pretest": pretest}}}
    return Kommune.model_validate(data)


def party(k: Kommune) -> Party:
    return k.parties[0]


def test_the_latest_attempt_decides_and_an_earlier_activation_dates_attempts_do_not_count() -> None:
    retested = stjordal([imported(D(2027, 2, 23), rejected="epikrise"), imported(D(2027, 2, 24))])
    assert evidence.pretest_positive(retested, HF, party(retested))
    worse = stjordal([imported(D(2027, 2, 23)), imported(D(2027, 2, 24), rejected="svarrapport")])
    assert not evidence.pretest_positive(worse, HF, party(worse))
    assert evidence.pretest_rejected(worse, HF, party(worse))
    # An attempt sent before T-7 was for an earlier T (T moved, L2): it proves nothing now.
    earlier = stjordal([imported(D(2027, 1, 12))])
    assert evidence.pretests(earlier, HF, party(earlier)) == []
    assert not evidence.pretest_positive(earlier, HF, party(earlier))
    # One attempt written without a list, as declarations were before attempts were kept.
    legacy = stjordal({"sent_on": D(2027, 2, 23), "transport_receipt": "ok", "apprec": "ok"})
    assert evidence.pretest_positive(legacy, HF, party(legacy))


def test_values_the_receipts_back_and_values_typed_by_hand() -> None:
    k = stjordal([imported(D(2027, 2, 23))])
    [attempt] = evidence.pretests(k, HF, party(k))
    assert evidence.hand_typed(k, attempt, party(k)) == []
    legacy = stjordal({"sent_on": D(2027, 2, 23), "transport_receipt": "ok", "apprec": "ok"})
    [typed] = evidence.pretests(legacy, HF, party(legacy))
    assert evidence.hand_typed(legacy, typed, party(legacy)) == ["transport_receipt", "apprec"]
    assert evidence.unjustified(legacy, typed, party(legacy)) == ["transport_receipt", "apprec"]
    # Receipts for the epikrise only do not back an "ok" for both test messages.
    half = imported(D(2027, 2, 23))
    half["receipts"] = [r for r in half["receipts"] if r["test"] == "epikrise"]
    partly = stjordal([half])
    [attempt] = evidence.pretests(partly, HF, party(partly))
    assert evidence.hand_typed(partly, attempt, party(partly)) == ["transport_receipt", "apprec"]
    justified = stjordal([{**half, "source": "typed by hand", "justification": "lab receipt read in the GUI"}])
    [attempt] = evidence.pretests(justified, HF, party(justified))
    assert evidence.unjustified(justified, attempt, party(justified)) == []
    # A value edited after the import contradicts its receipts.
    edited = stjordal([{**imported(D(2027, 2, 23), rejected="epikrise"), "apprec": "ok"}])
    [attempt] = evidence.pretests(edited, HF, party(edited))
    assert evidence.contradicted(attempt, party(edited)) == [("apprec", "ok", "rejected")]


@pytest.mark.parametrize(
    ("receipts", "kind", "said"),
    [
        ([], "apprec", None),
        ([receipt("apprec", "epikrise", "ok")], "apprec", None),  # the lab's still to come
        ([receipt("apprec", "epikrise", "rejected")], "apprec", "rejected"),  # decided at once
        ([receipt("apprec", t, "ok") for t in TYPES], "apprec", "ok"),
        (
            [receipt("apprec", "epikrise", "ok"), receipt("apprec", "svarrapport", "ok-with-errors")],
            "apprec",
            "ok-with-errors",
        ),
        ([receipt("transport", t, "ok", errors=["Warning"]) for t in TYPES], "transport", "ok"),
    ],
)
def test_what_the_receipts_of_an_attempt_say(receipts: list[dict[str, Any]], kind: str, said: str | None) -> None:
    from pipeline.model.models import Receipt

    assert evidence.verdict([Receipt.model_validate(r) for r in receipts], kind, TYPES) == said


def test_the_96_hours_are_counted_from_09_00_on_the_day_sent_in_real_hours() -> None:
    sent = dt.datetime(2027, 10, 29, 9, 0, tzinfo=OSLO)  # summer time ends on 31 October 2027
    assert evidence.apprec_deadline(sent) == dt.datetime(2027, 11, 2, 8, 0, tzinfo=OSLO)
    waiting = stjordal({"sent_on": D(2027, 2, 23), "transport_receipt": "ok"})
    p = party(waiting)
    deadline = dt.datetime(2027, 2, 27, 9, 0, tzinfo=OSLO)
    assert evidence.apprec_overdue(waiting, HF, p, deadline - dt.timedelta(seconds=1)) is None
    assert evidence.apprec_overdue(waiting, HF, p, deadline) == deadline
    # A day's evaluation stands for its start: the day the hours end does not count them yet.
    assert evidence.apprec_overdue(waiting, HF, p, evidence.now_on(D(2027, 2, 27))) is None
    assert evidence.apprec_overdue(waiting, HF, p, evidence.now_on(D(2027, 2, 28))) == deadline
    assert evidence.pretest_rejected(waiting, HF, p, evidence.now_on(D(2027, 2, 28)))
    assert not evidence.pretest_rejected(waiting, HF, p)  # without a "now", nothing is overdue
    arrived = stjordal({"sent_on": D(2027, 2, 23), "transport_receipt": "ok", "apprec": "ok"})
    assert evidence.apprec_overdue(arrived, HF, party(arrived), evidence.now_on(D(2027, 6, 1))) is None


def test_the_96_hour_rule_blocks_in_the_timeline_and_on_the_status_board_but_not_in_generated_files() -> None:
    from pipeline.model.declarations import Declaration, DeclarationSet
    from pipeline.model.loader import load_text

    waiting = stjordal({"sent_on": D(2027, 2, 23), "transport_receipt": "ok"})
    pretest = timeline.states(waiting, D(2027, 2, 28))[3]
    assert pretest.milestone.key == "pretest" and pretest.state is timeline.State.BLOCKED
    assert "no AppRec within 96 hours (by 2027-02-27T09:00:00+01:00), counts as rejected" in pretest.reason
    assert timeline.states(waiting, D(2027, 2, 27))[3].state is not timeline.State.BLOCKED
    assert not any("96 hours" in b for m in timeline.milestones(waiting) for b in m.blockers)  # no "today"
    decl = Declaration("partners/kommuner/5035-stjordal.yaml", load_text("{}"), waiting)
    [row] = board.board(DeclarationSet(kommuner=[decl]), D(2027, 2, 28))
    assert any("no AppRec within 96 hours" in e.reason for e in row.blocked)


def test_a_rejection_is_re_tested_the_next_working_day_or_after_its_deviation_is_resolved() -> None:
    friday = stjordal([imported(D(2027, 2, 26), rejected="epikrise")])
    [attempt] = evidence.pretests(friday, HF, party(friday))
    assert evidence.retest_day(friday, HF, attempt) == D(2027, 3, 1)  # over the weekend
    easter = stjordal([imported(D(2027, 3, 24), rejected="epikrise")])  # Wednesday before Easter
    [attempt] = evidence.pretests(easter, HF, party(easter))
    assert evidence.retest_day(easter, HF, attempt) == D(2027, 3, 30)  # after Easter Monday
    deviation = {"opened_on": D(2027, 2, 23), "hf": HF, "description": "E21: feil EDI-adresse i AR"}
    held = stjordal([imported(D(2027, 2, 23), rejected="epikrise")], deviations=[deviation])
    [attempt] = evidence.pretests(held, HF, party(held))
    assert evidence.retest_day(held, HF, attempt) is None and evidence.retest_days(held, HF, party(held)) == []
    resolved = stjordal(
        [imported(D(2027, 2, 23), rejected="epikrise")], deviations=[{**deviation, "resolved_on": D(2027, 2, 25)}]
    )
    assert evidence.retest_days(resolved, HF, party(resolved)) == [D(2027, 2, 26)]
    # Another HF's deviation does not hold this one back; a kommune not testing gets no re-test.
    other = stjordal(
        [imported(D(2027, 2, 23), rejected="epikrise")],
        deviations=[{**deviation, "hf": "helse-more-og-romsdal"}],
    )
    assert evidence.retest_days(other, HF, party(other)) == [D(2027, 2, 24)]
    paused = stjordal([imported(D(2027, 2, 23), rejected="epikrise")], status="paused", paused_from="testing")
    assert evidence.retest_days(paused, HF, party(paused)) == []
    # A recorded re-test keeps its day; a positive one needs no further re-test.
    done = stjordal([imported(D(2027, 2, 23), rejected="epikrise"), imported(D(2027, 2, 25))])
    assert evidence.retest_days(done, HF, party(done)) == [D(2027, 2, 25)]


def test_per_agreement_evidence_for_the_gate() -> None:
    k = stjordal([imported(D(2027, 2, 23), rejected="epikrise"), imported(D(2027, 2, 24))])
    found = evidence.of_agreement(k, HF, party(k))
    assert found.state is evidence.PretestState.POSITIVE and len(found.attempts) == 2
    assert found.positive_on == D(2027, 2, 24) and found.typed_by_hand == ()
    assert found.by_type == {
        "epikrise": {"transport": "ok", "apprec": "ok"},
        "svarrapport": {"transport": "ok", "apprec": "ok"},
    }
    assert not found.verified  # no dialog yet
    nothing = evidence.of_agreement(k, "helse-nord-trondelag", party(k))
    assert nothing.state is evidence.PretestState.NONE and nothing.attempts == ()
    legacy = stjordal({"sent_on": D(2027, 2, 23), "transport_receipt": "ok"})
    waiting = evidence.of_agreement(legacy, HF, party(legacy))
    assert waiting.state is evidence.PretestState.WAITING and waiting.typed_by_hand == ("pretest.transport_receipt",)
    late = evidence.of_agreement(legacy, HF, party(legacy), evidence.now_on(D(2027, 3, 1)))
    assert late.state is evidence.PretestState.REJECTED
