"""The client against a local server in the API's shapes: answers, 404, errors as one line, retries
with backoff, timeouts, truncation, the connection bound, bearer tokens and DPoP proofs."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ar.server import TOKEN, ArServer, Fault
from pipeline.ar import client as client_module
from pipeline.ar import paths
from pipeline.ar.auth import Secret
from pipeline.ar.client import Client, Settings
from pipeline.ar.dpop import DpopKey
from pipeline.ar.paths import Entry, Kind
from pipeline.errors import ArError, OppkoblingError

STJORDAL = 8170001
PARTY = Entry(STJORDAL, Kind.PARTY).api_path
SIGNING = Entry(STJORDAL, Kind.SIGNING).api_path
PARTIES = paths.PARTIES_API  # POST: many parties in one answer


@pytest.fixture
def server(example_files: dict[str, bytes]) -> Iterator[ArServer]:
    with ArServer(example_files) as running:
        yield running


def client(server: ArServer, token: str = TOKEN, waits: list[float] | None = None, **settings: float) -> Client:
    """A client of ``server`` with short timeouts; its backoff waits go to ``waits``, not to sleep."""
    fast = {"read_timeout": 2.0, "connect_timeout": 2.0, "backoff": 0.01, **settings}
    sleep = waits.append if waits is not None else (lambda seconds: None)
    return Client(Secret(token), Settings(base_url=server.base_url, **fast), sleep=sleep)


def test_answers_and_404(server: ArServer, example_files: dict[str, bytes]) -> None:
    with client(server) as c:
        (stjordal, bindal) = c.fetch([8180001, STJORDAL])
    assert stjordal.her_id == STJORDAL and bindal.her_id == 8180001
    assert stjordal.party["herId"] == STJORDAL and stjordal.party["type"] == "Service"
    assert stjordal.signing["certificateValue"] and stjordal.encryption["certificateValue"]
    assert bindal.party is None and bindal.signing is None
    # A party that is not in AR costs one request, not three.
    assert [r.path for r in server.requests() if "8180001" in r.path] == ["api/v1/communicationparty/8180001"]
    assert all(r.authorised for r in server.requests())


def test_a_missing_certificate_is_an_answer(server: ArServer) -> None:
    server.answer(SIGNING, None)
    with client(server) as c:
        (answer,) = c.fetch([STJORDAL])
    assert answer.party is not None and answer.signing is None and answer.encryption is not None


@pytest.mark.parametrize("where", [PARTIES, SIGNING])
@pytest.mark.parametrize(
    ("fault", "token", "expected", "requests"),
    [
        (None, "wrong-token", "answered 401 Unauthorized for GET http://127.0.0.1:", 1),
        (Fault(status=403), TOKEN, "answered 403 Forbidden for GET", 1),
        (Fault(status=400), TOKEN, "answered 400 Bad Request for GET", 1),
        (Fault(status=301), TOKEN, "a redirect, not followed", 1),
        (Fault(status=500), TOKEN, "answered 500 Internal Server Error for GET", 3),
        (Fault(status=503), TOKEN, "answered 503 Service Unavailable for GET", 3),
        (Fault(truncate=True), TOKEN, "was cut short (the connection closed mid-answer) (3 tries)", 3),
        (Fault(not_json=True), TOKEN, "is not JSON (1:1: not JSON: Expecting value)", 1),
        (Fault(delay=1.5), TOKEN, "did not answer GET", 3),
    ],
)
def test_errors_are_one_line_and_name_the_url(
    server: ArServer, fault: Fault | None, token: str, expected: str, requests: int, where: str
) -> None:
    """The list of parties (POST) and a certificate (GET) fail alike; a wrong token fails at the
    first request, the list."""
    if fault is not None:
        server.fault(where, fault)
    named = PARTIES if fault is None else where
    method = "POST" if named == PARTIES else "GET"
    with client(server, token, attempts=3, read_timeout=0.5) as c, pytest.raises(ArError) as exc:
        c.fetch([STJORDAL])
    message = str(exc.value)
    assert expected.replace("GET", method) in message
    assert f"{method} {server.base_url}/{named}" in message
    assert "\n" not in message and TOKEN not in message and "wrong-token" not in message
    assert isinstance(exc.value, OppkoblingError) and exc.value.exit_code == 1
    assert len(server.requests(named)) == requests


def test_retries_back_off_then_succeed(server: ArServer) -> None:
    server.fault(PARTIES, Fault(status=502, times=2))
    waits: list[float] = []
    with client(server, waits=waits, attempts=4, backoff=0.1) as c:
        (answer,) = c.fetch([STJORDAL])
    assert waits == [0.1, 0.2]
    assert answer.party["herId"] == STJORDAL
    assert len(server.requests(PARTIES)) == 3 and not server.requests(PARTY)


@pytest.mark.parametrize(("retry_after", "waited"), [("2", 2.0), ("30", 3.0), ("soon", 0.1)])
def test_retry_after_is_honoured_within_the_cap(server: ArServer, retry_after: str, waited: float) -> None:
    server.fault(PARTIES, Fault(status=429, times=1, headers={"Retry-After": retry_after}))
    waits: list[float] = []
    with client(server, waits=waits, backoff=0.1, max_backoff=3.0) as c:
        c.fetch([STJORDAL])
    assert waits == [waited]


def test_a_slow_answer_is_retried(server: ArServer) -> None:
    server.fault(PARTIES, Fault(delay=1.0, times=1))
    with client(server, read_timeout=0.3) as c:
        (answer,) = c.fetch([STJORDAL])
    assert answer.party is not None
    assert len(server.requests(PARTIES)) == 2


def test_the_first_error_stops_the_rest(example_files: dict[str, bytes]) -> None:
    her_ids = sorted({int(p.split("/")[3].removesuffix(".json")) for p in example_files if "/communicationparty/" in p})
    with ArServer(example_files, latency=0.05) as server:
        server.fault(Entry(her_ids[0], Kind.SIGNING).api_path, Fault(status=401))
        with client(server, connections=1) as c, pytest.raises(ArError, match="401"):
            c.fetch(her_ids)
        # One connection: the list, then the failure stops everything queued; a HER-id the other
        # thread had already taken up gets at most its first request.
        assert len(server.requests()) <= 3 and len(server.requests(PARTIES)) == 1


def test_at_most_16_connections_and_more_than_one(example_files: dict[str, bytes]) -> None:
    template = {p: b for p, b in example_files.items() if "8170001" in p}
    files = {
        p.replace("8170001", str(8_500_000 + i)): b.replace(b"8170001", str(8_500_000 + i).encode())
        for i in range(120)
        for p, b in template.items()
    }
    with ArServer(files, latency=0.01) as server:
        with Client(Secret(TOKEN), Settings(base_url=server.base_url)) as c:
            fetched = c.fetch(range(8_500_000, 8_500_120))
        ports = {r.port for r in server.requests()}
    assert len(fetched) == 120 and all(f.party is not None for f in fetched)
    assert [f.her_id for f in fetched] == list(range(8_500_000, 8_500_120))
    assert 1 < len(ports) <= 16
    # Two lists (100 and 20 parties) and two certificates a party: 242 requests, not 360.
    assert [r.method for r in server.requests(PARTIES)] == ["POST", "POST"]
    assert len(server.requests()) == 242


def test_dpop_proofs_with_the_servers_nonce(example_files: dict[str, bytes]) -> None:
    key = DpopKey(ec.generate_private_key(ec.SECP256R1()))
    with ArServer(example_files, dpop=True, require_nonce=True) as server:
        settings = Settings(base_url=server.base_url, backoff=0.0)
        with Client(Secret(TOKEN), settings, key) as c:
            (answer,) = c.fetch([STJORDAL])
        requests = server.requests()
    assert answer.party is not None and answer.signing is not None
    # First the nonce challenge, then every request with a proof the server verified.
    assert [r.authorised for r in requests] == [False, True, True, True]
    assert requests[0].nonce is None and {r.nonce for r in requests[1:]} == {"nonce-1"}


def test_an_ar_without_the_list_is_asked_party_by_party(example_files: dict[str, bytes]) -> None:
    """An AR that answers the POST with 404 (or 405): each HER-id is asked alone, and the answers
    are the same as through the list."""
    wanted = [8180001, STJORDAL, 9990001]
    with ArServer(example_files) as server, client(server) as c:
        listed = c.fetch(wanted)
    with ArServer(example_files, lists=False) as server, client(server) as c:
        alone = c.fetch(wanted)
        asked = server.requests()
    assert [(a.her_id, a.party, a.signing, a.encryption) for a in alone] == [
        (a.her_id, a.party, a.signing, a.encryption) for a in listed
    ]
    assert [r.path for r in asked if r.method == "POST"] == [PARTIES]
    assert {r.path for r in asked if r.method == "GET" and "communicationparty" in r.path} == {
        Entry(h, Kind.PARTY).api_path for h in wanted
    }
    assert alone[0].asked == f"GET {server.base_url}/{PARTY}" and listed[0].asked.startswith("POST ")


def test_a_party_the_list_leaves_out_is_asked_alone(server: ArServer, example_files: dict[str, bytes]) -> None:
    """A list cut short (Trondheim's party left out): it is not "not in AR" on the list's word;
    it is asked alone and found."""
    trondheim = 8150001
    others = json.loads(example_files[Entry(STJORDAL, Kind.PARTY).path])
    server.fault(PARTIES, Fault(body=[others]))
    with client(server) as c:
        (first, second) = c.fetch([trondheim, STJORDAL])
    assert first.party is not None and first.party["herId"] == trondheim and first.signing is not None
    assert second.party == others
    assert [r.path for r in server.requests() if "communicationparty/" in r.path] == [
        Entry(trondheim, Kind.PARTY).api_path
    ]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"herId": STJORDAL}, "a list of communication parties was expected"),
        ([{"herId": 8150001}], "item 0 is HER-id 8150001, which was not asked for"),
        ([{"herId": STJORDAL}, {"herId": STJORDAL}], f"HER-id {STJORDAL} is listed twice"),
        ([{"name": "x"}], "item 0 has no herId"),
    ],
)
def test_a_list_that_is_not_the_one_asked_for_is_refused(server: ArServer, body: object, said: str) -> None:
    server.fault(PARTIES, Fault(body=body))
    with client(server) as c, pytest.raises(ArError) as exc:
        c.fetch([STJORDAL])
    assert str(exc.value) == (
        f"NHN's AR's answer to POST {server.base_url}/{PARTIES} does not fit the API's shape ({said})"
    )


def test_dpop_without_the_key_is_refused(example_files: dict[str, bytes]) -> None:
    with ArServer(example_files, dpop=True) as server, client(server) as c, pytest.raises(ArError, match="401"):
        c.fetch([STJORDAL])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"base_url": "http://cpapi.test.grunndata.nhn.no"}, "plain http only to this machine"),
        ({"base_url": "ftp://127.0.0.1/"}, "is not an http(s) URL"),
        ({"base_url": "https://cpapi.test.grunndata.nhn.no/?x=1"}, "without query"),
        ({"connections": 17}, "between 1 and 16"),
        ({"connections": 0}, "between 1 and 16"),
        ({"attempts": 0}, "attempts must be at least 1"),
    ],
)
def test_settings_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ArError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings(**settings)


def test_the_default_is_nhns_test_environment() -> None:
    assert Settings().base_url == "https://cpapi.test.grunndata.nhn.no"
    assert Settings().url(Entry(8141705, Kind.ENCRYPTION)) == (
        "https://cpapi.test.grunndata.nhn.no/api/v1/certificate/8141705/encryption"
    )
    assert (
        Settings(base_url="http://[::1]:8080/").url(Entry(1, Kind.PARTY))
        == "http://[::1]:8080/api/v1/communicationparty/1"
    )


def test_not_a_her_id(server: ArServer) -> None:
    with client(server) as c, pytest.raises(ArError, match="not a HER-id"):
        c.fetch([0])
    with client(server) as c, pytest.raises(ArError, match="not a HER-id"):
        c.fetch([2**31])


def test_rsa_and_short_dpop_keys() -> None:
    key = DpopKey(rsa.generate_private_key(65537, 2048))
    assert key.alg == "RS256" and key.jwk["kty"] == "RSA"
    with pytest.raises(ArError, match="too short"):
        DpopKey(rsa.generate_private_key(65537, 1024))
    with pytest.raises(ArError, match="curve"):
        DpopKey(ec.generate_private_key(ec.SECP256K1()))


class _Undeclared(socketserver.BaseRequestHandler):
    """An answer without Content-Length, its end the connection's close (HTTP/1.1 allows it)."""

    body = b""

    def handle(self) -> None:
        self.request.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        self.request.sendall(head + self.body)


@pytest.fixture
def undeclared() -> Iterator[tuple[str, type[_Undeclared]]]:
    handler = type("Handler", (_Undeclared,), {})
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as tcp:
        thread = threading.Thread(target=tcp.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{tcp.server_address[1]}", handler
        tcp.shutdown()


@pytest.mark.parametrize("declared", [True, False])
def test_a_body_over_the_limit_is_refused(
    server: ArServer, undeclared: tuple[str, type[_Undeclared]], declared: bool
) -> None:
    """Whether Content-Length says so or the body only turns out longer while it is read."""
    big = ["x" * 1000] * (client_module.MAX_BODY // 1000)
    if declared:
        server.fault(SIGNING, Fault(body=big))
        base_url = server.base_url
    else:
        undeclared[1].body = json.dumps(big).encode()
        base_url = undeclared[0]
    with Client(Secret(TOKEN), Settings(base_url=base_url, attempts=1)) as c, pytest.raises(ArError) as exc:
        c.get(Entry(STJORDAL, Kind.SIGNING))
    assert str(exc.value) == (
        f"NHN's AR's answer to GET {base_url}/{SIGNING} is larger than {client_module.MAX_BODY} bytes"
    )


def test_a_body_without_content_length_is_read_to_its_end(undeclared: tuple[str, type[_Undeclared]]) -> None:
    base_url, handler = undeclared
    handler.body = json.dumps({"herId": STJORDAL, "name": "x" * 200_000}).encode()
    with Client(Secret(TOKEN), Settings(base_url=base_url, attempts=1)) as c:
        assert c.get(Entry(STJORDAL, Kind.PARTY)) == {"herId": STJORDAL, "name": "x" * 200_000}
