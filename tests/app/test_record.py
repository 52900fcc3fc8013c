"""``oppkobling record``: edits that keep every comment and the key order,
checked against the rules before anything is written."""

from __future__ import annotations

import pytest
from conftest import Repo, Result

from pipeline.cli.main import main

STJORDAL = "partners/kommuner/5035-stjordal.yaml"
MOLDE = "partners/kommuner/1506-molde.yaml"
MELHUS = "partners/kommuner/5028-melhus.yaml"
KRISTIANSUND = "partners/kommuner/1505-kristiansund.yaml"


def cli(capsys: pytest.CaptureFixture[str], repo: Repo, *args: str) -> Result:
    """Run the command in-process (fast); the repository is always given with --root."""
    capsys.readouterr()
    try:
        code = main([*args, "--root", str(repo.root)])
    except SystemExit as exc:  # argparse refusing the command line
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def lines(repo: Repo, rel: str) -> list[str]:
    return repo.path(rel).read_text("utf-8").splitlines()


def changed(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """(old, new) for each changed line, when the edit changed lines without adding any."""
    assert len(before) == len(after), "lines were added or removed"
    return [(b, a) for b, a in zip(before, after, strict=True) if b != a]


def no_temp_files(repo: Repo) -> bool:
    return not list((repo.root / "partners" / "kommuner").glob(".*tmp"))


# --- record keeps comments and key order ------------------------------------------------------


def test_order_changes_exactly_one_line(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    before = lines(repo, STJORDAL)
    result = cli(capsys, repo, "record", "5035", "order", "--sent-on", "2026-11-06", "--today", "2026-11-26")
    assert result.code == 0, result.out
    assert changed(before, lines(repo, STJORDAL)) == [("  sent_on: 2026-11-05", "  sent_on: 2026-11-06")]
    assert no_temp_files(repo)


def test_ar_keeps_the_end_of_line_comment(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    before = lines(repo, STJORDAL)
    result = cli(capsys, repo, "record", "5035", "ar", "--her-id", "8170001", "--on", "2026-11-21")
    assert result.code == 0, result.out
    assert changed(before, lines(repo, STJORDAL)) == [
        (
            "    ar_published_on: 2026-11-20 # K3: no later than T-14",
            "    ar_published_on: 2026-11-21 # K3: no later than T-14",
        )
    ]


def test_pretest_receipt_edits_one_flow_mapping_line(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("record", "5035", "pretest", "--hf", "st-olavs", "--her-id", "8170001", "--today", "2027-02-24")
    assert cli(capsys, repo, *args, "--sent-on", "2027-02-23", "--transport", "ok").code == 0
    before = lines(repo, STJORDAL)
    result = cli(capsys, repo, *args, "--apprec", "ok")
    assert result.code == 0, result.out
    assert changed(before, lines(repo, STJORDAL)) == [
        (
            "      pretest: {sent_on: 2027-02-23, transport_receipt: ok, source: typed by hand}",
            "      pretest: {sent_on: 2027-02-23, transport_receipt: ok, apprec: ok, source: typed by hand}",
        )
    ]


def test_an_apprec_typed_by_hand_beside_imported_transport_receipts(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Molde's Helse Nord-Trøndelag attempt holds imported transport receipts; the AppRec typed
    by hand goes in beside them, marked, and nothing else in the file moves."""
    before = lines(repo, MOLDE)
    result = cli(
        capsys, repo, "record", "molde", "pretest", "--hf", "helse-nord-trondelag", "--her-id", "8160001",
        "--apprec", "ok", "--today", "2026-11-26",
    )  # fmt: skip
    assert result.code == 0, result.out
    after = lines(repo, MOLDE)
    at = after.index("          apprec: ok", before.index("  helse-nord-trondelag:"))
    assert after == [*before[:at], "          apprec: ok", "          source: typed by hand", *before[at:]]
    assert before[at - 1] == "          transport_receipt: ok"
    assert "tests:                          # HF key -> HER-id -> evidence" in after


def test_new_evidence_is_appended_without_touching_other_lines(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    before = lines(repo, STJORDAL)
    result = cli(
        capsys,
        repo,
        "record",
        "5035",
        "pretest",
        "--hf",
        "st-olavs",
        "--her-id",
        "8170001",
        "--sent-on",
        "2027-02-23",
        "--transport",
        "ok",
        "--apprec",
        "ok",
        "--today",
        "2027-02-24",
    )
    assert result.code == 0, result.out
    after = lines(repo, STJORDAL)
    assert after[: len(before)] == before
    assert after[len(before) :] == [
        "tests:",
        "  st-olavs:",
        '    "8170001":',
        "      pretest: {sent_on: 2027-02-23, transport_receipt: ok, apprec: ok, source: typed by hand}",
    ]


def test_deviation_resolved_then_back_to_testing(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    before = lines(repo, KRISTIANSUND)
    result = cli(capsys, repo, "record", "1505", "deviation", "resolve", "--index", "1", "--on", "2026-10-01")
    assert result.code == 0, result.out
    after = lines(repo, KRISTIANSUND)
    assert after == [*before, "    resolved_on: 2026-10-01"]
    back = cli(capsys, repo, "record", "1505", "status", "testing", "--today", "2026-10-01")
    assert back.code == 0, back.out
    final = lines(repo, KRISTIANSUND)
    assert "status: testing" in final and not any(line.startswith("paused_from") for line in final)
    assert [line for line in final if line.startswith("#")] == [line for line in before if line.startswith("#")]
    missing = cli(capsys, repo, "record", "1505", "deviation", "resolve", "--index", "2", "--on", "2026-10-01")
    assert missing.code == 1 and "no deviation number 2" in missing.err


def test_open_deviation_and_pause(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    before = lines(repo, MOLDE)
    opened = cli(
        capsys,
        repo,
        "record",
        "1506",
        "deviation",
        "open",
        "--hf",
        "helse-nord-trondelag",
        "--on",
        "2026-11-25",
        "--description",
        "AppRec mangler fra Helse Nord-Trøndelag",
        "--today",
        "2026-11-26",
    )
    assert opened.code == 0, opened.out
    paused = cli(capsys, repo, "record", "1506", "status", "paused", "--today", "2026-11-26")
    assert paused.code == 0, paused.out
    after = lines(repo, MOLDE)
    assert after[: before.index("status: testing")] == before[: before.index("status: testing")]
    assert after[before.index("status: testing") : before.index("status: testing") + 2] == [
        "status: paused",
        "paused_from: testing",
    ]
    assert after[-4:] == [
        "deviations:",
        "  - opened_on: 2026-11-25",
        "    hf: helse-nord-trondelag",
        "    description: AppRec mangler fra Helse Nord-Trøndelag",
    ]


# --- record refuses what would break a rule ----------------------------------------------------


def test_status_jump_is_refused_and_the_file_untouched(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    before = repo.path(STJORDAL).read_bytes()
    result = cli(capsys, repo, "record", "5035", "status", "active", "--today", "2027-03-02")
    assert result.code == 1
    assert "error L1 status may move one step forward" in result.out
    assert "'ordered' → 'active'" in result.out
    assert repo.path(STJORDAL).read_bytes() == before
    assert no_temp_files(repo)


def test_t_on_skjaertorsdag_is_refused_but_easter_week_wednesday_is_fine(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    before = lines(repo, MELHUS)
    holiday = cli(capsys, repo, "record", "5028", "activation", "--date", "2027-03-25", "--today", "2026-11-26")
    assert holiday.code == 1
    assert "R-K1" in holiday.out and "2027-03-25 is a public holiday (Skjærtorsdag)" in holiday.out
    assert lines(repo, MELHUS) == before
    easter = cli(capsys, repo, "record", "5028", "activation", "--date", "2027-03-31", "--today", "2026-11-26")
    assert easter.code == 0, easter.out
    assert changed(before, lines(repo, MELHUS)) == [
        (
            "  date: 2027-04-06              # T: the Tuesday after Easter (T-7 is a working day too)",
            "  date: 2027-03-31              # T: the Tuesday after Easter (T-7 is a working day too)",
        )
    ]


def test_dialog_across_the_change_to_summer_time(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.edit(STJORDAL, "date: 2027-03-02", "date: 2027-03-30")  # T-7 = 2027-03-23 is winter time
    args = ("record", "5035", "dialog", "--hf", "st-olavs", "--her-id", "8170001", "--today", "2027-03-30")
    on_time = cli(
        capsys, repo, *args, "--sent-at", "2027-03-30T09:00:00+02:00", "--answered-at", "2027-03-30T09:20:00+02:00"
    )
    assert on_time.code == 0, on_time.out
    assert "R-K6" not in on_time.out
    assert (
        '      dialog: {sent_at: "2027-03-30T09:00:00+02:00", answered_at: "2027-03-30T09:20:00+02:00", '
        "source: typed by hand}"
    ) in lines(repo, STJORDAL)
    # 09:00 at the winter offset on a summer-time day is a slip (10:00 in Oslo): refused, saying
    # what to write (issue 17: it used to be recorded with only a warning).
    slip = cli(capsys, repo, *args, "--sent-at", "2027-03-30T09:00:00+01:00")
    assert slip.code == 2
    assert "is 10:00 in Oslo, whose offset on 2027-03-30 is +02:00: write 2027-03-30T09:00:00+02:00" in slip.err
    # A dialog really sent at 10:00, after the recorded answer: refused by R-K6.
    before_answer = cli(capsys, repo, *args, "--sent-at", "2027-03-30T10:00:00+02:00")
    assert before_answer.code == 1
    assert "error R-K6 the dialog is recorded as answered before it was sent" in before_answer.out
    # With a later answer it is recorded, with R-K6's warning about the hour; UTC is fine too.
    late = cli(capsys, repo, *args, "--sent-at", "2027-03-30T08:00:00Z", "--answered-at", "2027-03-30T10:30:00+02:00")
    assert late.code == 0, late.out
    assert "warning R-K6 test dialog sent at 10:00 Europe/Oslo" in late.out
    # The day before T is refused (R-K6: the dialog is sent on T).
    early = cli(capsys, repo, *args, "--sent-at", "2027-03-29T09:00:00+02:00")
    assert early.code == 1 and "error R-K6 test dialog sent 2027-03-29" in early.out
    naive = cli(capsys, repo, *args, "--sent-at", "2027-03-30T09:00:00")
    assert naive.code == 2 and "no UTC offset" in naive.err


def test_unknown_party_hf_and_kommune(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    party = cli(capsys, repo, "record", "5035", "ar", "--her-id", "1234567", "--on", "2026-11-21")
    assert party.code == 1 and "no communication party with HER-id 1234567" in party.err
    assert f"{STJORDAL}: " in party.err and "(declared: 8170001)" in party.err  # the file and what it has
    hf = cli(capsys, repo, "record", "5035", "pretest", "--hf", "helse-bergen", "--her-id", "8170001", "--apprec", "ok")
    assert hf.code == 2 and "invalid choice" in hf.err
    kommune = cli(capsys, repo, "record", "Atlantis", "order", "--sent-on", "2026-11-21")
    assert kommune.code == 2 and "no kommune declaration matches 'Atlantis'" in kommune.err


def test_a_file_that_does_not_load_is_not_edited(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.edit(STJORDAL, 'org_number: "939958851"', 'org_number: &org "939958851"\nalias: *org')
    before = repo.path(STJORDAL).read_bytes()
    result = cli(capsys, repo, "record", "5035-stjordal", "order", "--sent-on", "2026-11-06")
    assert result.code == 1
    assert "S1" in result.out and "anchor" in result.out
    assert repo.path(STJORDAL).read_bytes() == before


def test_crlf_files_stay_crlf(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo.path(STJORDAL)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = path.read_bytes().split(b"\r\n")
    result = cli(capsys, repo, "record", "5035", "order", "--sent-on", "2026-11-06", "--today", "2026-11-26")
    assert result.code == 0, result.out
    raw = path.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert [(b, a) for b, a in zip(before, raw.split(b"\r\n"), strict=True) if b != a] == [
        (b"  sent_on: 2026-11-05", b"  sent_on: 2026-11-06")
    ]


# --- the typed-by-hand fallback ---------------------------------------------------------------


def test_a_recorded_rejection_is_never_typed_over(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    before = repo.path(KRISTIANSUND).read_bytes()
    args = ("record", "1505", "pretest", "--hf", "st-olavs", "--her-id", "8160101", "--today", "2026-10-01")
    over = cli(capsys, repo, *args, "--apprec", "ok")
    assert over.code == 1 and "apprec records rejected: a rejection is never replaced" in over.err
    assert repo.path(KRISTIANSUND).read_bytes() == before
    # A re-test typed by hand is a new attempt; the rejected one stays in the history.
    retest = cli(
        capsys,
        repo,
        *args,
        "--new-attempt",
        "--sent-on",
        "2026-09-30",
        "--transport",
        "ok",
        "--apprec",
        "ok",
        "--justification",
        "EDI 2.0 export unavailable; read in the message server by KN",
    )
    assert retest.code == 0, retest.out + retest.err
    assert lines(repo, KRISTIANSUND)[24:29] == [
        '    "8160101":',
        "      pretest:",
        "        - {sent_on: 2026-09-29, transport_receipt: ok, apprec: rejected}",
        "        - {sent_on: 2026-09-30, transport_receipt: ok, apprec: ok, source: typed by hand, justification: "
        "EDI 2.0 export unavailable; read in the message server by KN}",
        "  helse-more-og-romsdal:",
    ]


def test_a_party_is_added_with_its_messages_quoted(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """``record party`` adds a communication party as AR has it; versions are written quoted (an
    unquoted 1.10 would be read as the number 1.1)."""
    args = ("record", "5035", "party", "--her-id", "8170002", "--name", "Stjørdal kommune - Legevakt")
    incomplete = cli(capsys, repo, *args)
    assert incomplete.code == 2 and "needs --name and --edi-address" in incomplete.err
    added = cli(capsys, repo, *args, "--edi-address", "stjordal-legevakt@edi.nhn.no", "--message", "dialogmelding=1.1")
    assert added.code == 0, added.out + added.err
    text = repo.path(STJORDAL).read_text("utf-8")
    assert "- her_id: 8170002\n    name: Stjørdal kommune - Legevakt\n" in text
    assert 'dialogmelding: "1.1"' in text.split("8170002", 1)[1]
    bad = cli(capsys, repo, "record", "5035", "party", "--her-id", "8170002", "--message", "dialogmelding")
    assert bad.code == 2 and "is not TYPE=VERSION" in bad.err
