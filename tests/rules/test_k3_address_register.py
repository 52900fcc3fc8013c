"""R-K3 against the AR snapshot in partners/ar/, beyond the rule cases: both of AR's shapes read
(NHN's own legacy file with a declaration that matches it), a malformed snapshot file refused at
its file, line and column through ``validate``, the certificate margin, S2 for a stray file."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from ar import edits
from conftest import REPO, TODAY, Repo

from pipeline.ar.paths import Entry, Kind
from pipeline.ar.snapshot import Shape
from pipeline.findings import Finding
from pipeline.rules import Context, evaluate
from rules.rulecases import SHARED_AR, parse_files, shipped

DAY = dt.date.fromisoformat(TODAY)
STJORDAL = "partners/kommuner/5035-stjordal.yaml"
LEGACY = "CommunicationDetailsRest_8141705.json"


def nhn_legacy() -> bytes:
    path = SHARED_AR / LEGACY
    if not path.is_file():
        pytest.fail(f"{path} is missing: the AR tests read NHN's files from ../shared/standards/ar/")
    return path.read_bytes()


def k3(files: dict[str, bytes], file: str = STJORDAL, margin: int = 60) -> list[Finding]:
    findings = evaluate(Context(parse_files(files), DAY, certificate_margin=margin))
    return [f for f in findings if f.rule == "R-K3" and f.file == file]


def legacy_kommune() -> dict[str, bytes]:
    """Stjørdal's declaration as the owner of NHN's legacy test party 8141705: the organisation
    and EDI address AR gives it, certificates for it (the legacy model states no thumbprint), and
    its E_EDI address added to NHN's file, which has none (a service-bus party)."""
    files = dict(shipped())
    text = files[STJORDAL].decode()
    for old, new in (
        ("her_id: 8170001", "her_id: 8141705"),
        ('org_number: "939958851"', 'org_number: "999988891"'),
        ("ar_published_on: 2026-11-20", "ar_published_on: 2023-04-04"),
    ):
        text = text.replace(old, new)
    files[STJORDAL] = text.encode()
    legacy = json.loads(nhn_legacy())
    addresses = legacy["communicationParty"]["ElectronicAddresses"]
    addresses.append({**addresses[-1], "Address": "stjordal-helse@edi.nhn.no", "TypeCodeValue": "E_EDI"})
    addresses[-1]["Type"] = {**addresses[-1]["Type"], "CodeValue": "E_EDI", "CodeText": "EDI-adresse"}
    files = edits.place(files, "communicationparty/8141705/legacy.json", json.dumps(legacy).encode())
    for kind in (Kind.SIGNING, Kind.ENCRYPTION):
        files[Entry(8141705, kind).path] = files[Entry(8170001, kind).path]
    return edits.delete(files, "8170001")


def test_both_shapes_are_read_and_say_which() -> None:
    """Must show 1: a v1 party and NHN's own legacy file, each with a matching declaration."""
    v1 = parse_files(shipped()).ar.snapshot.party(8170001)
    assert v1 is not None and v1.shape is Shape.V1
    files = edits.place(dict(shipped()), "communicationparty/8141705/legacy.json", nhn_legacy())
    legacy = parse_files(files).ar.snapshot.party(8141705)
    assert legacy is not None and legacy.shape is Shape.LEGACY
    assert (legacy.type, legacy.name, legacy.organization_number) == ("Service", "Allmennlege", "999988891")
    assert legacy.parent is not None and legacy.parent.her_id == 8141703
    assert legacy.edi_address is None  # NHN's test party is on the service bus: no E_EDI address


def test_nhns_legacy_party_with_a_matching_declaration_passes_r_k3() -> None:
    files = legacy_kommune()
    reading = parse_files(files).ar
    assert reading.problems == ()
    party = reading.snapshot.party(8141705)
    assert party is not None and party.shape is Shape.LEGACY and party.edi_address == "stjordal-helse@edi.nhn.no"
    assert k3(files) == []


def test_nhns_legacy_file_as_it_is_has_no_edi_address_for_the_agreements() -> None:
    files = legacy_kommune()
    files = edits.place(files, "communicationparty/8141705/legacy.json", nhn_legacy())
    (found,) = k3(files)
    assert found.severity.value == "error" and found.line == 16
    assert "no E_EDI electronic address" in found.message and "AMQP" in found.message


