"""R-K3 against an AR snapshot: the party exists in AR, is valid on T, belongs to the kommune."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import REPO, Repo

from pipeline.errors import UsageError
from pipeline.findings import Severity
from pipeline.model.ar_snapshot import ArSnapshot, parse_snapshot
from pipeline.model.declarations import parse
from pipeline.rules import Context, evaluate

TODAY = dt.date(2026, 11, 26)
STJORDAL = "partners/kommuner/5035-stjordal.yaml"


def shipped() -> dict[str, bytes]:
    return {p.relative_to(REPO).as_posix(): p.read_bytes() for p in (REPO / "partners").rglob("*.yaml")}


def snapshot(**party: object) -> ArSnapshot:
    entry = {"herId": 8170001, "parentOrganizationNumber": "939958851", "validFrom": "2026-11-20", **party}
    return parse_snapshot(
        json.dumps({"exported_on": "2026-11-25", "communication_parties": [entry]}).encode(), "ar.json"
    )


def k3(ar: ArSnapshot, files: dict[str, bytes] | None = None) -> list[tuple[str, int, str]]:
    decls = parse(files or shipped())
    return [
        (f.severity.value, f.line, f.message)
        for f in evaluate(Context(decls, TODAY, ar=ar))
        if f.rule == "R-K3" and f.file == STJORDAL
    ]


def test_party_in_ar_valid_on_t_and_own_org_passes() -> None:
    assert k3(snapshot()) == []


def test_party_missing_from_ar_is_an_error_at_its_her_id() -> None:
    found = k3(snapshot(herId=8179999))
    assert [(s, line) for s, line, _ in found] == [("error", 16)]
    assert "not in AR (AR snapshot of 2026-11-25)" in found[0][2]


def test_party_not_valid_on_t_is_an_error() -> None:
    found = k3(snapshot(validTo="2027-01-31"))
    assert [(s, line) for s, line, _ in found] == [("error", 16)]
    assert "not valid in AR on T 2027-03-02" in found[0][2]


def test_party_of_another_organisation_is_an_error() -> None:
    found = k3(snapshot(parentOrganizationNumber="942110464"))
    assert [s for s, _, _ in found] == ["error"]
    assert "belongs to organisation 942110464" in found[0][2]


def test_unrecorded_publication_found_in_ar_is_a_hint() -> None:
    files = shipped()
    files[STJORDAL] = files[STJORDAL].replace(b"    ar_published_on: 2026-11-20 # K3: no later than T-14\n", b"")
    found = k3(snapshot(), files)
    assert ("warning", 16) in [(s, line) for s, line, _ in found]
    assert any("record parties[0].ar_published_on" in m for _, _, m in found)


def test_broken_snapshot_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not UTF-8 JSON"):
        parse_snapshot(b"{", "ar.json")
    with pytest.raises(UsageError, match="communication_parties"):
        parse_snapshot(b"{}", "ar.json")


def test_cli_reads_the_snapshot(repo: Repo) -> None:
    ar = repo.write(
        "ar.json",
        json.dumps({"communication_parties": [{"herId": 1, "parentOrganizationNumber": "939958851"}]}),
    )
    result = repo.run("validate", "--today", "2026-11-26", "--ar-snapshot", str(ar), STJORDAL)
    assert result.code == 1
    assert f"{STJORDAL}:16:13:" in result.out and "error R-K3" in result.out
    missing = repo.run("validate", "--ar-snapshot", str(repo.root / "nope.json"))
    assert missing.code == 2 and "cannot read AR snapshot" in missing.err
    assert Severity.ERROR.value == "error"
