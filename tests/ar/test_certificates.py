"""Certificates parsed with cryptography: who, by whom, when, for what, and the thumbprint AR states."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pipeline.ar.certificates import CertificateError, parse_certificate, thumbprint

STJORDAL_SIGNING = "partners/ar/certificate/8170001/signing.json"


def _der(files: dict[str, bytes], path: str) -> bytes:
    return base64.b64decode(json.loads(files[path])["certificateValue"])


def test_fields_of_an_example_certificate(example_files: dict[str, bytes]) -> None:
    der = _der(example_files, STJORDAL_SIGNING)
    cert = parse_certificate(der)
    reference = x509.load_der_x509_certificate(der)
    assert cert.subject == "CN=Stjørdal kommune - Helse og velferd,2.5.4.97=NTRNO-939958851,O=Stjørdal kommune,C=NO"
    assert cert.issuer == "CN=oppkobling TEST CA - not for production,O=oppkobling,C=NO"
    assert cert.serial_number == reference.serial_number
    assert cert.not_before == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert cert.not_after == reference.not_valid_after_utc
    assert cert.key_usage == {"digitalSignature", "nonRepudiation"}
    assert cert.public_key == "RSA 2048"
    assert cert.thumbprint == hashlib.sha1(der).hexdigest().upper()
    assert len(cert.thumbprint) == 40


def test_thumbprint_as_ar_states_it(example_files: dict[str, bytes]) -> None:
    body = json.loads(example_files[STJORDAL_SIGNING])
    cert = parse_certificate(base64.b64decode(body["certificateValue"]))
    stated = body["thumbprint"]
    assert stated == cert.thumbprint == thumbprint(cert.der)
    assert cert.matches(stated.lower())
    assert cert.matches(":".join(stated[i : i + 2] for i in range(0, 40, 2)))
    assert cert.matches(" ".join(stated[i : i + 4] for i in range(0, 40, 4)))
    assert cert.matches(hashlib.sha256(cert.der).hexdigest())
    assert not cert.matches(stated[:-1] + ("0" if stated[-1] != "0" else "1"))
    assert not cert.matches(None)
    assert not cert.matches("")


def test_encryption_certificate_key_usage(example_files: dict[str, bytes]) -> None:
    cert = parse_certificate(_der(example_files, STJORDAL_SIGNING.replace("signing", "encryption")))
    assert cert.key_usage == {"keyEncipherment", "dataEncipherment"}


def test_a_certificate_without_key_usage_and_with_an_ec_key() -> None:
    key = ec.derive_private_key(12345, ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "no usage")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
        .sign(key, hashes.SHA256())
    )
    parsed = parse_certificate(cert.public_bytes(serialization.Encoding.DER))
    assert parsed.key_usage == frozenset()
    assert parsed.public_key == "EC secp256r1"
    assert parsed.valid_at(dt.datetime(2026, 1, 15, tzinfo=dt.UTC))
    assert not parsed.valid_at(dt.datetime(2026, 2, 2, tzinfo=dt.UTC))


@pytest.mark.parametrize("der", [b"", b"\x00\x01", b"0\x82\x01\x00" + b"\x00" * 10])
def test_not_a_certificate(der: bytes) -> None:
    with pytest.raises(CertificateError, match=r"not a DER X\.509 certificate"):
        parse_certificate(der)
