"""The certificates AR publishes, parsed with ``cryptography``: who, by whom, when, for what.

Thumbprint: AR states a certificate by its thumbprint (``CertificateMetadata.thumbprint`` on
the party, ``Certificate.thumbprint`` beside the DER). The extract types it only as a string,
and NHN's pages and NHN's own client (Helsenorge.Messaging) say no more; the API is an ASP.NET
service, whose ``X509Certificate2.Thumbprint`` is the SHA-1 digest of the DER encoding written
as 40 upper-case hexadecimal digits without separators. That is the form ``thumbprint`` gives.
A stated thumbprint is compared after dropping spaces and colons and ignoring case (the forms
people paste from Windows and OpenSSL); a 64-digit one is taken as SHA-256.

NHN's documentation says the API returns certificates as stored, unvalidated: expiry, key usage
and the rest are for the consumer to check. The checks themselves are rules (R-K3); this module
only says what the certificate is.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pipeline.i18n import _

# X.509's names (RFC 5280 4.2.1.3), as message coordinators and NHN's client spell them.
_KEY_USAGE = {
    "digital_signature": "digitalSignature",
    "content_commitment": "nonRepudiation",
    "key_encipherment": "keyEncipherment",
    "data_encipherment": "dataEncipherment",
    "key_agreement": "keyAgreement",
    "key_cert_sign": "keyCertSign",
    "crl_sign": "cRLSign",
}
_AGREEMENT_ONLY = {"encipher_only": "encipherOnly", "decipher_only": "decipherOnly"}

_SEPARATORS = re.compile(r"[\s:]")


class CertificateError(ValueError):
    """Bytes that are not a DER X.509 certificate."""


@dataclass(frozen=True)
class ParsedCertificate:
    der: bytes
    serial_number: int
    not_before: dt.datetime
    not_after: dt.datetime
    key_usage: frozenset[str]
    thumbprint: str
    sha256: str

    # Names and key are worked out when shown (a national snapshot holds thousands of
    # certificates, and R-K3 needs only their dates, usage and thumbprints).
    @functools.cached_property
    def _x509(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der)

    @property
    def subject(self) -> str:
        return self._x509.subject.rfc4514_string()

    @property
    def issuer(self) -> str:
        return self._x509.issuer.rfc4514_string()

    @property
    def public_key(self) -> str:
        return _public_key(self._x509)

    def matches(self, stated: str | None) -> bool:
        """Whether a thumbprint AR states is this certificate's."""
        if stated is None:
            return False
        wanted = _SEPARATORS.sub("", stated).upper()
        return wanted in (self.thumbprint, self.sha256)

    def valid_at(self, moment: dt.datetime) -> bool:
        return self.not_before <= moment <= self.not_after


def thumbprint(der: bytes) -> str:
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def _key_usage(cert: x509.Certificate) -> frozenset[str]:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return frozenset()
    names = {name for attr, name in _KEY_USAGE.items() if getattr(usage, attr)}
    if usage.key_agreement:  # the two others are defined (and readable) only with keyAgreement
        names |= {name for attr, name in _AGREEMENT_ONLY.items() if getattr(usage, attr)}
    return frozenset(names)


def _public_key(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    return type(key).__name__


def parse_certificate(der: bytes) -> ParsedCertificate:
    try:
        cert = x509.load_der_x509_certificate(der)
        cert.public_key()  # an unreadable key is refused now, not when it is shown
        return ParsedCertificate(
            der=der,
            serial_number=cert.serial_number,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            key_usage=_key_usage(cert),
            thumbprint=thumbprint(der),
            sha256=hashlib.sha256(der).hexdigest().upper(),
        )
    except ValueError:  # cryptography's way of saying "not DER", also for a malformed extension
        raise CertificateError(_("certificateValue is not a DER X.509 certificate")) from None
