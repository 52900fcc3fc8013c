"""The timeline: each kommune's milestones from its declaration, and their state on a day."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import REPO, Repo

from pipeline.io.partners import read_tree
from pipeline.model.declarations import parse
from pipeline.model.models import Kommune
from pipeline.routine import timeline
from pipeline.routine.steps import Actor
from pipeline.routine.timeline import State

D = dt.date
OSLO = ZoneInfo("Europe/Oslo")
HFS = ("st-olavs", "helse-more-og-romsdal", "helse-nord-trondelag")


def kommune(**changes: Any) -> Kommune:
    """An ordered kommune with one party, T = 2027-03-31 (the Wednesday before Easter 2027)."""
    data: dict[str, Any] = {
        "kommune": "5035",
        "name": "Stjørdal",
        "org_number": "939958851",
        "contact": "meldingsansvarlig@stjordal.kommune.no",
        "status": "ordered",
        "activation": {"date": D(2027, 3, 31), "agreed_on": D(2026, 11, 2)},
        "order": {"sent_on": D(2026, 11, 5)},
        "parties": [
            {
                "her_id": 8170001,
                "name": "Stjørdal kommune - Helse og velferd",
                "edi_address": "stjordal-helse@edi.nhn.no",
                "ar_published_on": D(2026, 11, 20),
                "messages": {"dialogmelding": "1.1", "epikrise": "1.2"},
            }
        ],
    }
    data.update(changes)
    return Kommune.model_validate(data)


def positive_pretests(sent_on: D) -> dict[str, Any]:
    return {hf: {"8170001": {"pretest": {"sent_on": sent_on, "transport_receipt": "ok", "apprec": "ok"}}} for hf in HFS}


def by_key(entries: list[timeline.Entry]) -> dict[str, timeline.Entry]:
    return {e.milestone.key: e for e in entries}


def test_milestones_follow_the_routine_around_easter() -> None:
    ms = {m.key: m for m in timeline.milestones(kommune())}
    assert [m.key for m in timeline.milestones(kommune())] == [
        "agreed",
        "order",
        "ar",
        "pretest",
        "dialog",
        "activation",
    ]
    assert ms["agreed"].due == D(2026, 11, 2)
    assert ms["order"].due == D(2027, 3, 17)  # T-14
    assert ms["ar"].due == D(2027, 3, 17)
    assert ms["pretest"].due == D(2027, 3, 24)  # T-7: the Wednesday before Easter, a working day
    assert ms["dialog"].at == dt.datetime(2027, 3, 31, 9, 0, tzinfo=OSLO)
    assert ms["activation"].due == D(2027, 3, 31)
    assert ms["pretest"].step.label == "K5/H2" and ms["pretest"].step.actors == (Actor.HEMIT,)
    assert ms["dialog"].step.actors == (Actor.HF,)
    assert "kl. 09 på aktiveringsdato" in ms["dialog"].step.quote
    assert ms["agreed"].done and ms["order"].done and ms["ar"].done
    assert not ms["pretest"].done and not ms["dialog"].done and not ms["activation"].done


def test_dialog_across_the_change_to_summer_time() -> None:
    # Summer time starts 2027-03-28: T-7 (2027-03-23) is +01:00, the dialog on T is +02:00.
    k = kommune(activation={"date": D(2027, 3, 30), "agreed_on": D(2026, 11, 2)})
    ms = {m.key: m for m in timeline.milestones(k)}
    assert ms["pretest"].due == D(2027, 3, 23)
    dialog = ms["dialog"].at
    assert dialog is not None
    assert dialog.utcoffset() == dt.timedelta(hours=2)
    assert dialog.astimezone(dt.UTC) == dt.datetime(2027, 3, 30, 7, 0, tzinfo=dt.UTC)
    assert timeline.describe_day(ms["dialog"]) == "2027-03-30 09:00 Europe/Oslo (+02:00)"
    assert dt.datetime.combine(ms["pretest"].due, dt.time(9), OSLO).utcoffset() == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2027, 3, 1), State.UPCOMING),
        (D(2027, 3, 23), State.UPCOMING),
        (D(2027, 3, 24), State.DUE),
        (D(2027, 3, 25), State.OVERDUE),
    ],
)
def test_pretest_state_on_each_day(today: D, expected: State) -> None:
    assert by_key(timeline.states(kommune(), today))["pretest"].state is expected


def test_done_when_the_evidence_says_so_whatever_the_day() -> None:
    k = kommune(status="testing", tests=positive_pretests(D(2027, 3, 24)))
    for today in (D(2026, 1, 1), D(2027, 3, 24), D(2030, 1, 1)):
        pretest = by_key(timeline.states(k, today))["pretest"]
        assert pretest.state is State.DONE
        assert pretest.milestone.done_on == D(2027, 3, 24)


def test_rejected_receipt_and_open_deviation_block() -> None:
    tests = positive_pretests(D(2027, 3, 24))
    tests["st-olavs"]["8170001"]["pretest"]["apprec"] = "rejected"
    k = kommune(
        status="testing",
        tests=tests,
        deviations=[{"opened_on": D(2027, 3, 24), "hf": "st-olavs", "description": "AppRec avvist"}],
    )
    entries = by_key(timeline.states(k, D(2027, 3, 26)))
    for key in ("pretest", "dialog", "activation"):
        assert entries[key].state is State.BLOCKED, key
    assert "open deviation since 2027-03-24 (st-olavs)" in entries["pretest"].reason
    assert "pretest from st-olavs to 8170001 not positive" in entries["pretest"].reason
    assert entries["order"].state is State.DONE


def test_missing_precondition_blocks_only_once_the_day_has_come() -> None:
    k = kommune(status="planned", order=None, parties=[])
    early = by_key(timeline.states(k, D(2026, 12, 1)))
    assert early["order"].state is State.DUE  # the window is open from the day T was agreed
    assert early["ar"].state is State.BLOCKED and "K2/H1" in early["ar"].reason
    assert early["pretest"].state is State.UPCOMING
    late = by_key(timeline.states(k, D(2027, 3, 24)))
    assert late["order"].state is State.OVERDUE
    assert late["pretest"].state is State.BLOCKED


def test_no_activation_date_yet() -> None:
    k = kommune(status="planned", activation=None, order=None)
    entries = by_key(timeline.states(k, D(2026, 12, 1)))
    assert entries["agreed"].state is State.DUE
    assert all(entries[key].state is State.BLOCKED for key in ("order", "pretest", "dialog", "activation"))
    assert timeline.describe_day(entries["dialog"].milestone) == "not set"


def test_withdrawn_kommune_cancels_what_is_left() -> None:
    k = kommune(status="withdrawn")
    entries = by_key(timeline.states(k, D(2027, 6, 1)))
    assert entries["order"].state is State.DONE
    assert entries["pretest"].state is State.CANCELLED
    assert timeline.next_entry(list(entries.values())) is None
    assert timeline.overdue(list(entries.values())) == []


def test_examples_on_a_fixed_day() -> None:
    decls = parse(read_tree(REPO).files)
    today = D(2026, 11, 26)

    def states(number: str) -> dict[str, State]:
        k = decls.kommune(number)
        assert k is not None
        return {e.milestone.key: e.state for e in timeline.states(k.model, today)}

    assert set(states("5001").values()) == {State.DONE}  # Trondheim: active with every piece of evidence
    assert states("1506")["pretest"] is State.OVERDUE  # Molde: Helse Nord-Trøndelag's AppRec still missing
    assert states("1505")["pretest"] is State.BLOCKED  # Kristiansund: paused, open deviation
    assert states("5028")["order"] is State.DUE  # Melhus: planned, the order comes next
    assert states("5007")["dialog"] is State.CANCELLED  # Namsos: withdrawn


def test_cli_text(repo: Repo) -> None:
    result = repo.run("timeline", "5035", "--today", "2027-02-23")
    assert result.code == 0, result.err
    assert "Stjørdal (5035) · status ordered · T 2027-03-02 · today 2027-02-23" in result.out
    assert "due       K5/H2  2027-02-23" in result.out
    assert "upcoming  K6/H4  2027-03-02 09:00 Europe/Oslo (+01:00)" in result.out
    assert "«Hemit sender testmeldinger 1 uke før aktiveringsdato" in result.out


@pytest.mark.parametrize("wanted", ["1506", "Molde", "molde", "1506-molde"])
def test_cli_json_by_number_name_or_stem(repo: Repo, wanted: str) -> None:
    result = repo.run("timeline", wanted, "--today", "2026-11-26", "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["kommune"] == "1506" and doc["today"] == "2026-11-26"
    states = {m["key"]: m["state"] for m in doc["milestones"]}
    assert states["pretest"] == "overdue"
    dialog = next(m for m in doc["milestones"] if m["key"] == "dialog")
    assert dialog["at"] == "2026-12-01T09:00:00+01:00"
    assert dialog["actors"] == ["HF"]


def test_cli_unknown_kommune_is_a_usage_error(repo: Repo) -> None:
    result = repo.run("timeline", "Atlantis")
    assert result.code == 2
    assert "no kommune declaration matches 'Atlantis'" in result.err
    assert "5035 Stjørdal" in result.err


def test_cli_output_does_not_depend_on_the_host_zone(repo: Repo) -> None:
    outs = {
        repo.run("timeline", "1811", "--today", "2027-06-08", env={"TZ": tz, "LC_ALL": "C"}).out
        for tz in ("UTC", "Pacific/Kiritimati", "America/Los_Angeles")
    }
    assert len(outs) == 1
    assert "2027-06-08 09:00 Europe/Oslo (+02:00)" in outs.pop()
