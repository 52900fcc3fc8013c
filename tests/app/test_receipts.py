"""``oppkobling receipts import`` end to end, on a temporary git repository: the receipts the
message servers send back become the evidence, and nothing else does.

Receipts are made by ``tests/receipts/make_receipts.py`` from the schedules the repository itself
generated (``oppkobling build``), so they name the MsgIds and HER-ids the pipeline chose.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import Repo

from tests.receipts import make_receipts as mk

STJORDAL = "partners/kommuner/5035-stjordal.yaml"
MOLDE = "partners/kommuner/1506-molde.yaml"
PARTY = 8170001
HFS = ("st-olavs", "helse-more-og-romsdal", "helse-nord-trondelag")
T_MINUS_7, RETEST_DAY, T = "2027-02-23", "2027-02-24", "2027-03-02"


def git(repo: Repo, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci", *args],
        cwd=repo.root,
        check=True,
        capture_output=True,
        text=True,
    )
    return proc.stdout


def commit(repo: Repo, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def fixtures(repo: Repo, kommune: str) -> list[mk.Fixture]:
    """The test messages of ``kommune`` in the repository's generated/ (as Hemit sends them)."""
    for schedule, directory in mk.schedules(repo.root / "generated"):
        if schedule["kommune"] == kommune:
            return mk.fixtures(schedule, directory)
    raise AssertionError(f"no schedule for {kommune} in generated/")


def maildir(path: Path, items: Iterable[mk.Item]) -> Path:
    return mk.write_maildir(path, [i.data for i in items if i.form == "eml"])


def receipt_ids(items: Iterable[mk.Item], plan: mk.Plan | None = None) -> set[str]:
    """The own MsgId of every receipt in the .eml items, as make_receipts gave them."""
    rejected = set((plan or mk.Plan()).reject)
    ids = set()
    for i in items:
        if i.form != "eml":
            continue
        if i.what == "apprec-message":
            status = "2" if (i.fixture.hf, i.fixture["message_type"]) in rejected else "1"
            ids.add(i.fixture.stable_id(f"apprec-{status}"))
        elif i.what in ("ack", "error"):
            ids.add(i.fixture.stable_id(i.what))
        elif i.what == "answer-message":
            ids.add(i.fixture.stable_id("answer"))
    return ids


def lines(repo: Repo, rel: str = STJORDAL) -> list[str]:
    return repo.path(rel).read_text("utf-8").splitlines()


def kept_in_order(before: list[str], after: list[str]) -> bool:
    """Every line of ``before`` is in ``after``, in the same order (an import only adds lines)."""
    rest = iter(after)
    return all(any(line == other for other in rest) for line in before)


def findings(repo: Repo, today: str, *rules: str) -> list[dict[str, object]]:
    out = repo.call("validate", "--today", today, "--format", "json")
    doc = json.loads(out.out)
    return [f for f in doc["findings"] if f["rule"] in rules and f["file"] == STJORDAL]


def plan_sources(repo: Repo, today: str) -> set[str]:
    out = repo.call("plan", "--base", "HEAD", "--today", today, "--format", "json")
    assert out.code == 0, out.err
    [k] = [k for k in json.loads(out.out)["kommuner"] if k["kommune"] == "5035"]
    return {c["source"] for c in k["evidence"] if c["field"] == "receipt"}


def timeline_text(repo: Repo, today: str) -> str:
    out = repo.call("timeline", "5035", "--today", today, "--format", "json")
    assert out.code == 0, out.err
    return "\n".join(line for m in json.loads(out.out)["milestones"] for line in m["evidence"])


def activation_refused(repo: Repo, today: str) -> list[str]:
    """Set the status active as a pull request would and validate against HEAD; undo it."""
    before = repo.path(STJORDAL).read_bytes()
    repo.edit(STJORDAL, "status: testing ", "status: active  ")
    try:
        out = repo.call("validate", "--base", "HEAD", "--today", today, "--format", "json")
        errors = [f"{f['rule']} {f['message']}" for f in json.loads(out.out)["findings"] if f["severity"] == "error"]
        assert (out.code == 1) == bool(errors), out.out
        return errors
    finally:
        repo.path(STJORDAL).write_bytes(before)


@pytest.fixture
def testing(repo: Repo) -> Repo:
    """Stjørdal moved to testing (L1: one step from ordered), generated/ rebuilt, committed."""
    git(repo, "init", "-q")
    commit(repo, "the shipped examples")
    repo.edit(STJORDAL, "status: ordered ", "status: testing ")
    built = repo.call("build", "--today", T_MINUS_7)
    assert built.code == 0, built.out + built.err
    commit(repo, "Stjørdal: testing")
    return repo


