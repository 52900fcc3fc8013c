"""The state of an agreement for every status, from status and evidence only (H2, H5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agreements.support import HER, T, kommune, positive_evidence
from pipeline.agreements.states import (
    AgreementState,
    agreement_state,
    cpa_status,
    has_agreement,
    message_states,
)
from pipeline.model.models import HF_KEYS, Kommune
from pipeline.routine import evidence

ST_OLAVS, MORE, NORD = HF_KEYS


def state(k: Kommune, hf: str = ST_OLAVS) -> AgreementState:
    return agreement_state(k, hf, k.parties[0])


def test_planned_has_no_agreement() -> None:
    k = kommune("planned", order=None, parties=[])
    assert not has_agreement(k)
    with pytest.raises(ValueError, match="no agreement"):
        agreement_state(kommune("planned"), ST_OLAVS, kommune("planned").parties[0])


def test_paused_while_planned_has_no_agreement() -> None:
    assert not has_agreement(kommune("paused", paused_from="planned"))


def test_ordered_is_pending_and_proposed() -> None:
    k = kommune("ordered")
    assert has_agreement(k)
    assert state(k) is AgreementState.PENDING
    assert cpa_status(k, ST_OLAVS, k.parties[0]) == "proposed"


def test_testing_before_any_pretest_is_test() -> None:
    assert state(kommune("testing")) is AgreementState.TEST


@pytest.mark.parametrize(
    "pretest",
    [
        {"transport_receipt": "ok"},
        {"transport_receipt": "ok", "apprec": "rejected"},
        {"transport_receipt": "ok", "apprec": "ok-with-errors"},
        {"transport_receipt": "rejected", "apprec": "ok"},
    ],
)
def test_testing_without_a_positive_pretest_stays_test(pretest: dict[str, Any]) -> None:
    k = kommune("testing", tests={ST_OLAVS: {str(HER): {"pretest": {"sent_on": dt.date(2027, 2, 23), **pretest}}}})
    assert state(k) is AgreementState.TEST


def test_positive_pretest_deactivates_until_activation_for_that_hf_only() -> None:
    ok = {"pretest": {"sent_on": dt.date(2027, 2, 23), "transport_receipt": "ok", "apprec": "ok"}}
    k = kommune("testing", tests={ST_OLAVS: {str(HER): ok}})
    assert state(k, ST_OLAVS) is AgreementState.DEACTIVATED_UNTIL_ACTIVATION
    assert state(k, MORE) is AgreementState.TEST
    assert state(k, NORD) is AgreementState.TEST
    assert cpa_status(k, ST_OLAVS, k.parties[0]) == "proposed"


def test_testing_with_all_evidence_is_still_not_active() -> None:
    """The merge of status: active is the activation gate, not the evidence alone."""
    k = kommune("testing", tests=positive_evidence())
    assert state(k) is AgreementState.DEACTIVATED_UNTIL_ACTIVATION
    assert cpa_status(k, ST_OLAVS, k.parties[0]) == "proposed"


def test_active_and_verified_is_active_and_agreed() -> None:
    k = kommune("active", tests=positive_evidence())
    for hf in HF_KEYS:
        assert state(k, hf) is AgreementState.ACTIVE
        assert cpa_status(k, hf, k.parties[0]) == "agreed"


def test_active_without_evidence_is_never_active() -> None:
    k = kommune("active")
    assert state(k) is AgreementState.TEST
    assert cpa_status(k, ST_OLAVS, k.parties[0]) == "proposed"


def test_active_with_pretests_but_no_dialog_stays_deactivated() -> None:
    tests = positive_evidence()
    for hf in HF_KEYS:
        del tests[hf][str(HER)]["dialog"]
    k = kommune("active", tests=tests)
    assert {state(k, hf) for hf in HF_KEYS} == {AgreementState.DEACTIVATED_UNTIL_ACTIVATION}


def test_active_missing_one_hfs_evidence_activates_none() -> None:
    """R-H5 needs every HF and party: one HF short keeps all three agreements inactive."""
    tests = positive_evidence()
    del tests[NORD]
    k = kommune("active", tests=tests)
    assert state(k, ST_OLAVS) is AgreementState.DEACTIVATED_UNTIL_ACTIVATION
    assert state(k, NORD) is AgreementState.TEST
    assert all(cpa_status(k, hf, k.parties[0]) == "proposed" for hf in HF_KEYS)


def test_active_with_an_open_deviation_is_not_active() -> None:
    deviation = {"opened_on": dt.date(2027, 2, 23), "description": "AppRec avvist"}
    k = kommune("active", tests=positive_evidence(), deviations=[deviation])
    assert state(k) is not AgreementState.ACTIVE
    resolved = kommune("active", tests=positive_evidence(), deviations=[{**deviation, "resolved_on": T}])
    assert state(resolved) is AgreementState.ACTIVE


def test_active_with_dialog_on_the_wrong_day_is_not_active() -> None:
    tests = positive_evidence()
    sent = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
    tests[MORE][str(HER)]["dialog"] = {"sent_at": sent, "answered_at": sent + dt.timedelta(hours=1)}
    assert state(kommune("active", tests=tests)) is AgreementState.DEACTIVATED_UNTIL_ACTIVATION


def test_paused_is_paused_whatever_the_evidence() -> None:
    k = kommune("paused", paused_from="active", tests=positive_evidence())
    assert state(k) is AgreementState.PAUSED
    assert cpa_status(k, ST_OLAVS, k.parties[0]) == "proposed"


def test_withdrawn_is_withdrawn_and_never_agreed() -> None:
    k = kommune("withdrawn", tests=positive_evidence())
    assert state(k) is AgreementState.WITHDRAWN
    assert cpa_status(k, ST_OLAVS, k.parties[0]) == "proposed"


def test_message_states_cover_the_ordered_types_in_catalogue_order() -> None:
    party = {
        "her_id": HER,
        "name": "P",
        "edi_address": "p@edi.nhn.no",
        "messages": {
            "plo": "1.6",
            "dialogmelding": "1.0",
            "epikrise": "1.1",
            "henvisning": "1.0",
            "svarrapport": "9.9",
        },
    }
    k = kommune("testing", parties=[party])
    states = message_states(k, ST_OLAVS, k.parties[0])
    assert list(states) == ["epikrise", "dialogmelding", "plo"]
    assert set(states.values()) == {AgreementState.TEST}


STATUSES = ["ordered", "testing", "active", "paused", "withdrawn"]
PRETESTS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "transport_receipt": st.sampled_from([None, "ok", "rejected"]),
            "apprec": st.sampled_from([None, "ok", "rejected", "ok-with-errors"]),
        }
    ),
)
DIALOGS = st.sampled_from(["none", "on-t", "wrong-day", "unanswered"])


def _dialog(kind: str) -> dict[str, Any] | None:
    sent = dt.datetime.combine(T if kind != "wrong-day" else T - dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)
    if kind == "none":
        return None
    if kind == "unanswered":
        return {"sent_at": sent}
    return {"sent_at": sent, "answered_at": sent + dt.timedelta(minutes=5)}


@settings(max_examples=150, deadline=None)
@given(
    status=st.sampled_from(STATUSES),
    evidence_by_hf=st.lists(st.tuples(PRETESTS, DIALOGS), min_size=3, max_size=3),
    open_deviation=st.booleans(),
)
def test_nothing_is_active_or_agreed_unless_declared_active_and_verified(
    status: str, evidence_by_hf: list[tuple[dict[str, Any] | None, str]], open_deviation: bool
) -> None:
    tests: dict[str, Any] = {}
    for hf, (pretest, dialog) in zip(HF_KEYS, evidence_by_hf, strict=True):
        record: dict[str, Any] = {}
        if pretest is not None:
            record["pretest"] = pretest
        if (d := _dialog(dialog)) is not None:
            record["dialog"] = d
        tests[hf] = {str(HER): record}
    fields: dict[str, Any] = {"tests": tests}
    if status == "paused":
        fields["paused_from"] = "testing"
    if open_deviation:
        fields["deviations"] = [{"opened_on": dt.date(2027, 2, 23), "description": "avvik"}]
    k = kommune(status, **fields)
    verified = status == "active" and evidence.verified(k, HF_KEYS)
    for hf in HF_KEYS:
        s = agreement_state(k, hf, k.parties[0])
        assert (s is AgreementState.ACTIVE) == verified
        assert (cpa_status(k, hf, k.parties[0]) == "agreed") == verified
        if s is AgreementState.DEACTIVATED_UNTIL_ACTIVATION:
            assert evidence.pretest_positive(k, hf, k.parties[0])
