"""Writes the example AR snapshot for the shipped declarations: ``partners/ar/...`` in the shapes
NHN's CommunicationParty API returns (v1), with test certificates.

    python tests/ar/make_example_snapshot.py [--root DIR] [--check]

For every HF and every party of every kommune past ``planned``: ``communicationparty/<herId>.json``
and ``certificate/<herId>/signing.json`` / ``encryption.json``. Everything is an EXAMPLE: the
HER-ids of the parents (a kommune's organisation: the first party's HER-id rounded down to a
hundred; an HF's: its party's HER-id + 10), the service type, the certificates.

Two cases the examples need, on purpose:
- Bindal (1811, ``ordered``) is not in AR yet: no files (R-K3 warns while ordered, errs from testing).
- Kristiansund's party certificates expire 45 days after its T: after T, inside the 60-day margin
  (a warning, not an error).

Certificates come from a test CA whose subject says so ("oppkobling TEST CA - not for
production"). They must be the same bytes on every run, since the snapshot is committed data:
- RSA-2048 keys (what Norwegian enterprise certificates and NHN's client use; an encryption key
  must be able to take keyEncipherment) are built from primes found deterministically: candidates
  from SHAKE-256 of a fixed seed and the key's label, sieved by small primes and tested with
  Miller-Rabin on bases from the same stream; ``cryptography`` then checks the key (OpenSSL's
  RSA key check, which tests the primes again). The private keys are as public as the seed:
  these are test keys, never to be trusted for anything.
- Signatures are RSA PKCS#1 v1.5 with SHA-256, which is deterministic; serial numbers are
  derived from the seed; validity dates are fixed.
Key usage (RFC 5280): signing certificates have digitalSignature and nonRepudiation (what NHN's
client checks before it signs, "NonRepudiation"); encryption certificates keyEncipherment and
dataEncipherment (RSA key transport of the content key, "KeyEncipherment" in NHN's client). Both
are end-entity certificates (basicConstraints CA false) with key identifiers; the CA has
keyCertSign and cRLSign.
Validity: the CA and the certificates from 2025-01-01 until the end of 2049 (the last year
UTCTime can say), so the shipped examples stay valid on any later date as long as they can;
Kristiansund's are the exception above.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import functools
import hashlib
import math
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from pipeline.ar import jsontext, paths
from pipeline.ar.certificates import thumbprint
from pipeline.ar.paths import Entry, Kind

REPO = Path(__file__).resolve().parents[2]
SEED = b"oppkobling example AR snapshot, test keys, v1"
CA_NAME = "oppkobling TEST CA - not for production"
OSLO = ZoneInfo("Europe/Oslo")
UTC = dt.UTC

NOT_BEFORE = dt.datetime(2025, 1, 1, tzinfo=UTC)
CA_NOT_AFTER = dt.datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)
NOT_AFTER = dt.datetime(2049, 12, 31, 23, 59, 58, tzinfo=UTC)
HF_VALID_FROM = dt.date(2025, 1, 1)
NO_END = dt.date(9999, 12, 31)  # how AR writes an open end (NHN's legacy file)

PAST_PLANNED = {"ordered", "testing", "active", "paused", "withdrawn"}
MISSING_FROM_AR = "1811"  # Bindal: ordered, party not published yet
EXPIRING_SOON = ("1505", 45)  # Kristiansund: certificates expire T + 45 days
SERVICE_TYPE = {"codeListId": "8666", "value": "00", "name": "EKSEMPEL - ikke kontrollert mot kodeverket"}

RSA_BITS = 2048
_E = 65537
_SMALL_PRIMES = math.prod(p for p in range(3, 1 << 14, 2) if all(p % q for q in range(3, math.isqrt(p) + 1, 2)))


def _stream(label: str) -> Iterator[int]:
    """Deterministic 1024-bit blocks for one key, as integers."""
    counter = 0
    while True:
        block = hashlib.shake_256(SEED + b"\0" + label.encode() + counter.to_bytes(8, "big")).digest(128)
        yield int.from_bytes(block, "big")
        counter += 1


def _probable_prime(n: int, bases: Iterator[int], rounds: int = 8) -> bool:
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(2 + next(bases) % (n - 3), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(label: str, bits: int) -> int:
    blocks = _stream(label)
    while True:
        candidate = (next(blocks) >> (1024 - bits)) | (3 << (bits - 2)) | 1  # top two bits: n has 2*bits bits
        if math.gcd(candidate, _SMALL_PRIMES) == 1 and (candidate - 1) % _E and _probable_prime(candidate, blocks):
            return candidate


@functools.cache
def rsa_key(label: str) -> rsa.RSAPrivateKey:
    """The test key named ``label``, the same on every run."""
    p = _prime(f"{label}/p", RSA_BITS // 2)
    q = _prime(f"{label}/q", RSA_BITS // 2)
    d = pow(_E, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(_E, p * q)
    )
    return numbers.private_key()


def _serial(label: str) -> int:
    return int.from_bytes(hashlib.sha256(SEED + b"\0serial\0" + label.encode()).digest()[:16], "big") >> 1 | 1


def _name(common_name: str, organisation: str | None = None, org_number: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "NO")]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if org_number:  # SEID 2.0: the organisation number as organizationIdentifier
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRNO-{org_number}"))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


class ExampleCa:
    def __init__(self) -> None:
        self.key = rsa_key("ca")
        self.name = _name(CA_NAME, "oppkobling")
        ski = x509.SubjectKeyIdentifier.from_public_key(self.key.public_key())
        self.aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(_serial("ca"))
            .not_valid_before(NOT_BEFORE)
            .not_valid_after(CA_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(ski, critical=False)
            .sign(self.key, hashes.SHA256(), rsa_padding=padding.PKCS1v15())
        )

    def issue(
        self,
        label: str,
        subject: x509.Name,
        usage: x509.KeyUsage,
        not_after: dt.datetime,
        key: rsa.RSAPrivateKey | None = None,
    ) -> bytes:
        """A certificate for the key named ``label`` (or for ``key``, given one)."""
        key = key or rsa_key(label)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(_serial(label))
            .not_valid_before(NOT_BEFORE)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(self.aki, critical=False)
            .sign(self.key, hashes.SHA256(), rsa_padding=padding.PKCS1v15())
        )
        return cert.public_bytes(serialization.Encoding.DER)


def _usage(**on: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


SIGNING = _usage(digital_signature=True, content_commitment=True)
ENCRYPTION = _usage(key_encipherment=True, data_encipherment=True)


def _z(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _midnight(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(0), OSLO).isoformat()


@dataclass(frozen=True)
class Spec:
    """One communication party as the example AR holds it."""

    her_id: int
    name: str
    edi_address: str
    parent: tuple[int, str, str]  # herId, name, organisation number
    valid_from: dt.date
    not_after: dt.datetime


def _party_files(ca: ExampleCa, spec: Spec, key: rsa.RSAPrivateKey | None) -> dict[str, Any]:
    her_id, name, edi_address, not_after = spec.her_id, spec.name, spec.edi_address, spec.not_after
    parent_her_id, parent_name, org_number = spec.parent
    subject = _name(f"HER-id {her_id}" if key else name, parent_name, org_number)
    files: dict[str, Any] = {}
    current: dict[Kind, dict[str, str]] = {}
    for kind, usage in ((Kind.SIGNING, SIGNING), (Kind.ENCRYPTION, ENCRYPTION)):
        der = ca.issue(f"{her_id}/{kind}", subject, usage, not_after, key)
        meta = {"thumbprint": thumbprint(der), "validFrom": _z(NOT_BEFORE), "validTo": _z(not_after)}
        current[kind] = meta
        files[Entry(her_id, kind).path] = {**meta, "certificateValue": base64.b64encode(der).decode("ascii")}
    files[Entry(her_id, Kind.PARTY).path] = {
        "herId": her_id,
        "name": name,
        "type": "Service",
        "serviceDetails": {
            "serviceType": SERVICE_TYPE,
            "parentOrganization": {"herId": parent_her_id, "name": parent_name, "organizationNumber": org_number},
        },
        "ediAddress": edi_address,
        # ebXML over SMTP (E_EDI), not NHN's AMQP service bus.
        "amqpTransportStatus": "Disabled",
        "currentSigningCertificate": current[Kind.SIGNING],
        "currentEncryptionCertificate": current[Kind.ENCRYPTION],
        "validFrom": _midnight(spec.valid_from),
        "validTo": _midnight(NO_END),
    }
    return files


def _declarations(root: Path, folder: str) -> list[tuple[str, dict[str, Any]]]:
    found = sorted((root / "partners" / folder).glob("*.yaml"))
    return [(p.relative_to(root).as_posix(), yaml.safe_load(p.read_text(encoding="utf-8"))) for p in found]


def specs(
    hfs: Iterable[Mapping[str, Any]], kommuner: Iterable[Mapping[str, Any]], *, examples: bool = True
) -> list[Spec]:
    """Every HF and every party of every kommune past ``planned`` (declarations as plain data);
    with ``examples``, the two cases of the shipped examples (Bindal left out, Kristiansund's
    certificates expiring T + 45 days), which must then be there."""
    found = [
        Spec(
            her_id=hf["her_id"],
            name=f"{hf['name']} - meldingsmottak",
            edi_address=hf["edi_address"],
            parent=(hf["her_id"] + 10, hf["name"], hf["org_number"]),
            valid_from=HF_VALID_FROM,
            not_after=NOT_AFTER,
        )
        for hf in hfs
    ]
    seen_missing = seen_expiring = False
    for kommune in kommuner:
        number, status = kommune["kommune"], kommune["status"]
        if examples and number == MISSING_FROM_AR:
            if status != "ordered":
                raise SystemExit(f"kommune {number}: the example 'missing from AR while ordered' needs status ordered")
            seen_missing = True
            continue
        if status not in PAST_PLANNED:
            continue
        not_after = NOT_AFTER
        t = (kommune.get("activation") or {}).get("date")
        if examples and number == EXPIRING_SOON[0]:
            day = t + dt.timedelta(days=EXPIRING_SOON[1])
            not_after = dt.datetime.combine(day, dt.time(0), OSLO).astimezone(UTC)
            seen_expiring = True
        parties = kommune.get("parties") or []
        if not parties:
            continue
        parent_her_id = min(p["her_id"] for p in parties) // 100 * 100
        for party in parties:
            published = party.get("ar_published_on") or (t - dt.timedelta(days=20) if t else HF_VALID_FROM)
            found.append(
                Spec(
                    her_id=party["her_id"],
                    name=party["name"],
                    edi_address=party["edi_address"],
                    parent=(parent_her_id, f"{kommune['name']} kommune", kommune["org_number"]),
                    valid_from=published,
                    not_after=not_after,
                )
            )
    if examples and not (seen_missing and seen_expiring):
        raise SystemExit(f"the declarations of {MISSING_FROM_AR} and {EXPIRING_SOON[0]} are needed for the examples")
    return found


def files_for(chosen: Iterable[Spec], *, shared_key: bool = False) -> dict[str, bytes]:
    """The snapshot files of these parties. ``shared_key``: one key for every certificate
    (quick: for synthetic and generated test data, never for the committed examples, whose
    certificates each have a key of their own)."""
    ca = example_ca()
    key = rsa_key("shared") if shared_key else None
    data: dict[str, Any] = {}
    for spec in chosen:
        data |= _party_files(ca, spec, key)
    return {path: jsontext.dump(data[path]) for path in sorted(data)}


@functools.cache
def example_ca() -> ExampleCa:
    return ExampleCa()


def generate(root: Path) -> dict[str, bytes]:
    """``{repository-relative path: bytes}`` of the example snapshot for the declarations in ``root``."""
    hfs = [doc for _, doc in _declarations(root, "helseforetak")]
    kommuner = [doc for _, doc in _declarations(root, "kommuner")]
    return files_for(specs(hfs, kommuner))


def quick(root: Path) -> dict[str, bytes]:
    """A snapshot for every HF and party past ``planned`` in ``root``, with one shared key."""
    hfs = [doc for _, doc in _declarations(root, "helseforetak")]
    kommuner = [doc for _, doc in _declarations(root, "kommuner")]
    return files_for(specs(hfs, kommuner, examples=False), shared_key=True)


def _on_disk(root: Path) -> dict[str, bytes]:
    base = root / paths.SNAPSHOT_DIR
    found = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in found}


def write(root: Path, files: Mapping[str, bytes]) -> list[str]:
    """Make ``partners/ar/`` hold exactly ``files``; returns what changed."""
    changed = []
    current = _on_disk(root)
    for path in sorted(set(current) - set(files)):
        (root / path).unlink()
        changed.append(f"removed {path}")
    for path, content in files.items():
        if current.get(path) != content:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            changed.append(f"wrote {path}")
    for folder in sorted((root / paths.SNAPSHOT_DIR).rglob("*"), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO, help="repository root (default: this repository)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if partners/ar/ differs")
    args = parser.parse_args(argv)
    files = generate(args.root)
    if args.check:
        differs = _on_disk(args.root) != files
        print(f"{paths.SNAPSHOT_DIR}/ {'differs from' if differs else 'matches'} what this script makes")
        return 1 if differs else 0
    for line in write(args.root, files) or ["nothing changed"]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
