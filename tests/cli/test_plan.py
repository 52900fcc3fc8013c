"""`oppkobling plan --base HEAD~1` in a temporary git repository."""

from __future__ import annotations

import json
import subprocess

from conftest import TODAY, Repo

STEINKJER = """\
kommune: "5006"
name: Steinkjer
org_number: "840029212"
contact: meldingsansvarlig@steinkjer.kommune.no
status: ordered
activation: {date: 2027-09-07, agreed_on: 2026-11-20}
order: {sent_on: 2026-11-24}
parties:
  - her_id: 8170301
    name: Steinkjer kommune - Helse og omsorg
    edi_address: steinkjer@edi.nhn.no
    ar_published_on: 2026-11-25
    messages: {dialogmelding: "1.1", epikrise: "1.2"}
"""


def git(repo: Repo, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci", *args],
        cwd=repo.root,
        check=True,
        capture_output=True,
    )


def test_plan_lists_new_kommune_at_all_three_hfs_with_timeline(repo: Repo) -> None:
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    repo.write("partners/kommuner/5006-steinkjer.yaml", STEINKJER)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "add Steinkjer")

    md = repo.run("plan", "--base", "HEAD~1", "--today", TODAY)
    assert md.code == 0, md.err
    for hf in ("st-olavs", "helse-more-og-romsdal", "helse-nord-trondelag"):
        assert f"`{hf}/cpa/5006-8170301.xml`" in md.out
    # Not in AR yet (no certificates): each new agreement is an incomplete draft, and says why.
    assert md.out.count("Steinkjer: 1 new agreement (incomplete)") == 3
    assert md.out.count("2 incomplete draft(s), not deployed until AR has the certificates: ") == 3  # and Bindal
    assert md.out.count("`st-olavs/cpa/5006-8170301.xml` (party 8170301 is not in AR") == 1
    assert "#### Steinkjer (5006): added, status `ordered`" in md.out
    assert "2027-08-24" in md.out  # AR deadline T-14
    assert "2027-08-31" in md.out  # tests T-7
    assert "2027-09-07 09:00 Europe/Oslo (+02:00)" in md.out  # dialog

    js = repo.run("plan", "--base", "HEAD~1", "--today", TODAY, "--format", "json")
    doc = json.loads(js.out)
    added = {h["key"]: h["agreements"]["added"] for h in doc["helseforetak"]}
    assert added == {k: [f"{k}/cpa/5006-8170301.xml"] for k in added} and len(added) == 3
    drafts = {h["key"]: [d["cpa"] for d in h["incomplete_drafts"]] for h in doc["helseforetak"]}
    assert drafts["st-olavs"] == ["st-olavs/cpa/1811-8180001.xml", "st-olavs/cpa/5006-8170301.xml"]
    keys = [e["key"] for e in doc["kommuner"][0]["timeline"]]
    assert {"ar", "pretest", "dialog", "activation"} <= set(keys)


def test_plan_outside_git_is_a_usage_error(repo: Repo) -> None:
    result = repo.run("plan", "--base", "HEAD~1")
    assert result.code == 2
    assert "Traceback" not in result.err