def test_pretests_a_retest_and_the_dialogs_activate_stjordal_without_a_record_command(
    testing: Repo, tmp_path: Path
) -> None:
    """Must show 1 (and 4 for Stjørdal: every line of the declaration survives every import)."""
    repo = testing
    assert activation_refused(repo, T)  # nothing recorded yet

    # 1. T-7: Hemit's test epikrise and lab from all three HFs; St. Olavs' epikrise rejected with E21.
    first = [f for f in fixtures(repo, "5035") if f["step"] == "K5/H2"]
    assert {f.hf for f in first} == set(HFS) and len(first) == 6  # epikrise and lab per HF
    e21 = mk.Plan(reject={("st-olavs", "epikrise"): ("E21",)})
    items = mk.build(first, e21)
    box = maildir(tmp_path / "pretest", items)
    before = lines(repo)
    out = repo.run("receipts", "import", str(box), "--today", T_MINUS_7)  # the installed entry point
    assert out.code == 0, out.out + out.err
    assert "12 receipt(s) recorded in 1 declaration(s)" in out.out
    assert kept_in_order(before, lines(repo))
    ids = receipt_ids(items, e21)
    assert len(ids) == 12
    assert plan_sources(repo, T_MINUS_7) == ids
    shown = timeline_text(repo, T_MINUS_7)
    assert all(i in shown for i in ids)
    assert f"st-olavs → {PARTY}: attempt 1 of 1 ({T_MINUS_7}): transport ok, apprec rejected" in shown
    [why] = [f for f in findings(repo, T_MINUS_7, "R-H2") if "E21" in str(f["message"])]
    assert "Mottaker finnes ikke" in str(why["message"]) and "routine step K3" in str(why["message"])
    assert why["severity"] == "warning"  # testing: it blocks activation, it is not an error yet
    assert any("re-test on 2027-02-24" in str(f["message"]) for f in findings(repo, T_MINUS_7, "R-H2"))
    assert findings(repo, T_MINUS_7, "R-K5") == []
    assert any("R-H2 cannot be active" in e for e in activation_refused(repo, T))
    built = repo.call("build", "--today", T_MINUS_7)
    assert built.code == 0, built.out
    commit(repo, "Stjørdal: pretest receipts")

    # 2. The re-test: the rejection made the declaration generate attempt 2 for St. Olavs only,
    #    with new MsgIds, on the next working day.
    retest = [f for f in fixtures(repo, "5035") if f.attempt == 2]
    assert {(f.hf, f["message_type"]) for f in retest} == {("st-olavs", "epikrise"), ("st-olavs", "svarrapport")}
    assert {f["send_at"] for f in retest} == {f"{RETEST_DAY}T09:00:00+01:00"}
    assert not {f["msg_id"] for f in retest} & {f["msg_id"] for f in first}
    items = mk.build(retest)
    box = maildir(tmp_path / "retest", items)
    before = lines(repo)
    out = repo.call("receipts", "import", str(box), "--today", RETEST_DAY)
    assert out.code == 0, out.out + out.err
    assert kept_in_order(before, lines(repo))
    assert plan_sources(repo, RETEST_DAY) == receipt_ids(items)
    shown = timeline_text(repo, RETEST_DAY)
    assert f"st-olavs → {PARTY}: attempt 1 of 2 ({T_MINUS_7}, re-tested since): transport ok, apprec rejected" in shown
    assert f"st-olavs → {PARTY}: attempt 2 of 2 ({RETEST_DAY}): transport ok, apprec ok" in shown
    assert findings(repo, RETEST_DAY, "R-H2", "R-K5") == []  # the latest attempt decides; no lasting warning
    refused = activation_refused(repo, T)
    assert refused and all(e.startswith("R-K6 cannot be active: no test dialog") for e in refused)
    assert repo.call("build", "--today", RETEST_DAY).code == 0
    commit(repo, "Stjørdal: re-test receipts")

    # 3. T at 09:00: each HF's test dialog, answered; its receipts and the answers come back.
    dialogs = [f for f in fixtures(repo, "5035") if f["step"] == "K6/H4"]
    items = mk.build(dialogs)
    box = mk.write_mbox(tmp_path / "dialog.mbox", [i.data for i in items if i.form == "eml"])
    before = lines(repo)
    out = repo.call("receipts", "import", str(box), "--today", T)
    assert out.code == 0, out.out + out.err
    assert kept_in_order(before, lines(repo))
    ids = receipt_ids(items)
    assert len(ids) == 9 and plan_sources(repo, T) == ids
    shown = timeline_text(repo, T)
    for hf in HFS:
        assert f"{hf} → {PARTY}: sent 2027-03-02T09:00:00+01:00, answered 2027-03-02T11:00:00+01:00" in shown
    assert findings(repo, T, "R-K6", "R-H2", "R-K5", "R-H5") == []
    assert activation_refused(repo, T) == []
    assert activation_refused(repo, "2027-03-01") == ["R-H5 cannot be active before the activation date 2027-03-02"]
    # Set active (the pull request that activates), rebuild, and the gate agrees.
    repo.edit(STJORDAL, "status: testing ", "status: active  ")
    assert repo.call("build", "--today", T).code == 0
    gate = repo.call("check", "--base", "HEAD", "--today", T)
    assert gate.code == 0, gate.out
    plan = repo.call("plan", "--base", "HEAD", "--today", T)
    assert "Stjørdal: 1 agreement deactivated-until-activation → active at St. Olavs hospital HF" in plan.out, plan.out
    assert "record" not in " ".join(git(repo, "log", "--format=%s").splitlines())


