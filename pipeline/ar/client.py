"""The HTTP client for NHN's CommunicationParty API (I/O).

For each HER-id: ``GET /api/v1/communicationparty/{herId}`` and, when AR has the party,
``GET /api/v1/certificate/{herId}/signing`` and ``/encryption``. The base URL is configurable;
the default is NHN's test environment, the ``servers`` entry of NHN's specification
(``https://cpapi.test.grunndata.nhn.no``; the extract in ../shared notes it without the URL).
Plain ``http`` is taken only for a server on this machine: a token never travels unencrypted.

- Authentication: ``pipeline.ar.auth`` (the token; never stored) and ``pipeline.ar.dpop``.
- Concurrency: one ``urllib3`` pool of at most 16 connections (kept alive), used by twice as many
  threads, one HER-id at a time each. urllib3 rather than httpx: at a national sync the client's
  own CPU per request is what bounds the rate (AR answers 16 requests at a time), and httpx's
  sync client spends about three times urllib3's (h11, httpcore's pool locks). Proxies and CA
  certificates as before: ``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY``, ``SSL_CERT_FILE`` or
  ``SSL_CERT_DIR``, else certifi's bundle.
- Timeouts for connecting and for each read; bounded retries with exponential backoff on 5xx,
  429 (honouring Retry-After), timeouts, refused or broken connections and bodies cut short. A
  DPoP nonce asked for (401 ``use_dpop_nonce``) is sent with one more try.
- 404 is an answer ("AR has no such party" or "no such certificate"), not an error. 401, 403,
  any other 4xx, a 5xx or timeout after the last try, a body that is not JSON: ``ArError``,
  one line naming the URL, never the token. The first error stops the other threads.
- Redirects are not followed (they would carry the token elsewhere); bodies over 1 MiB refused.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import certifi
import urllib3
from urllib3 import exceptions as http_errors

from pipeline import __version__
from pipeline.ar import jsontext, paths
from pipeline.ar.auth import Secret
from pipeline.ar.dpop import DpopKey
from pipeline.ar.jsontext import JsonError
from pipeline.ar.paths import Entry, Kind
from pipeline.errors import ArError
from pipeline.i18n import _, ngettext

DEFAULT_BASE_URL = "https://cpapi.test.grunndata.nhn.no"
MAX_CONNECTIONS = 16
MAX_BODY = jsontext.MAX_BYTES
_RETRIED_STATUS = {429, 500, 502, 503, 504}
_LOOPBACK_NAMES = {"localhost"}
_CHUNK = 64 * 1024
_THREADS_PER_CONNECTION = 2

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    base_url: str = DEFAULT_BASE_URL
    connections: int = MAX_CONNECTIONS
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    attempts: int = 4
    backoff: float = 0.5  # seconds before the second try; doubled for each further one
    max_backoff: float = 8.0

    def __post_init__(self) -> None:
        if not 1 <= self.connections <= MAX_CONNECTIONS:
            raise ArError(
                _("connections must be between 1 and {MAX_CONNECTIONS}, not {connections}").format(
                    MAX_CONNECTIONS=MAX_CONNECTIONS, connections=self.connections
                )
            )
        if self.attempts < 1 or self.connect_timeout <= 0 or self.read_timeout <= 0 or self.backoff < 0:
            raise ArError(_("attempts must be at least 1 and timeouts positive"))
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise ArError(
                _("AR base URL {base_url!r} is not an http(s) URL without query").format(base_url=self.base_url)
            )
        if parts.scheme == "http" and not _loopback(parts.hostname):
            raise ArError(
                _("AR base URL {base_url!r}: plain http only to this machine; use https").format(base_url=self.base_url)
            )

    def url(self, entry: Entry) -> str:
        return f"{self.base_url.rstrip('/')}/{entry.api_path}"


def _loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Fetched:
    """What AR answered for one HER-id; None where it answered 404."""

    her_id: int
    party: Any
    signing: Any = None
    encryption: Any = None

    def body(self, kind: Kind) -> Any:
        return {Kind.PARTY: self.party, Kind.SIGNING: self.signing, Kind.ENCRYPTION: self.encryption}.get(kind)


class _Stopped(Exception):
    """Another thread failed: this one gives up quietly."""


class Client:
    def __init__(
        self,
        token: Secret,
        settings: Settings | None = None,
        dpop: DpopKey | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or Settings()
        self._token = token
        self._dpop = dpop
        self._sleep = sleep
        self._nonce: str | None = None
        s = self.settings
        self._timeout = urllib3.Timeout(connect=s.connect_timeout, read=s.read_timeout)
        self._common = {"Accept": "application/json", "User-Agent": f"oppkobling/{__version__}"}
        self._http = _pool_manager(s)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.clear()

    def fetch(self, her_ids: Iterable[int]) -> list[Fetched]:
        """Every HER-id's answers, in HER-id order, fetched concurrently; the first error stops all."""
        return self.fetch_each(her_ids, _same)

    def fetch_each(self, her_ids: Iterable[int], then: Callable[[Fetched], T]) -> list[T]:
        """``then`` of every HER-id's answers, in HER-id order. ``then`` runs in the fetching
        thread as soon as that HER-id's answers are in (while the others wait for AR); an error
        it raises stops all like one of the client's own."""
        wanted = sorted(set(her_ids))
        for her_id in wanted:
            if not paths.valid_her_id(her_id):
                raise ArError(
                    _("{her_id} is not a HER-id (1 to {HER_ID_MAX})").format(her_id=her_id, HER_ID_MAX=paths.HER_ID_MAX)
                )
        if not wanted:
            return []
        stop = threading.Event()

        def work(her_id: int) -> T:
            try:
                return then(self._one(her_id, stop))
            except BaseException:
                stop.set()  # at once, before this thread takes up another HER-id
                raise

        # More threads than connections: while one thread parses and stages what it got, another
        # has its connection asking AR, so no connection waits on this process (the pool lets no
        # more than ``connections`` be open; the other threads wait for one).
        workers = min(self.settings.connections * _THREADS_PER_CONNECTION, len(wanted))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(work, her_id) for her_id in wanted]
            try:
                done, __ = wait(futures, return_when=FIRST_EXCEPTION)
                _raise_first(futures, done)
            except BaseException:
                stop.set()
                for future in futures:
                    future.cancel()
                raise
        return [f.result() for f in futures]

    def get(self, entry: Entry, stop: threading.Event | None = None) -> Any:
        """The parsed JSON body AR answers for ``entry``, or None for 404."""
        url = self.settings.url(entry)
        s = self.settings
        failure = ""
        nonce_retried = False
        attempt = 0
        while attempt < s.attempts:
            if stop is not None and stop.is_set():
                raise _Stopped
            attempt += 1
            wait_for = min(s.max_backoff, s.backoff * 2 ** (attempt - 1))
            try:
                status, body, headers = self._once(url)
            except (http_errors.NewConnectionError, http_errors.SSLError, http_errors.ProxyError) as exc:
                # Before the timeouts: urllib3's NewConnectionError is a kind of ConnectTimeoutError.
                failure = _("cannot reach NHN's AR at {base_url}: {reason}").format(
                    base_url=s.base_url, reason=_reason(exc)
                )
            except http_errors.TimeoutError:
                failure = _("NHN's AR did not answer GET {url} within {read_timeout:g} s").format(
                    url=url, read_timeout=s.read_timeout
                )
            except http_errors.ProtocolError:
                failure = _("NHN's AR's answer to GET {url} was cut short (the connection closed mid-answer)").format(
                    url=url
                )
            except http_errors.HTTPError as exc:
                failure = _("cannot reach NHN's AR at {base_url}: {reason}").format(
                    base_url=s.base_url, reason=_reason(exc)
                )
            else:
                if headers.get("DPoP-Nonce"):
                    self._nonce = headers["DPoP-Nonce"]
                if status == 200:
                    return _json(url, body)
                if status == 404:
                    return None
                if status == 401 and self._dpop is not None and not nonce_retried and _asks_nonce(headers):
                    nonce_retried, attempt = True, attempt - 1  # the server's own handshake, not a failure
                    continue
                if status not in _RETRIED_STATUS:
                    raise ArError(_refusal(status, url))
                failure = _("NHN's AR answered {status} {phrase} for GET {url}").format(
                    status=status, phrase=_phrase(status), url=url
                )
                wait_for = min(s.max_backoff, max(wait_for, _retry_after(headers)))
            if attempt < s.attempts:
                self._sleep(wait_for)
        raise ArError(
            ngettext("{failure} ({n} try)", "{failure} ({n} tries)", s.attempts).format(failure=failure, n=s.attempts)
        )

    def _one(self, her_id: int, stop: threading.Event) -> Fetched:
        party = self.get(Entry(her_id, Kind.PARTY), stop)
        if party is None:
            return Fetched(her_id, None)
        signing = self.get(Entry(her_id, Kind.SIGNING), stop)
        encryption = self.get(Entry(her_id, Kind.ENCRYPTION), stop)
        return Fetched(her_id, party, signing, encryption)

    def _headers(self, method: str, url: str) -> dict[str, str]:
        token = self._token.reveal()
        if self._dpop is None:
            return {**self._common, "Authorization": f"Bearer {token}"}
        proof = self._dpop.proof(method, url, token, self._nonce)
        return {**self._common, "Authorization": f"DPoP {token}", "DPoP": proof}

    def _once(self, url: str) -> tuple[int, bytes, Mapping[str, str]]:
        response = self._http.urlopen(
            "GET",
            url,
            headers=self._headers("GET", url),
            retries=False,  # ours, above: they know Retry-After, the nonce and what is worth a retry
            redirect=False,
            timeout=self._timeout,
            preload_content=False,
        )
        complete = False
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_BODY:
                raise ArError(
                    _("NHN's AR's answer to GET {url} is larger than {MAX_BODY} bytes").format(
                        url=url, MAX_BODY=MAX_BODY
                    )
                )
            body = bytearray()
            for chunk in response.stream(_CHUNK):
                body += chunk
                if len(body) > MAX_BODY:
                    raise ArError(
                        _("NHN's AR's answer to GET {url} is larger than {MAX_BODY} bytes").format(
                            url=url, MAX_BODY=MAX_BODY
                        )
                    )
            complete = True
            return response.status, bytes(body), response.headers
        finally:
            if complete:
                response.release_conn()  # back to the pool, kept alive
            else:
                response.close()  # a connection left mid-answer is not reused
                response.release_conn()


