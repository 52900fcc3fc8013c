"""Receipts matched to the generated test messages: by MsgId, from the right party, the 96-hour
rule, conflicts, and the evidence per (kommune, HF, party)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import make_receipts as mk
from receipts_support import (
    TESTING,
    expected,
    expected_of,
    fixture,
    fixtures,
    match,
    only,
    read,
    read_bytes,
    recorded,
    verdict,
)

from pipeline.receipts import matching
from pipeline.receipts.model import AppRecStatus, PartyKey, ProblemKind, Receipt
from pipeline.routine.calendar import OSLO


def _receipts(*docs: bytes) -> list[Receipt]:
    out: list[Receipt] = []
    for doc in docs:
        out.append(only(read_bytes(doc)))
    return out


def test_schedules_give_every_test_message() -> None:
    messages = expected_of(TESTING)
    assert len(messages) == 9
    assert {m.kind for m in messages} == {"pretest", "dialog"}
    dialog = next(m for m in messages if m.kind == "dialog")
    assert dialog.conversation_ref == dialog.msg_id
    assert dialog.sent_at == dt.datetime(2026, 12, 1, 9, 0, tzinfo=OSLO)
    assert all(m.receiver_her == 8160001 for m in messages)


def test_full_set_of_receipts(tmp_path: Path) -> None:
    plan = mk.Plan(reject={("st-olavs", "epikrise"): ("E21",)})
    mk.write(mk.build(fixtures(TESTING), plan), tmp_path)
    result = match(read(tmp_path / "maildir").receipts)
    assert result.problems == ()
    st_olavs = result.of(PartyKey(TESTING, "st-olavs", 8160001))
    more = result.of(PartyKey(TESTING, "helse-more-og-romsdal", 8160001))
    assert st_olavs is not None and more is not None
    assert verdict(st_olavs, "apprec") == "rejected"
    epikrise = fixture(TESTING, "st-olavs", "epikrise")
    [rejecting] = [r for r in recorded(st_olavs) if r.result == "rejected"]
    assert (rejecting.kind, rejecting.test, rejecting.errors) == ("apprec", "epikrise", ["E21"])
    assert rejecting.id == epikrise.stable_id("apprec-2")  # the AppRec's own MsgId, to trace it
    assert rejecting.message == epikrise["msg_id"]
    assert verdict(st_olavs, "transport") == "ok"
    assert verdict(more, "apprec") == "ok"
    assert len([r for r in recorded(more) if r.kind == "apprec"]) == 2  # epikrise and lab
    dialog = st_olavs.dialog
    assert dialog is not None and dialog.answer is not None
    sent = fixture(TESTING, "st-olavs", "dialogmelding").sent_at
    assert dialog.answer.answered_at == sent + mk.ANSWER_DELAY
    assert dialog.answer.source_id == fixture(TESTING, "st-olavs", "dialogmelding").stable_id("answer")
    assert dialog.apprec is not None and dialog.apprec.status is AppRecStatus.OK


def test_wrong_party_names_both_her_ids() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    result = match(_receipts(mk.apprec(fx, sender_her=8169999)))
    [found] = result.problems
    assert found.kind is ProblemKind.WRONG_PARTY and found.is_error
    assert "HER-id 8169999" in found.message and f"from HER-id {fx.party} to HER-id {fx.hf_her}" in found.message
    assert result.of(PartyKey(TESTING, "st-olavs", fx.party)) is not None
    assert all(m.apprec is None for e in result.evidence for m in e.messages)


def test_acknowledgment_from_the_hf_itself_is_refused() -> None:
    """The HF's own message server acknowledging its own message: the ENH trap of a CPA."""
    fx = fixture(TESTING, "st-olavs", "epikrise")
    result = match(_receipts(mk.acknowledgment(fx, from_her=fx.hf_her)))
    [found] = result.problems
    assert found.kind is ProblemKind.WRONG_PARTY
    assert f"from HER-id {fx.hf_her}" in found.message


def test_apprec_to_another_hf_is_refused() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    other = fixture(TESTING, "helse-nord-trondelag", "epikrise")
    doc = mk.apprec(fx).replace(f"<Id>{fx.hf_her}</Id>".encode(), f"<Id>{other.hf_her}</Id>".encode())
    [found] = match(_receipts(doc)).problems
    assert found.kind is ProblemKind.WRONG_PARTY and f"to HER-id {other.hf_her}" in found.message