def test_a_rejection_is_never_replaced_and_a_receipt_never_activates_an_active_kommune(
    testing: Repo, tmp_path: Path
) -> None:
    repo = testing
    epikrise = next(f for f in fixtures(repo, "5035") if f["message_type"] == "epikrise" and f.hf == "st-olavs")
    rejected = tmp_path / "rejected.xml"
    rejected.write_bytes(mk.apprec(epikrise, status="2", errors=["T02"]))
    assert repo.call("receipts", "import", str(rejected), "--today", T_MINUS_7).code == 0
    after_rejection = repo.path(STJORDAL).read_bytes()
    ok = tmp_path / "ok.xml"
    ok.write_bytes(mk.apprec(epikrise, own_id="a-second-apprec"))
    out = repo.call("receipts", "import", str(ok), "--today", T_MINUS_7)
    assert out.code == 0, out.out
    assert "says ok, the declaration records rejected" in out.out and "the worse (rejected) is kept" in out.out
    assert "nothing changed" in out.out
    assert repo.path(STJORDAL).read_bytes() == after_rejection
    # Trondheim is active: its receipts are reported and ignored (exit 1 only with --strict).
    trondheim = next(f for f in fixtures(repo, "5001") if f["step"] == "K5/H2")
    late = tmp_path / "late.xml"
    late.write_bytes(mk.apprec(trondheim))
    before = repo.path("partners/kommuner/5001-trondheim.yaml").read_bytes()
    out = repo.call("receipts", "import", str(late), "--today", T_MINUS_7)
    assert out.code == 0 and "the kommune is active, nothing is recorded for it: ignored" in out.out
    assert repo.call("receipts", "import", str(late), "--today", T_MINUS_7, "--strict").code == 1
    assert repo.path("partners/kommuner/5001-trondheim.yaml").read_bytes() == before


