"""DPoP proofs (RFC 9449) for the calls to NHN's API, as HelseID's "Formatting DPoP proofs" says:
a JWT signed with the DPoP key, header ``typ: dpop+jwt``, ``alg`` and the public ``jwk``; claims
``jti`` (never reused), ``htm``, ``htu`` (the URL without query or fragment), ``iat``, ``ath``
(base64url of the SHA-256 of the access token) and, when the server asked for one, ``nonce``.

Keys: EC P-256/P-384/P-521 (ES256/ES384/ES512; P-256 is the cheap one for thousands of calls) or
RSA of at least 2048 bits (RS256). How the token itself is had: ``pipeline.ar.auth``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from pipeline.errors import ArError
from pipeline.i18n import _

_CURVES: dict[str, tuple[str, str, hashes.HashAlgorithm, int]] = {
    "secp256r1": ("P-256", "ES256", hashes.SHA256(), 32),
    "secp384r1": ("P-384", "ES384", hashes.SHA384(), 48),
    "secp521r1": ("P-521", "ES512", hashes.SHA512(), 66),
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int(value: int, size: int) -> str:
    return b64url(value.to_bytes(size, "big"))


def htu(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class DpopKey:
    def __init__(self, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> None:
        self._key = key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            if key.curve.name not in _CURVES:
                raise ArError(_("DPoP key: curve {name} is not one of P-256, P-384, P-521").format(name=key.curve.name))
            crv, self.alg, self._hash, self._size = _CURVES[key.curve.name]
            numbers = key.public_key().public_numbers()
            self.jwk = {"kty": "EC", "crv": crv, "x": _int(numbers.x, self._size), "y": _int(numbers.y, self._size)}
        else:
            if key.key_size < 2048:
                raise ArError(
                    _("DPoP key: an RSA key of {key_size} bits is too short (at least 2048)").format(
                        key_size=key.key_size
                    )
                )
            self.alg, self._hash, self._size = "RS256", hashes.SHA256(), 0
            public = key.public_key().public_numbers()
            self.jwk = {"kty": "RSA", "n": _int(public.n, (public.n.bit_length() + 7) // 8), "e": _int(public.e, 3)}
        self._header = b64url(json.dumps({"typ": "dpop+jwt", "alg": self.alg, "jwk": self.jwk}).encode())

    @classmethod
    def from_file(cls, path: Path) -> DpopKey:
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except OSError as exc:
            raise ArError(_("DPoP key {path}: {strerror}").format(path=path, strerror=exc.strerror)) from None
        except (ValueError, TypeError):
            raise ArError(_("DPoP key {path} is not an unencrypted PEM private key").format(path=path)) from None
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise ArError(_("DPoP key {path}: an EC or RSA key is needed").format(path=path))
        return cls(key)

    def proof(self, method: str, url: str, token: str, nonce: str | None = None, now: float | None = None) -> str:
        claims: dict[str, str | int] = {
            "jti": b64url(secrets.token_bytes(16)),
            "htm": method,
            "htu": htu(url),
            "iat": int(time.time() if now is None else now),
            "ath": b64url(hashlib.sha256(token.encode("ascii")).digest()),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        signing_input = f"{self._header}.{b64url(json.dumps(claims).encode())}"
        return f"{signing_input}.{b64url(self._sign(signing_input.encode('ascii')))}"

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(self._hash)))
            return r.to_bytes(self._size, "big") + s.to_bytes(self._size, "big")
        return self._key.sign(data, padding.PKCS1v15(), self._hash)