def _pool_manager(settings: Settings) -> urllib3.PoolManager:
    """At most ``settings.connections`` connections to AR (a thread waits for a free one rather
    than opening another), through the proxy the environment names, if any."""
    parts = urlsplit(settings.base_url)
    options: dict[str, Any] = {"maxsize": settings.connections, "block": True}
    if parts.scheme == "https":
        options["ssl_context"] = _tls_context()
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    host = parts.hostname or ""
    if proxy and not _loopback(host) and not urllib.request.proxy_bypass(host):
        return urllib3.ProxyManager(proxy, num_pools=1, **options)
    return urllib3.PoolManager(num_pools=1, **options)


def _tls_context() -> ssl.SSLContext:
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


def _same(answer: Fetched) -> Fetched:
    return answer


def _raise_first(futures: list[Future[T]], done: set[Future[T]]) -> None:
    """The first real error (not a thread that stopped because another failed), in HER-id order."""
    errors = [e for f in futures if f in done and (e := f.exception()) is not None]
    first = next((e for e in errors if not isinstance(e, _Stopped)), errors[0] if errors else None)
    if first is not None:
        raise first


def _json(url: str, body: bytes) -> Any:
    try:
        # Characters that render as something else are escaped when the snapshot is written.
        return jsontext.load(body, check_characters=False).data
    except JsonError as exc:
        raise ArError(
            _("NHN's AR's answer to GET {url} is not JSON ({line}:{column}: {message})").format(
                url=url, line=exc.line, column=exc.column, message=exc.message
            )
        ) from None