# -- Must show 2: refused with a clear message, the declaration byte-identical -------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2004-11-21"><GenDate>&lol9;</GenDate></AppRec>
"""


def _epikrise(repo: Repo, hf: str = "st-olavs") -> mk.Fixture:
    return next(f for f in fixtures(repo, "5035") if f["message_type"] == "epikrise" and f.hf == hf)


def _refusal(repo: Repo, tmp_path: Path, name: str, data: bytes, *, strict: bool = False) -> str:
    """Import one bad file beside a good receipt: the run is refused (or, for a receipt that is
    merely not used, reported), and the declarations stay byte for byte what they were."""
    box = tmp_path / name.replace(".", "-")
    box.mkdir()
    good = _epikrise(repo, "helse-more-og-romsdal")
    (box / "a-good-apprec.xml").write_bytes(mk.apprec(good))
    (box / name).write_bytes(data)
    before = {p: repo.path(p).read_bytes() for p in (STJORDAL, MOLDE)}
    out = repo.call("receipts", "import", str(box), "--today", T_MINUS_7, *(["--strict"] if strict else []))
    assert out.code == 1, out.out
    assert "refused:" in out.out and "nothing written" in out.out
    assert {p: repo.path(p).read_bytes() for p in before} == before
    return out.out


def test_a_receipt_from_the_wrong_party_is_refused_naming_both_pairs(testing: Repo, tmp_path: Path) -> None:
    fx = _epikrise(testing)
    said = _refusal(testing, tmp_path, "wrong-party.xml", mk.apprec(fx, sender_her=8179999))
    assert "wrong-party.xml: wrong-party: AppRec" in said
    assert "is from HER-id 8179999 (Stjørdal kommune - Helse og velferd)" in said
    assert f"must come from HER-id {PARTY} to HER-id {fx.hf_her}" in said


def test_an_apprec_for_an_unknown_msgid_is_reported_and_ignored(testing: Repo, tmp_path: Path) -> None:
    fx = _epikrise(testing)
    unknown = mk.apprec(fx, original="3b1a0c5e-0000-4000-8000-000000000000")
    before = testing.path(STJORDAL).read_bytes()
    path = tmp_path / "unknown.xml"
    path.write_bytes(unknown)
    out = testing.call("receipts", "import", str(path), "--today", T_MINUS_7)
    assert out.code == 0, out.out
    assert "note: " in out.out and "refers to MsgId 3b1a0c5e-0000-4000-8000-000000000000" in out.out
    assert "which no generated test message has: ignored" in out.out and "nothing changed" in out.out
    assert testing.path(STJORDAL).read_bytes() == before
    said = _refusal(testing, tmp_path, "unknown.xml", unknown, strict=True)
    assert "error: " in said and "unknown-message" in said


def test_a_truncated_mime_message_is_refused_naming_it(testing: Repo, tmp_path: Path) -> None:
    fx = _epikrise(testing)
    whole = mk.apprec_message(fx, mk.apprec(fx))
    said = _refusal(testing, tmp_path, "cut.eml", whole[: len(whole) * 2 // 3])
    assert "cut.eml (MIME message): malformed:" in said and "truncated" in said


def test_an_xml_bomb_is_refused_bare_and_inside_a_mime_part(testing: Repo, tmp_path: Path) -> None:
    said = _refusal(testing, tmp_path, "bomb.xml", BOMB)
    assert "bomb.xml:2: unsafe: a document type declaration (<!DOCTYPE ...>) is not accepted" in said
    fx = _epikrise(testing)
    said = _refusal(testing, tmp_path, "bomb.eml", mk.apprec_message(fx, BOMB))
    assert "bomb.eml:2 (MIME part 2 (application/xml, <ebxml-payload@oppkobling.example>)): unsafe:" in said


# -- Must show 3: the same Maildir twice ------------------------------------------------------------


def test_the_same_maildir_twice_changes_nothing_the_second_time(testing: Repo, tmp_path: Path) -> None:
    repo = testing
    first = [f for f in fixtures(repo, "5035") if f["step"] == "K5/H2"]
    box = maildir(tmp_path / "box", mk.build(first, mk.Plan(reject={("st-olavs", "epikrise"): ("E21",)})))
    once = repo.call("receipts", "import", str(box), "--today", T_MINUS_7)
    assert once.code == 0 and "12 receipt(s) recorded" in once.out
    after_once = repo.path(STJORDAL).read_bytes()
    twice = repo.call("receipts", "import", str(box), "--today", T_MINUS_7)
    assert twice.code == 0, twice.out
    assert twice.out.endswith("nothing new: 12 receipt(s) read; 12 already recorded; nothing changed\n")
    assert repo.path(STJORDAL).read_bytes() == after_once
    # A mailbox holding the test and its re-test is imported in one run, and again changes nothing.
    assert repo.call("build", "--today", T_MINUS_7).code == 0
    retest = [f for f in fixtures(repo, "5035") if f.attempt == 2]
    both = mk.build(first, mk.Plan(reject={("st-olavs", "epikrise"): ("E21",)})) + mk.build(retest)
    commit(repo, "after the first import")
    git(repo, "checkout", "-q", "HEAD~1", "--", STJORDAL)
    whole = maildir(tmp_path / "whole", both)
    out = repo.call("receipts", "import", str(whole), "--today", RETEST_DAY)
    assert out.code == 0 and "16 receipt(s) recorded" in out.out, out.out
    again = repo.call("receipts", "import", str(whole), "--today", RETEST_DAY)
    assert "nothing new: 16 receipt(s) read; 16 already recorded; nothing changed" in again.out


def test_dry_run_shows_per_kommune_in_every_format_and_writes_nothing(testing: Repo, tmp_path: Path) -> None:
    repo = testing
    first = [f for f in fixtures(repo, "5035") if f["step"] == "K5/H2"]
    box = maildir(tmp_path / "box", mk.build(first, mk.Plan(reject={("st-olavs", "epikrise"): ("E21",)})))
    before = repo.path(STJORDAL).read_bytes()
    args = ("receipts", "import", str(box), "--today", T_MINUS_7, "--dry-run")
    text = repo.call(*args)
    assert text.code == 0 and "Stjørdal (5035), partners/kommuner/5035-stjordal.yaml: would record" in text.out
    assert text.out.count("  + ") == 12 and "12 receipt(s) would be recorded in 1 declaration(s)" in text.out
    assert "E21 Mottaker finnes ikke" in text.out  # the finding the import would bring
    doc = json.loads(repo.call(*args, "--format", "json").out)
    assert doc["dry_run"] is True and doc["written"] is False and doc["refused"] is False
    [k] = doc["kommuner"]
    assert k["kommune"] == "5035" and len(k["added"]) == 12 and k["diff"].startswith("--- a/" + STJORDAL)
    assert {a["receipt"]["id"] for a in k["added"]} == receipt_ids(
        mk.build(first, mk.Plan(reject={("st-olavs", "epikrise"): ("E21",)})),
        mk.Plan(reject={("st-olavs", "epikrise"): ("E21",)}),
    )
    markdown = repo.call(*args, "--format", "markdown").out
    assert "### Stjørdal (5035): would record" in markdown and markdown.count("| st-olavs → 8170001 |") == 4
    assert repo.path(STJORDAL).read_bytes() == before


# -- Must show 4: comments and key order survive every import, line by line ----------------------

COMMENTED_MOLDE = """\
tests:                          # HF key -> HER-id -> evidence
  st-olavs:                     # St. Olavs hospital
    8160001:                    # Molde helse og omsorg
      pretest: {sent_on: 2026-11-24, transport_receipt: ok, apprec: ok}  # read in the GUI by KN
  # Helse Møre og Romsdal: the AppRec was late
  helse-more-og-romsdal:
    8160001:
      pretest: {sent_on: 2026-11-24, transport_receipt: ok, apprec: ok}
  helse-nord-trondelag:         # still waiting for the AppRec
    8160001:
      pretest: {sent_on: 2026-11-24, transport_receipt: ok}
