"""A stand-in for NHN's CommunicationParty API on 127.0.0.1, started by the tests themselves.

It answers from a snapshot (``{partners/ar/... path: bytes}``, the recorded shapes) at the API's
paths, compact and in the file's own key order (so the client's canonical form is really made
by the client), with ASP.NET-style problem bodies for errors. Faults are set per API path:
a status (always, or a number of times), a slow answer, a body cut short of its
Content-Length, a body that is not JSON. It checks the token (``Bearer``), or the DPoP proof
(signature with the proof's own key, ``htm``, ``htu``, ``ath``, unused ``jti``, and, when asked
to, a nonce it hands out with a 401 first), and records every request with its connection.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import socketserver
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from pipeline.ar import paths

TOKEN = "test-token.not-a-secret"


@dataclass
class Fault:
    status: int | None = None
    times: int | None = None  # None: every time
    delay: float = 0.0
    truncate: bool = False
    not_json: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # answered instead of the snapshot's (a list AR should not send, say)


@dataclass(frozen=True)
class Request:
    path: str
    port: int
    authorised: bool
    nonce: str | None = None
    method: str = "GET"


@dataclass
class _State:
    answers: dict[str, bytes]
    token: str
    latency: float
    dpop: bool
    require_nonce: bool
    lists: bool = True  # answers POST api/v1/communicationparty (False: an AR without it, 404)
    faults: dict[str, Fault] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    jtis: set[str] = field(default_factory=set)
    nonce: str = "nonce-1"
    lock: threading.Lock = field(default_factory=threading.Lock)


def _problem(status: int, title: str) -> bytes:
    return json.dumps({"type": "https://tools.ietf.org/html/rfc9110", "title": title, "status": status}).encode()


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle's algorithm holds the body until
    # the client's delayed ACK (40 ms), a stall no real server has.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self, state: _State, url: str, method: str) -> tuple[bool, str | None, bool]:
        """(token and proof good, nonce the proof carried, whether only the nonce was missing)"""
        header = self.headers.get("Authorization", "")
        if not state.dpop:
            return header == f"Bearer {state.token}", None, False
        if header != f"DPoP {state.token}":
            return False, None, False
        try:
            head, claims, signature = self.headers.get("DPoP", "").split(".")
            h, c = json.loads(_b64(head)), json.loads(_b64(claims))
            jwk = h["jwk"]
            assert h["typ"] == "dpop+jwt" and h["alg"] == "ES256" and jwk["crv"] == "P-256"
            key = ec.EllipticCurvePublicNumbers(
                int.from_bytes(_b64(jwk["x"]), "big"), int.from_bytes(_b64(jwk["y"]), "big"), ec.SECP256R1()
            ).public_key()
            raw = _b64(signature)
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
            key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
            ath = base64.urlsafe_b64encode(hashlib.sha256(state.token.encode()).digest()).rstrip(b"=").decode()
            assert c["htm"] == method and c["htu"] == url and c["ath"] == ath and abs(c["iat"] - time.time()) < 60
            with state.lock:
                assert c["jti"] not in state.jtis
                state.jtis.add(c["jti"])
        except Exception:
            return False, None, False
        nonce = c.get("nonce")
        if state.require_nonce and nonce != state.nonce:
            return False, nonce, True
        return True, nonce, False

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _listed(self, state: _State, api_path: str) -> bytes | None:
        """The answer to POST api/v1/communicationparty: the parties of the HER-ids asked for that
        the snapshot has, in the order asked, as AR lists them; None for a 404."""
        length = self.headers.get("Content-Length", "0")
        raw = self.rfile.read(int(length) if length.isdigit() else 0)
        if api_path != paths.PARTIES_API or not state.lists:
            return None
        asked = json.loads(raw)["herIds"]
        with state.lock:
            found = [state.answers.get(paths.Entry(h, paths.Kind.PARTY).api_path) for h in asked]
        return b"[" + b",".join(b for b in found if b is not None) + b"]"

    def _serve(self, method: str) -> None:
        state = self.server.state
        api_path = self.path.split("?", 1)[0].lstrip("/")
        url = f"http://{self.headers.get('Host')}/{api_path}"
        listed = self._listed(state, api_path) if method == "POST" else None
        ok, nonce, wants_nonce = self._authorised(state, url, method)
        with state.lock:
            state.requests.append(Request(api_path, self.client_address[1], ok, nonce, method))
            fault = state.faults.get(api_path)
            if fault is not None and fault.times is not None:
                if fault.times <= 0:
                    fault = None
                else:
                    fault.times -= 1
        if state.latency:
            time.sleep(state.latency)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if wants_nonce:
            challenge = {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": state.nonce}
            self._send(401, _problem(401, "Unauthorized"), challenge)
            return
        if not ok:
            self._send(401, _problem(401, "Unauthorized"), {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return
        if fault is not None and fault.status is not None:
            self._send(fault.status, _problem(fault.status, "fault"), fault.headers)
            return
        body = listed if method == "POST" else state.answers.get(api_path)
        if fault is not None and fault.body is not None:
            body = json.dumps(fault.body).encode()
        if body is None:
            self._send(404, _problem(404, "Not Found"))
            return
        if fault is not None and fault.not_json:
            self._send(200, b"<html><body>Service Unavailable</body></html>")
            return
        if fault is not None and fault.truncate:
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self._send(200, body)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:  # a client that gave up: fine
        pass


class ArServer:
    def __init__(
        self,
        files: Mapping[str, bytes],
        *,
        token: str = TOKEN,
        latency: float = 0.0,
        dpop: bool = False,
        require_nonce: bool = False,
        lists: bool = True,
    ) -> None:
        answers = {}
        for path, raw in files.items():
            entry = paths.parse_path(path)
            assert entry is not None, path
            answers[entry.api_path] = json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False).encode()
        self.state = _State(answers, token, latency, dpop, require_nonce, lists)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, api_path: str, body: Any | None) -> None:
        """Change what AR answers (None: 404 from now on)."""
        with self.state.lock:
            if body is None:
                self.state.answers.pop(api_path, None)
            else:
                self.state.answers[api_path] = json.dumps(body).encode()

    def fault(self, api_path: str, fault: Fault) -> None:
        with self.state.lock:
            self.state.faults[api_path] = fault

    def requests(self, api_path: str | None = None) -> list[Request]:
        with self.state.lock:
            return [r for r in self.state.requests if api_path is None or r.path == api_path]

    def __enter__(self) -> ArServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
