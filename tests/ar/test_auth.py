"""The token (environment or command, never shown) and the DPoP proofs."""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from pipeline.ar.auth import TOKEN_ENV, Secret, token
from pipeline.ar.dpop import DpopKey, htu
from pipeline.errors import ArError

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def python(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def test_from_the_environment() -> None:
    assert token({TOKEN_ENV: f"  {TOKEN}\n"}).reveal() == TOKEN


def test_from_a_command_before_the_environment() -> None:
    secret = token({TOKEN_ENV: "ignored"}, python(f"print({TOKEN!r})"))
    assert secret.reveal() == TOKEN


def test_never_shown() -> None:
    secret = Secret(TOKEN)
    assert TOKEN not in repr(secret) and TOKEN not in str(secret) and TOKEN not in f"{secret}"
    assert TOKEN not in repr([secret])


@pytest.mark.parametrize(
    ("environ", "command", "message"),
    [
        ({}, None, f"no token for NHN's AR API: set ${TOKEN_ENV} or give --token-command"),
        ({TOKEN_ENV: ""}, None, f"${TOKEN_ENV} gave an empty token"),
        ({TOKEN_ENV: "two words"}, None, "did not give a token"),
        ({}, python(f"import sys; print({TOKEN!r}); sys.exit(3)"), "--token-command exited with status 3"),
        ({}, python("print('Bearer x\\nmore')"), "--token-command did not give a token"),
        ({}, python("import sys; sys.stdout.buffer.write(b'\\xe6')"), "not ASCII"),
        ({}, "/nonexistent/helseid-token", "not found"),
        ({}, "", "--token-command is empty"),
    ],
)
def test_refused(environ: dict[str, str], command: str | None, message: str) -> None:
    with pytest.raises(ArError) as exc:
        token(environ, command)
    assert message in str(exc.value)
    assert TOKEN not in str(exc.value)


def test_a_command_that_hangs() -> None:
    with pytest.raises(ArError, match=r"did not finish within 0\.5 s"):
        token({}, python("import time; time.sleep(10)"), timeout=0.5)


def _decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_an_ec_proof_as_helseid_describes_it() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    key = DpopKey(private)
    proof = key.proof(
        "GET", "https://cpapi.test.grunndata.nhn.no/api/v1/communicationparty/1?x=1#f", TOKEN, "n-1", now=1700000000.9
    )
    head, claims, signature = proof.split(".")
    header = json.loads(_decode(head))
    payload = json.loads(_decode(claims))
    assert header == {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.jwk}
    assert set(key.jwk) == {"kty", "crv", "x", "y"} and key.jwk["crv"] == "P-256"
    assert payload["htm"] == "GET"
    assert payload["htu"] == "https://cpapi.test.grunndata.nhn.no/api/v1/communicationparty/1"
    assert payload["iat"] == 1700000000 and payload["nonce"] == "n-1"
    assert _decode(payload["ath"]) == hashlib.sha256(TOKEN.encode()).digest()
    raw = _decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    private.public_key().verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    # A fresh jti every time.
    assert json.loads(_decode(key.proof("GET", "https://x/", TOKEN).split(".")[1]))["jti"] != payload["jti"]


def test_an_rsa_proof_from_a_pem_file(tmp_path: Path) -> None:
    private = rsa.generate_private_key(65537, 2048)
    pem = tmp_path / "dpop.pem"
    pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key = DpopKey.from_file(pem)
    head, claims, signature = key.proof("GET", "https://x/y", TOKEN).split(".")
    assert json.loads(_decode(head))["alg"] == "RS256"
    assert "nonce" not in json.loads(_decode(claims))
    private.public_key().verify(_decode(signature), f"{head}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())


def test_bad_key_files(tmp_path: Path) -> None:
    with pytest.raises(ArError, match="No such file"):
        DpopKey.from_file(tmp_path / "missing.pem")
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(ArError, match="not an unencrypted PEM private key"):
        DpopKey.from_file(tmp_path / "bad.pem")


def test_htu_drops_query_and_fragment() -> None:
    assert htu("https://h:8443/a/b?c=d#e") == "https://h:8443/a/b"
