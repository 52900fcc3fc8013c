"""Reading the snapshot: a v1 snapshot and NHN's own legacy file both read; every malformed file
refused with file:line:col and what is wrong; nothing skipped."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from ar.conftest import LEGACY_FILE, shared_ar
from pipeline.ar import jsontext, snapshot
from pipeline.ar.paths import Kind
from pipeline.ar.shapes import OSLO
from pipeline.ar.snapshot import Problem, Shape

PARTY = "partners/ar/communicationparty/8170001.json"
LEGACY = "partners/ar/communicationparty/8141705/legacy.json"


def test_the_example_v1_snapshot_reads(example_files: dict[str, bytes]) -> None:
    reading = snapshot.read(example_files)
    assert reading.problems == ()
    assert len(reading.snapshot) == 9
    for party in reading.snapshot:
        assert party.shape is Shape.V1
        assert party.type == "Service"
        for kind in (Kind.SIGNING, Kind.ENCRYPTION):
            file = party.certificate(kind)
            assert file is not None and file.certificate is not None
            stated = party.signing_thumbprint if kind is Kind.SIGNING else party.encryption_thumbprint
            assert file.certificate.matches(stated)
    stjordal = reading.snapshot.party(8170001)
    assert stjordal is not None
    assert stjordal.parent == snapshot.Parent(8170000, "Stjørdal kommune", "939958851")
    assert stjordal.organization_number == "939958851"
    assert stjordal.edi_address == "stjordal-helse@edi.nhn.no"
    assert stjordal.valid_from == dt.datetime(2026, 11, 20, tzinfo=OSLO)
    assert stjordal.valid_to is not None and stjordal.valid_to.year == 9999
    # Positions for the rules: where a field stands in the party's own file.
    line, _ = stjordal.at("ediAddress")
    assert '"ediAddress"' in example_files[PARTY].decode().splitlines()[line - 1]


def test_nhns_legacy_file_reads() -> None:
    raw = shared_ar(LEGACY_FILE).read_bytes()
    reading = snapshot.read({LEGACY: raw})
    assert reading.problems == ()
    party = reading.snapshot.party(8141705)
    assert party is not None
    assert party.shape is Shape.LEGACY
    assert (party.type, party.name) == ("Service", "Allmennlege")
    assert party.parent == snapshot.Parent(8141703, "TestsenteretHN", "999988891")
    assert party.organization_number == "999988891"
    # NHN's test party is a service-bus (AMQP) party: no E_EDI address among its addresses.
    assert party.edi_address is None
    assert party.valid_from == dt.datetime(2023, 4, 4, tzinfo=OSLO)
    assert party.valid_to == dt.datetime(9999, 12, 31, tzinfo=OSLO)
    assert party.signing_thumbprint is None and party.signing is None
    assert party.at("ParentOrganizationNumber")[0] == 30


def test_the_bare_legacy_model_reads_too() -> None:
    """The specification's /legacy answer is CommunicationParty_Legacy itself, not NHN's envelope."""
    data = json.loads(shared_ar(LEGACY_FILE).read_bytes())["communicationParty"]
    data["ElectronicAddresses"].append(
        {"Address": "allmennlege@testedi.nhn.no", "Type": {"CodeValue": "E_EDI", "OID": 9044}, "Inherited": False}
    )
    reading = snapshot.read({LEGACY: jsontext.dump(data)})
    assert reading.problems == ()
    party = reading.snapshot.party(8141705)
    assert party is not None and party.edi_address == "allmennlege@testedi.nhn.no"
    assert party.at("ParentHerId") == party.document.locate(("ParentHerId",))


def _v1(**changes: Any) -> dict[str, Any]:
    party: dict[str, Any] = {
        "herId": 8170001,
        "type": "Service",
        "amqpTransportStatus": "Disabled",
        "ediAddress": "stjordal-helse@edi.nhn.no",
        "serviceDetails": {
            "serviceType": {"codeListId": "8666", "value": "00"},
            "parentOrganization": {"herId": 8170000, "name": "Stjørdal kommune", "organizationNumber": "939958851"},
        },
    }
    party.update(changes)
    return {k: v for k, v in party.items() if v is not ...}


def _problems(files: dict[str, bytes]) -> list[tuple[str, int, int, str]]:
    return [(p.path, p.line, p.column, p.message) for p in snapshot.read(files).problems]


CERT = "partners/ar/certificate/8170001/signing.json"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {PARTY: b'{\n  "herId": 8170001,\n  "type": "Service"\n  "x": 1\n}\n'},
            (PARTY, 4, 3, "not JSON: Expecting ',' delimiter"),
            id="syntax",
        ),
        pytest.param(
            {PARTY: jsontext.dump(_v1(herId="8170001"))},
            (PARTY, 4, 12, "'herId': input should be a whole number (got \"8170001\")"),
            id="wrong-type",
        ),
        pytest.param(
            {PARTY: jsontext.dump(_v1(amqpTransportStatus=...))},
            (PARTY, 1, 1, "required field 'amqpTransportStatus' is missing"),
            id="missing-required",
        ),
        pytest.param(
            {PARTY: jsontext.dump(_v1(serviceDetails={"serviceType": {"codeListId": "8666", "value": "00"}}))},
            (PARTY, 5, 21, "required field 'serviceDetails.parentOrganization' is missing"),
            id="missing-nested",
        ),
        pytest.param(
            {PARTY: jsontext.dump(_v1(herId=8170002))},
            (PARTY, 4, 12, "herId is 8170002, but the file is for HER-id 8170001"),
            id="her-id-differs",
        ),
        pytest.param(
            {PARTY: jsontext.dump(_v1(parentOrganizationNumber="939958851"))},
            (PARTY, 5, 3, "unknown key 'parentOrganizationNumber' (the API's CommunicationParty has no such field)"),
            id="unknown-key",
        ),
        pytest.param(
            {PARTY: jsontext.dump(_v1(type="Kommune"))},
            (PARTY, 16, 11, "'type': input should be 'Organization', 'Person' or 'Service' (got \"Kommune\")"),
            id="enum",
        ),
        pytest.param(
            {PARTY: jsontext.dump(_v1(validFrom=None))},
            (PARTY, 17, 16, "'validFrom': may be left out but not null (got null)"),
            id="not-nullable",
        ),
        pytest.param(
            {PARTY: b"[]\n"},
            (PARTY, 1, 1, "expected a JSON object, the body of the API's answer"),
            id="not-an-object",
        ),
        pytest.param(
            {"partners/ar/communicationparty/8170001.yaml": b"herId: 8170001\n"},
            ("partners/ar/communicationparty/8170001.yaml", 1, 1, "not a place of the AR snapshot; files there are"),
            id="unknown-place",
        ),
        pytest.param(
            {"partners/ar/certificate/08170001/signing.json": b"{}"},
            ("partners/ar/certificate/08170001/signing.json", 1, 1, "not a place of the AR snapshot"),
            id="leading-zero",
        ),
        pytest.param(
            {"partners/ar/certificate/8170001/auth.json": b"{}"},
            ("partners/ar/certificate/8170001/auth.json", 1, 1, "not a place of the AR snapshot"),
            id="unknown-certificate",
        ),
        pytest.param(
            {CERT: b'{"thumbprint": null, "certificateValue": null}'},
            (CERT, 1, 1, "certificate of HER-id 8170001, which has no party file in the snapshot"),
            id="orphan-certificate",
        ),
        pytest.param(
            {PARTY: jsontext.dump(_v1()), CERT: b'{"thumbprint": "AB",\n "certificateValue": "MII*"}'},
            (CERT, 2, 22, "'certificateValue': not base64 (format: byte) (got \"MII*\")"),
            id="not-base64",
        ),
        pytest.param(
            {PARTY: jsontext.dump(_v1()), CERT: b'{"thumbprint": "AB",\n "certificateValue": "AAECAw=="}'},
            (CERT, 2, 22, "certificateValue is not a DER X.509 certificate"),
            id="not-der",
        ),
        pytest.param(
            {PARTY: jsontext.dump(_v1()), CERT: b'{"thumbprint": "AB", "certificateValue": null, "x": 1}'},
            (CERT, 1, 48, "unknown key 'x' (the API's Certificate has no such field)"),
            id="certificate-unknown-key",
        ),
    ],
)
def test_malformed_files_are_refused_with_their_location(
    files: dict[str, bytes], expected: tuple[str, int, int, str]
) -> None:
    problems = _problems(files)
    assert len(problems) == 1, problems
    path, line, column, message = problems[0]
    assert (path, line, column) == expected[:3], problems[0]
    assert message.startswith(expected[3]), message


def test_both_shapes_for_one_party_are_refused() -> None:
    legacy = json.loads(shared_ar(LEGACY_FILE).read_bytes())
    v1 = jsontext.dump(_v1(herId=8141705))
    files = {"partners/ar/communicationparty/8141705.json": v1, LEGACY: jsontext.dump(legacy)}
    assert _problems(files) == [
        (LEGACY, 1, 1, "HER-id 8141705 is also in partners/ar/communicationparty/8141705.json; keep one shape")
    ]


def test_legacy_envelope_and_party_must_agree() -> None:
    data = json.loads(shared_ar(LEGACY_FILE).read_bytes())
    data["parentHerId"] = 1
    (problem,) = snapshot.read({LEGACY: jsontext.dump(data)}).problems
    assert problem.message == "ParentHerId is 8141703 but the envelope says 1"
    assert problem.path == LEGACY and problem.line > 1
    data = json.loads(shared_ar(LEGACY_FILE).read_bytes())
    data["communicationParty"]["HerId"] = 8141706
    (problem,) = snapshot.read({LEGACY: jsontext.dump(data)}).problems
    assert problem.message == "herId is 8141706, but the file is for HER-id 8141705"


def test_two_edi_addresses_in_the_legacy_model_are_refused() -> None:
    data = json.loads(shared_ar(LEGACY_FILE).read_bytes())
    edi = {"Address": "a@testedi.nhn.no", "TypeCodeValue": "E_EDI"}
    data["communicationParty"]["ElectronicAddresses"] += [edi, {**edi, "Address": "b@testedi.nhn.no"}]
    (problem,) = snapshot.read({LEGACY: jsontext.dump(data)}).problems
    assert problem.message == "more than one E_EDI address; AR gives a party one"


def test_a_refused_file_takes_nothing_else_with_it(example_files: dict[str, bytes]) -> None:
    files = dict(example_files)
    files[PARTY] = b"{"
    files["partners/ar/notes.txt"] = b"hello"
    reading = snapshot.read(files)
    assert [p.path for p in reading.problems] == [PARTY, "partners/ar/notes.txt"]
    assert reading.snapshot.party(8170001) is None
    assert len(reading.snapshot) == 8
    # Every offered file is either in the snapshot or among the problems.
    used = {p.path for p in reading.snapshot} | {
        c.path for p in reading.snapshot for c in (p.signing, p.encryption) if c is not None
    }
    refused = {p.path for p in reading.problems}
    orphans_of_the_refused = {
        "partners/ar/certificate/8170001/signing.json",
        "partners/ar/certificate/8170001/encryption.json",
    }
    assert used | refused | orphans_of_the_refused == set(files)


def test_problems_are_plain_sorted_values() -> None:
    problems = snapshot.read({"partners/ar/b": b"", "partners/ar/a": b""}).problems
    assert [p.path for p in problems] == ["partners/ar/a", "partners/ar/b"]
    assert str(Problem("p", 3, 4, "m")) == "p:3:4: m"


def test_once_the_findings_are_made_the_files_bytes_go(example_files: dict[str, bytes]) -> None:
    reading = snapshot.read(example_files)
    before = {p.her_id: (p.name, p.edi_address, p.signing_thumbprint) for p in reading.snapshot}
    reading.forget_positions()
    for party in reading.snapshot:
        held = [party.document] + [f.document for f in (party.signing, party.encryption) if f is not None]
        assert all(doc.raw == b"" for doc in held)
        assert (party.name, party.edi_address, party.signing_thumbprint) == before[party.her_id]
        # A position asked for afterwards is a mistake in the code, not a wrong line in a finding.
        with pytest.raises(RuntimeError, match="after its findings were made"):
            party.at("ediAddress")