def _asks_nonce(headers: Mapping[str, str]) -> bool:
    return bool(headers.get("DPoP-Nonce")) and "use_dpop_nonce" in headers.get("WWW-Authenticate", "")


def _retry_after(headers: Mapping[str, str]) -> float:
    value = headers.get("Retry-After", "")
    return float(value) if value.isdigit() else 0.0


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _refusal(status: int, url: str) -> str:
    answered = _("NHN's AR answered {status} {phrase} for GET {url}").format(
        status=status, phrase=_phrase(status), url=url
    )
    answered = answered.replace("  ", " ")
    if status == 401:
        return _(
            "{answered}: the token was refused (a HelseID access token for nhn:cp-api; pipeline/ar/auth.py)"
        ).format(answered=answered)
    if status == 403:
        return _(
            "{answered}: this HelseID client may not use the CommunicationParty API (scope nhn:cp-api/access-v2-dpop)"
        ).format(answered=answered)
    if 300 <= status < 400:
        return _("{answered}: a redirect, not followed").format(answered=answered)
    return answered


def _reason(exc: http_errors.HTTPError) -> str:
    """What went wrong, without urllib3's description of its connection object."""
    cause: BaseException = exc.original_error if isinstance(exc, http_errors.ProxyError) else exc.__cause__ or exc
    text = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    return text[:200]
