"""The client against a local server in the API's shapes: answers, 404, errors as one line, retries
with backoff, timeouts, truncation, the connection bound, bearer tokens and DPoP proofs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ar.server import TOKEN, ArServer, Fault
from pipeline.ar.auth import Secret
from pipeline.ar.client import Client, Settings
from pipeline.ar.dpop import DpopKey
from pipeline.ar.paths import Entry, Kind
from pipeline.errors import ArError, OppkoblingError

STJORDAL = 8170001
PARTY = Entry(STJORDAL, Kind.PARTY).api_path
SIGNING = Entry(STJORDAL, Kind.SIGNING).api_path


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
    server: ArServer, fault: Fault | None, token: str, expected: str, requests: int
) -> None:
    if fault is not None:
        server.fault(PARTY, fault)
    with client(server, token, attempts=3, read_timeout=0.5) as c, pytest.raises(ArError) as exc:
        c.fetch([STJORDAL])
    message = str(exc.value)
    assert expected in message
    assert f"{server.base_url}/{PARTY}" in message
    assert "\n" not in message and TOKEN not in message and "wrong-token" not in message
    assert isinstance(exc.value, OppkoblingError) and exc.value.exit_code == 1
    assert len(server.requests(PARTY)) == requests


def test_retries_back_off_then_succeed(server: ArServer) -> None:
    server.fault(PARTY, Fault(status=502, times=2))
    waits: list[float] = []
    with client(server, waits=waits, attempts=4, backoff=0.1) as c:
        (answer,) = c.fetch([STJORDAL])
    assert waits == [0.1, 0.2]
    assert answer.party["herId"] == STJORDAL
    assert len(server.requests(PARTY)) == 3


@pytest.mark.parametrize(("retry_after", "waited"), [("2", 2.0), ("30", 3.0), ("soon", 0.1)])
def test_retry_after_is_honoured_within_the_cap(server: ArServer, retry_after: str, waited: float) -> None:
    server.fault(PARTY, Fault(status=429, times=1, headers={"Retry-After": retry_after}))
    waits: list[float] = []
    with client(server, waits=waits, backoff=0.1, max_backoff=3.0) as c:
        c.fetch([STJORDAL])
    assert waits == [waited]


def test_a_slow_answer_is_retried(server: ArServer) -> None:
    server.fault(PARTY, Fault(delay=1.0, times=1))
    with client(server, read_timeout=0.3) as c:
        (answer,) = c.fetch([STJORDAL])
    assert answer.party is not None
    assert len(server.requests(PARTY)) == 2


def test_the_first_error_stops_the_rest(example_files: dict[str, bytes]) -> None:
    her_ids = sorted({int(p.split("/")[3].removesuffix(".json")) for p in example_files if "/communicationparty/" in p})
    with ArServer(example_files, latency=0.05) as server:
        server.fault(Entry(her_ids[0], Kind.PARTY).api_path, Fault(status=401))
        with client(server, connections=1) as c, pytest.raises(ArError, match="401"):
            c.fetch(her_ids)
        # One connection: the failure stops everything queued; a HER-id the thread had already
        # taken up gets at most its first request (25 would be asked without the stop).
        assert len(server.requests()) <= 2


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
    assert len(server.requests()) == 360


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