def test_envelope_from_another_party_than_its_payload() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    message = mk.apprec_message(fx, mk.apprec(fx, sender_her=8169999))
    batch = read_bytes(message, "x.eml")
    assert batch.receipts == []
    [found] = batch.problems
    assert found.kind is ProblemKind.INCONSISTENT
    assert f"envelope is from HER-id {fx.party}" in found.message and "8169999" in found.message


def test_unknown_msgid_is_reported_and_ignored() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    result = match(_receipts(mk.apprec(fx, original="3b1a0c5e-0000-4000-8000-000000000000")))
    [found] = result.problems
    assert found.kind is ProblemKind.UNKNOWN_MESSAGE and not found.is_error
    assert "3b1a0c5e-0000-4000-8000-000000000000" in found.message
    assert result.errors == ()


def test_official_examples_name_no_test_message() -> None:
    from receipts_support import shared

    batch = read(shared("standards", "examples", "apprec"), shared("standards", "examples", "ebxml"))
    result = match(batch.receipts)
    assert {p.kind for p in result.problems} == {ProblemKind.UNKNOWN_MESSAGE}


def test_unlinked_edi2_status() -> None:
    from receipts_support import shared

    result = match(read(shared("standards", "edi2", "get-apprecinfo-rejected.json")).receipts)
    [found] = result.problems
    assert found.kind is ProblemKind.UNLINKED and found.is_error


def test_msgid_matched_ignoring_case_and_blanks() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    doc = mk.acknowledgment(fx).replace(f">{fx['msg_id']}<".encode(), f">  {fx['msg_id'].upper()} <".encode())
    result = match(_receipts(doc))
    assert result.problems == ()
    key = PartyKey(TESTING, "st-olavs", fx.party)
    evidence = result.of(key)
    assert evidence is not None
    assert any(m.transport is not None for m in evidence.messages)


def test_transport_receipt_by_ebxml_message_id() -> None:
    """When the message server gave the test message its own ebXML MessageId."""
    fx = fixture(TESTING, "st-olavs", "epikrise")
    doc = mk.acknowledgment(fx).replace(fx["msg_id"].encode(), b"ebxml-4711")
    messages = [
        dataclasses.replace(m, transport_ids=("ebxml-4711",)) if m.msg_id == fx["msg_id"] else m for m in expected()
    ]
    assert matching.match(expected(), _receipts(doc)).problems[0].kind is ProblemKind.UNKNOWN_MESSAGE
    result = matching.match(messages, _receipts(doc))
    assert result.problems == ()


def test_answer_to_a_pretest_message_is_the_wrong_kind() -> None:
    dialog = fixture(TESTING, "st-olavs", "dialogmelding")
    epikrise = fixture(TESTING, "st-olavs", "epikrise")
    doc = mk.answer(dialog).replace(dialog["msg_id"].encode(), epikrise["msg_id"].encode())
    [found] = match(_receipts(doc)).problems
    assert found.kind is ProblemKind.WRONG_KIND and "not a test dialog" in found.message


def test_receipt_dated_before_sending() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    doc = mk.apprec(fx, at=fx.sent_at - dt.timedelta(days=1))
    [found] = match(_receipts(doc)).problems
    assert found.kind is ProblemKind.INCONSISTENT and "before" in found.message


def test_apprec_for_another_message_type() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    doc = mk.apprec(fx).replace(b'<MsgType V="EPIKRISE"/>', b'<MsgType V="SVAR_LAB"/>')
    [found] = match(_receipts(doc)).problems
    assert found.kind is ProblemKind.INCONSISTENT and "SVAR_LAB" in found.message


def test_conflicting_apprecs_keep_the_rejection() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    ok = mk.apprec(fx, at=fx.sent_at + dt.timedelta(hours=1))
    rejected = mk.apprec(fx, status="2", errors=["E35"], at=fx.sent_at + dt.timedelta(hours=2))
    for order in ((ok, rejected), (rejected, ok)):
        result = match(_receipts(*order))
        [found] = result.problems
        assert found.kind is ProblemKind.CONFLICT and "ok" in found.message and "rejected" in found.message
        found = result.of(PartyKey(TESTING, "st-olavs", fx.party))
        assert found is not None
        assert verdict(found, "apprec") == "rejected"
        assert [r.errors for r in recorded(found) if r.kind == "apprec"] == [["E35"]]


