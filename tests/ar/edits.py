"""Changing an AR snapshot the way AR itself would change, for rule cases and tests: a value set,
a file gone, a certificate re-issued by the example test CA (same key and subject, new validity or
key usage, and the thumbprints AR states updated with it), NHN's own file from ../shared placed.

Every function takes and returns ``{repository path: bytes}`` of the snapshot (and anything else)
in the canonical form ``ar sync`` writes, so line numbers in a case's expectations are stable.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from ar import make_example_snapshot as maker
from pipeline.ar import jsontext, paths
from pipeline.ar.certificates import thumbprint
from pipeline.ar.paths import Entry, Kind

Files = dict[str, bytes]


def ar_path(relative: str) -> str:
    return f"{paths.SNAPSHOT_DIR}/{relative}"


def _load(files: Mapping[str, bytes], path: str) -> Any:
    if path not in files:
        raise KeyError(f"{path} is not in the snapshot")
    return json.loads(files[path])


def _pointer(document: Any, dotted: str) -> tuple[Any, str | int]:
    *parents, last = [int(p) if p.isdigit() else p for p in dotted.split(".")]
    for part in parents:
        document = document[part]
    return document, last


def set_value(files: Mapping[str, bytes], relative: str, dotted: str, value: Any) -> Files:
    """``relative`` (below partners/ar/) with the value at ``dotted`` (``a.b.0.c``) set."""
    path = ar_path(relative)
    document = _load(files, path)
    holder, key = _pointer(document, dotted)
    holder[key] = value
    return {**files, path: jsontext.dump(document)}


def delete(files: Mapping[str, bytes], relative: str, dotted: str | None = None) -> Files:
    """``relative`` removed, or only the key at ``dotted`` in it; a bare HER-id removes all its files."""
    if relative.isdigit():
        gone = {e.path for e in paths.entries(int(relative))}
        return {p: b for p, b in files.items() if p not in gone}
    path = ar_path(relative)
    if dotted is None:
        _load(files, path)
        return {p: b for p, b in files.items() if p != path}
    document = _load(files, path)
    holder, key = _pointer(document, dotted)
    del holder[key]
    return {**files, path: jsontext.dump(document)}


def _oslo_midnight(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(0), maker.OSLO).astimezone(maker.UTC)


USAGES = {
    "digitalSignature": "digital_signature",
    "nonRepudiation": "content_commitment",
    "keyEncipherment": "key_encipherment",
    "dataEncipherment": "data_encipherment",
    "keyAgreement": "key_agreement",
}


def reissue(files: Mapping[str, bytes], her_id: int, kind: Kind, **changes: str) -> Files:
    """The party's certificate of ``kind`` issued again by the example CA with the same key and
    subject and ``not_before``/``not_after`` (days, 00:00 Europe/Oslo) or ``usage`` (names, comma
    separated) changed; the certificate file and the party's current-certificate metadata say so."""
    path = Entry(her_id, kind).path
    body = _load(files, path)
    old = x509.load_der_x509_certificate(base64.b64decode(body["certificateValue"]))
    ca = maker.example_ca()
    not_before = _oslo_midnight(changes["not_before"]) if "not_before" in changes else old.not_valid_before_utc
    not_after = _oslo_midnight(changes["not_after"]) if "not_after" in changes else old.not_valid_after_utc
    if "usage" in changes:
        usage = maker._usage(**{USAGES[name]: True for name in changes["usage"].split(",")})
    else:
        usage = old.extensions.get_extension_for_class(x509.KeyUsage).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(ca.name)
        .public_key(old.public_key())
        .serial_number(old.serial_number + 1)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(ca.key, hashes.SHA256(), rsa_padding=padding.PKCS1v15())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    meta = {"thumbprint": thumbprint(der), "validFrom": maker._z(not_before), "validTo": maker._z(not_after)}
    out = dict(files)
    out[path] = jsontext.dump({**meta, "certificateValue": base64.b64encode(der).decode("ascii")})
    party = Entry(her_id, Kind.PARTY).path
    if party in out:
        field = "currentSigningCertificate" if kind is Kind.SIGNING else "currentEncryptionCertificate"
        document = json.loads(out[party])
        document[field] = meta
        out[party] = jsontext.dump(document)
    return out


def place(files: Mapping[str, bytes], relative: str, raw: bytes) -> Files:
    """A file placed as it is (NHN's own, or a broken one)."""
    return {**files, ar_path(relative): raw}
