"""The example snapshot of the shipped declarations: reproducible to the byte, complete, and with the
two cases the examples need (Bindal not in AR while ordered, Kristiansund's certificates
expiring soon after T)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from cryptography import x509

from ar import make_example_snapshot as maker
from pipeline.ar import snapshot
from pipeline.ar.paths import Entry, Kind

SCRIPT = REPO / "tests" / "ar" / "make_example_snapshot.py"


def _declarations(folder: str) -> list[dict[str, object]]:
    return [yaml.safe_load(p.read_text()) for p in sorted((REPO / "partners" / folder).glob("*.yaml"))]


def _certificate(files: dict[str, bytes], her_id: int, kind: Kind) -> x509.Certificate:
    body = json.loads(files[Entry(her_id, kind).path])
    return x509.load_der_x509_certificate(base64.b64decode(body["certificateValue"]))


def _run(root: Path, *args: str, tz: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TZ": tz, "LC_ALL": "C", "PYTHONHASHSEED": "random"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root), *args], env=env, capture_output=True, text=True, check=False
    )


def test_the_same_bytes_on_every_run(example_files: dict[str, bytes], tmp_path: Path) -> None:
    # --check against a tree that holds exactly what this process made: a second, independent
    # run in another time zone and hash seed must find it identical, byte for byte.
    work = tmp_path / "work"
    (work / "partners").mkdir(parents=True)
    for folder in ("helseforetak", "kommuner"):
        (work / "partners" / folder).symlink_to(REPO / "partners" / folder)
    maker.write(work, example_files)
    check = _run(work, "--check", tz="Pacific/Chatham")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "matches" in check.stdout


def test_check_and_write(example_files: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maker, "generate", lambda root: example_files)  # made once, by the fixture
    (tmp_path / "partners").mkdir()
    for folder in ("helseforetak", "kommuner"):
        (tmp_path / "partners" / folder).symlink_to(REPO / "partners" / folder)
    maker.write(tmp_path, example_files)
    stale = tmp_path / "partners/ar/certificate/1234/signing.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    changed = tmp_path / Entry(8170001, Kind.PARTY).path
    changed.write_bytes(changed.read_bytes().replace(b"Disabled", b"Enabled"))
    assert maker.main(["--root", str(tmp_path), "--check"]) == 1
    assert maker.write(tmp_path, example_files) == [
        f"removed {stale.relative_to(tmp_path)}",
        f"wrote {Entry(8170001, Kind.PARTY).path}",
    ]
    assert not stale.parent.exists()
    assert maker.main(["--root", str(tmp_path), "--check"]) == 0
    assert maker.write(tmp_path, example_files) == []


def test_every_hf_and_every_party_past_planned_is_there_but_bindal(example_files: dict[str, bytes]) -> None:
    reading = snapshot.read(example_files)
    assert reading.problems == ()
    expected = {hf["her_id"] for hf in _declarations("helseforetak")}
    for kommune in _declarations("kommuner"):
        if kommune["status"] != "planned" and kommune["kommune"] != "1811":
            expected |= {p["her_id"] for p in kommune["parties"]}
    assert set(reading.snapshot.parties) == expected
    bindal = next(k for k in _declarations("kommuner") if k["kommune"] == "1811")
    assert bindal["status"] == "ordered"
    assert not any("8180001" in path for path in example_files)


def test_the_examples_meet_k3_on_their_own_dates(example_files: dict[str, bytes]) -> None:
    """Each kommune party: in AR from T-14, its organisation and EDI address as declared, both
    certificates valid from before T-7 (the test messages) and after T."""
    parties = snapshot.read(example_files).snapshot
    for kommune in _declarations("kommuner"):
        if kommune["status"] == "planned" or kommune["kommune"] == "1811":
            continue
        t = kommune["activation"]["date"]
        start_of_t = dt.datetime.combine(t, dt.time(0), maker.OSLO)
        for declared in kommune["parties"]:
            party = parties.party(declared["her_id"])
            assert party is not None
            assert party.organization_number == kommune["org_number"]
            assert party.edi_address == declared["edi_address"]
            assert party.valid_from is not None and party.valid_from <= start_of_t - dt.timedelta(days=14)
            for file in (party.signing, party.encryption):
                assert file is not None and file.certificate is not None
                assert file.certificate.not_before < start_of_t - dt.timedelta(days=7)
                assert file.certificate.not_after > start_of_t + dt.timedelta(days=1)


def test_kristiansund_expires_soon_after_t_and_the_rest_last(example_files: dict[str, bytes]) -> None:
    t = dt.date(2026, 10, 6)
    for kind in (Kind.SIGNING, Kind.ENCRYPTION):
        expiry = _certificate(example_files, 8160101, kind).not_valid_after_utc.date()
        assert t < expiry <= t + dt.timedelta(days=60)
        assert expiry - t == dt.timedelta(days=44)  # midnight of T+45 in Oslo is 23:00 UTC the day before
    for path in example_files:
        entry = maker.paths.parse_path(path)
        assert entry is not None
        if entry.kind in (Kind.SIGNING, Kind.ENCRYPTION) and entry.her_id != 8160101:
            assert _certificate(example_files, entry.her_id, entry.kind).not_valid_after_utc.year == 2049


def test_certificates_come_from_the_test_ca_with_the_right_usage(example_files: dict[str, bytes]) -> None:
    ca = maker.ExampleCa().certificate
    assert ca.subject.rfc4514_string() == "CN=oppkobling TEST CA - not for production,O=oppkobling,C=NO"
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    keys = set()
    for path in example_files:
        entry = maker.paths.parse_path(path)
        assert entry is not None
        if entry.kind is Kind.PARTY:
            continue
        cert = _certificate(example_files, entry.her_id, entry.kind)
        cert.verify_directly_issued_by(ca)
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical
        if entry.kind is Kind.SIGNING:
            assert (usage.value.digital_signature, usage.value.content_commitment) == (True, True)
            assert not usage.value.key_encipherment
        else:
            assert (usage.value.key_encipherment, usage.value.data_encipherment) == (True, True)
            assert not usage.value.digital_signature
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        keys.add(cert.public_key().public_numbers())
    assert len(keys) == len(example_files) * 2 // 3  # a key of its own for each certificate


@pytest.mark.parametrize("label", ["ca"])
def test_keys_are_derived_not_drawn(label: str) -> None:
    assert maker.rsa_key(label).private_numbers() == maker.rsa_key(label).private_numbers()
    assert maker.rsa_key(label).key_size == 2048


def test_the_committed_snapshot_is_what_the_script_makes(
    example_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """partners/ar/ as committed: ``make_example_snapshot.py --check`` on this repository (the
    files made once by the session fixture, which is what the script makes)."""
    monkeypatch.setattr(maker, "generate", lambda root: example_files)
    assert maker.main(["--root", str(REPO), "--check"]) == 0, capsys.readouterr().out
    assert "matches" in capsys.readouterr().out