# end of the declaration
"""


def comments(text: list[str]) -> list[str]:
    return [line[line.index("#") :] for line in text if "#" in line]


def keys(text: list[str], indent: int) -> list[str]:
    return [
        line.split(":")[0].strip()
        for line in text
        if line[:indent].strip() == "" and line[indent : indent + 1].isalnum()
    ]


def test_comments_and_key_order_survive_every_import(repo: Repo, tmp_path: Path) -> None:
    git(repo, "init", "-q")
    text = repo.path(MOLDE).read_text("utf-8")
    repo.path(MOLDE).write_text(text[: text.index("tests:")] + COMMENTED_MOLDE, "utf-8")
    assert repo.call("build", "--today", "2026-11-24").code == 0
    commit(repo, "Molde with comments")
    pretest = [f for f in fixtures(repo, "1506") if f["step"] == "K5/H2"]
    dialogs = [f for f in fixtures(repo, "1506") if f["step"] == "K6/H4"]
    steps = [
        ("2026-11-24", mk.build(pretest, mk.Plan(reject={("st-olavs", "svarrapport"): ("T02",)}))),
        ("2026-11-25", None),  # the re-test, from the schedule the rejection generated
        ("2026-12-01", mk.build(dialogs)),
    ]
    for today, items in steps:
        if items is None:
            assert repo.call("build", "--today", today).code == 0
            items = mk.build([f for f in fixtures(repo, "1506") if f.attempt == 2])
        before = lines(repo, MOLDE)
        box = maildir(tmp_path / today, items)
        out = repo.call("receipts", "import", str(box), "--today", today)
        assert out.code == 0, out.out
        after = lines(repo, MOLDE)
        assert comments(after) == comments(before)  # every comment, in order
        head = before.index(next(line for line in before if line.startswith("tests:")))
        assert after[: head + 1] == before[: head + 1]  # everything before tests: line by line
        assert after[-1] == before[-1] == "# end of the declaration"
        assert keys(after, 0) == keys(before, 0) and keys(after, 2) == keys(before, 2)
        for intro, following in (("  # Helse Møre og Romsdal: the AppRec was late", "  helse-more-og-romsdal:"),):
            assert after[after.index(intro) + 1] == following
    final = lines(repo, MOLDE)
    # The end-of-line comment of the attempt once written on one line stays on its first line.
    [gui] = [line for line in final if line.endswith("# read in the GUI by KN")]
    assert gui.split("#")[0].rstrip() == "      pretest:"
    assert "  helse-nord-trondelag:         # still waiting for the AppRec" in final