def test_acknowledgment_and_error_list_conflict() -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    result = match(_receipts(mk.acknowledgment(fx), mk.message_error(fx, ["SecurityFailure"])))
    assert [p.kind for p in result.problems] == [ProblemKind.CONFLICT]
    evidence = result.of(PartyKey(TESTING, "st-olavs", fx.party))
    assert evidence is not None
    epikrise = next(m for m in evidence.messages if m.expected.message_type == "epikrise")
    assert epikrise.transport is not None and epikrise.transport.state == "rejected"
    assert epikrise.transport.error_codes == ("SecurityFailure",)


def test_the_same_receipt_twice_counts_once(tmp_path: Path) -> None:
    fx = fixture(TESTING, "st-olavs", "epikrise")
    doc = mk.apprec(fx)
    (tmp_path / "a.xml").write_bytes(doc)
    (tmp_path / "b.eml").write_bytes(mk.apprec_message(fx, doc))
    mk.write_maildir(tmp_path / "box", [mk.apprec_message(fx, doc)])
    result = match(read(tmp_path).receipts)
    assert result.problems == ()
    evidence = result.of(PartyKey(TESTING, "st-olavs", fx.party))
    assert evidence is not None
    epikrise = next(m for m in evidence.messages if m.expected.message_type == "epikrise")
    assert epikrise.apprec is not None and epikrise.apprec.origin is not None
    assert epikrise.apprec.origin.file.endswith("a.xml")  # the first by name


def test_pretest_verdicts_wait_for_every_message() -> None:
    """Molde's parties get epikrise and lab: "ok" needs both; one rejection decides at once."""
    epikrise, lab = fixture(TESTING, "st-olavs", "epikrise"), fixture(TESTING, "st-olavs", "svarrapport")
    key = PartyKey(TESTING, "st-olavs", epikrise.party)
    one = match(_receipts(mk.apprec(epikrise), mk.acknowledgment(epikrise))).of(key)
    assert one is not None and verdict(one, "apprec") is None and verdict(one, "transport") is None
    both = match(_receipts(mk.apprec(epikrise), mk.apprec(lab), mk.acknowledgment(epikrise))).of(key)
    assert both is not None and verdict(both, "apprec") == "ok" and verdict(both, "transport") is None
    rejected = match(_receipts(mk.apprec(lab, status="2", errors=["T02"]))).of(key)
    assert rejected is not None and verdict(rejected, "apprec") == "rejected"
    assert [r.errors for r in recorded(rejected)] == [["T02"]]
    partly = match(_receipts(mk.apprec(epikrise), mk.apprec(lab, status="3", errors=["X99"]))).of(key)
    assert partly is not None and verdict(partly, "apprec") == "ok-with-errors"


def test_a_receipt_dated_after_the_import_day_is_refused() -> None:
    """A date off by a day: the receipt says it came after the day it is imported on."""
    fx = fixture(TESTING, "st-olavs", "epikrise")
    doc = mk.apprec(fx, at=fx.sent_at + dt.timedelta(days=2))
    until = dt.datetime.combine(fx.sent_at.date() + dt.timedelta(days=1), dt.time(0), tzinfo=OSLO)
    [found] = match(_receipts(doc), until=until).problems
    assert found.kind is ProblemKind.INCONSISTENT and found.is_error
    assert "after the day of this import (2026-11-24)" in found.message
    assert match(_receipts(doc), until=until + dt.timedelta(days=2)).problems == ()


def test_order_of_receipts_does_not_matter(tmp_path: Path) -> None:
    plan = mk.Plan(
        reject={("helse-nord-trondelag", "svarrapport"): ("E35",)},
        transport_error={("st-olavs", "epikrise"): ("SecurityFailure",)},
    )
    mk.write(mk.build(fixtures(TESTING), plan), tmp_path)
    receipts = read(tmp_path / "xml").receipts + read(tmp_path / "edi2").receipts
    first = match(receipts)
    for seed in range(5):
        shuffled = list(receipts)
        random.Random(seed).shuffle(shuffled)
        assert match(shuffled) == first