def test_a_malformed_snapshot_file_is_refused_at_its_file_line_and_column(repo: Repo) -> None:
    path = repo.path(Entry(8170001, Kind.PARTY).path)
    text = path.read_text()
    path.write_text(text.replace('"type": "Service",', '"type": "Service",,'))
    result = repo.call("validate", "--today", TODAY)
    assert result.code == 1
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"type"' in row)
    where = f"partners/ar/communicationparty/8170001.json:{line}:21: error R-K3 not JSON"  # the second comma
    assert where in result.out, result.out
    assert f"HER-id 8170001 is declared at {STJORDAL}:16:13" in result.out


def test_a_file_of_the_wrong_shape_is_refused_where_the_field_is(repo: Repo) -> None:
    path = repo.path(Entry(9990001, Kind.PARTY).path)
    text = path.read_text()
    path.write_text(text.replace('"type": "Service"', '"type": "Hospital"'))
    result = repo.call("validate", "--today", TODAY, "--format", "json")
    found = [f for f in json.loads(result.out)["findings"] if f["file"] == Entry(9990001, Kind.PARTY).path]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"type"' in row)
    assert [(f["rule"], f["severity"], f["line"], f["column"]) for f in found] == [("R-K3", "error", line, 11)]
    assert "'type'" in found[0]["message"]


def test_a_stray_file_under_partners_ar_is_s2(repo: Repo) -> None:
    repo.write("partners/ar/communicationparty/8170001.yaml", "herId: 8170001\n")
    result = repo.call("validate", "--today", TODAY, "--format", "json")
    found = [(f["rule"], f["file"]) for f in json.loads(result.out)["findings"] if f["severity"] == "error"]
    assert found == [("S2", "partners/ar/communicationparty/8170001.yaml")]
    assert "not a place of the AR snapshot" in result.out


def test_validate_named_snapshot_file_reports_what_names_it(repo: Repo) -> None:
    path = repo.path(Entry(8170001, Kind.PARTY).path)
    path.write_text(path.read_text().replace('"type": "Service"', '"type": "Person"'))
    result = repo.call("validate", "--today", TODAY, "--format", "json", Entry(8170001, Kind.PARTY).path)
    found = json.loads(result.out)["findings"]
    assert [(f["rule"], f["file"], f["line"]) for f in found] == [("R-K3", STJORDAL, 16)]
    assert result.code == 1


def test_the_certificate_margin_is_configurable(monkeypatch: pytest.MonkeyPatch, repo: Repo) -> None:
    files = edits.reissue(dict(shipped()), 8170001, Kind.SIGNING, not_after="2027-05-01")  # T + 60
    assert k3(files) == []
    (found,) = k3(files, margin=90)
    assert "within 90 days of T" in found.message
    monkeypatch.setenv("OPPKOBLING_CERTIFICATE_MARGIN", "soon")
    result = repo.call("validate", "--today", TODAY)
    assert result.code == 2 and "OPPKOBLING_CERTIFICATE_MARGIN must be a number of days" in result.err


def test_an_active_agreement_is_warned_60_30_and_14_days_before_expiry() -> None:
    trondheim = "partners/kommuner/5001-trondheim.yaml"
    for days, bucket in ((59, "within 60"), (30, "within 30"), (14, "within 14")):
        day = (DAY + dt.timedelta(days=days)).isoformat()
        files = edits.reissue(dict(shipped()), 8150001, Kind.ENCRYPTION, not_after=day)
        (found,) = k3(files, trondheim)
        assert found.severity.value == "warning" and bucket in found.message, (days, found.message)
    files = edits.reissue(
        dict(shipped()), 8150001, Kind.ENCRYPTION, not_after=(DAY + dt.timedelta(days=61)).isoformat()
    )
    assert k3(files, trondheim) == []
    files = edits.reissue(dict(shipped()), 8150001, Kind.ENCRYPTION, not_after=(DAY - dt.timedelta(days=1)).isoformat())
    (found,) = k3(files, trondheim)
    assert found.severity.value == "error" and "expired" in found.message


def test_the_shipped_examples_meet_r_k3_with_the_two_cases_they_need() -> None:
    findings = [f for f in evaluate(Context(parse_files(shipped()), DAY)) if f.rule == "R-K3"]
    assert all(f.severity.value == "warning" for f in findings), findings
    kinds = sorted((f.file.rsplit("/", 1)[1], f.message.split(": ", 1)[1][:40]) for f in findings)
    assert [k for k, _ in kinds] == ["1505-kristiansund.yaml", "1505-kristiansund.yaml", "1811-bindal.yaml"]
    assert all("within 60 days of T" in f.message for f in findings if "kristiansund" in f.file)
    assert any("not in the AR snapshot yet" in f.message for f in findings if "bindal" in f.file)
    assert REPO.joinpath(Entry(8180001, Kind.PARTY).path).exists() is False
