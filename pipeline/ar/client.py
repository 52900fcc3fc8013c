"""The HTTP client for NHN's CommunicationParty API (I/O).

The parties a hundred at a time: ``POST /api/v1/communicationparty`` with their HER-ids (the API's
``HerIdInputCollection``), answered by a list of the parties AR has; then, for each party AR has,
``GET /api/v1/certificate/{herId}/signing`` and ``/encryption``. A HER-id the list leaves out is
asked alone (``GET /api/v1/communicationparty/{herId}``: the party, or 404), and so is every
HER-id when AR does not know the POST (404 or 405): a list that leaves parties out, because AR
lacks them or cut the list short, never makes them "not in AR" by itself. A list naming a
HER-id not asked for, or one twice, is refused. Three requests a party became two: at a national
sync the rate is bound by 16 connections times AR's answer time, so requests are what it costs.

The base URL is configurable; the default is NHN's test environment, the ``servers`` entry of NHN's specification
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

import functools
import ipaddress
import json
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
_THREADS_PER_CONNECTION = 2
BATCH = 100  # HER-ids per POST: the API's own page size for lists (search: Size <= 100)
_NOT_KNOWN = frozenset({404, 405})  # AR without the POST: ask each HER-id alone

T = TypeVar("T")
R = TypeVar("R")


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
    asked: str = ""  # the request the party was answered by ("POST <url>", "GET <url>")

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
        # AR is one host: its pool, asked with the path, spares PoolManager's parsing of every
        # URL and its lookup of the pool (what it does itself for a direct or tunnelled request).
        self._base = s.base_url.rstrip("/")
        self._path = urlsplit(self._base).path
        self._pool = self._http.connection_from_url(self._base)

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
        known: dict[int, tuple[Any, str]] = {}

        def work(her_id: int) -> T:
            return then(self._one(her_id, known, stop))

        # More threads than connections: while one thread parses and stages what it got, another
        # has its connection asking AR, so no connection waits on this process (the pool lets no
        # more than ``connections`` be open; the other threads wait for one).
        workers = min(self.settings.connections * _THREADS_PER_CONNECTION, len(wanted))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            chunks = [wanted[i : i + BATCH] for i in range(0, len(wanted), BATCH)]
            lists = [pool.submit(_stopping, stop, functools.partial(self._parties, c, stop)) for c in chunks]
            _all_or_none(stop, lists)
            for listed in lists:
                known.update(listed.result())
            futures = [pool.submit(_stopping, stop, functools.partial(work, h)) for h in wanted]
            _all_or_none(stop, futures)
        return [f.result() for f in futures]

    def get(self, entry: Entry, stop: threading.Event | None = None) -> Any:
        """The parsed JSON body AR answers for ``entry``, or None for 404."""
        return self._call("GET", self.settings.url(entry), stop)

    def _call(
        self,
        method: str,
        url: str,
        stop: threading.Event | None,
        payload: bytes | None = None,
        absent: frozenset[int] = frozenset({404}),
    ) -> Any:
        """The parsed JSON body of AR's answer, or None when its status is in ``absent``."""
        request = f"{method} {url}"
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
                status, body, headers = self._once(method, url, payload)
            except (http_errors.NewConnectionError, http_errors.SSLError, http_errors.ProxyError) as exc:
                # Before the timeouts: urllib3's NewConnectionError is a kind of ConnectTimeoutError.
                failure = _("cannot reach NHN's AR at {base_url}: {reason}").format(
                    base_url=s.base_url, reason=_reason(exc)
                )
            except http_errors.TimeoutError:
                failure = _("NHN's AR did not answer {request} within {read_timeout:g} s").format(
                    request=request, read_timeout=s.read_timeout
                )
            except http_errors.ProtocolError:
                failure = _("NHN's AR's answer to {request} was cut short (the connection closed mid-answer)").format(
                    request=request
                )
            except http_errors.HTTPError as exc:
                failure = _("cannot reach NHN's AR at {base_url}: {reason}").format(
                    base_url=s.base_url, reason=_reason(exc)
                )
            else:
                if headers.get("DPoP-Nonce"):
                    self._nonce = headers["DPoP-Nonce"]
                if status == 200:
                    return _json(request, body)
                if status in absent:
                    return None
                if status == 401 and self._dpop is not None and not nonce_retried and _asks_nonce(headers):
                    nonce_retried, attempt = True, attempt - 1  # the server's own handshake, not a failure
                    continue
                if status not in _RETRIED_STATUS:
                    raise ArError(_refusal(status, request))
                failure = _("NHN's AR answered {status} {phrase} for {request}").format(
                    status=status, phrase=_phrase(status), request=request
                )
                wait_for = min(s.max_backoff, max(wait_for, _retry_after(headers)))
            if attempt < s.attempts:
                self._sleep(wait_for)
        raise ArError(
            ngettext("{failure} ({n} try)", "{failure} ({n} tries)", s.attempts).format(failure=failure, n=s.attempts)
        )

    def _parties(self, her_ids: list[int], stop: threading.Event) -> dict[int, tuple[Any, str]]:
        """The parties of ``her_ids`` AR lists in one answer, with the request that gave them;
        those it leaves out are not in the result (they are asked alone)."""
        url = f"{self.settings.base_url.rstrip('/')}/{paths.PARTIES_API}"
        request = f"POST {url}"
        payload = json.dumps({"herIds": her_ids}).encode()
        listed = self._call("POST", url, stop, payload, absent=_NOT_KNOWN)
        if listed is None:
            return {}
        if not isinstance(listed, list):
            raise ArError(shape_refusal(request, _("a list of communication parties was expected")))
        asked = set(her_ids)
        found: dict[int, tuple[Any, str]] = {}
        for index, party in enumerate(listed):
            her_id = party.get("herId") if isinstance(party, dict) else None
            if not isinstance(her_id, int) or isinstance(her_id, bool):
                raise ArError(shape_refusal(request, _("item {index} has no herId").format(index=index)))
            if her_id not in asked:
                problem = _("item {index} is HER-id {her_id}, which was not asked for")
                raise ArError(shape_refusal(request, problem.format(index=index, her_id=her_id)))
            if her_id in found:
                raise ArError(shape_refusal(request, _("HER-id {her_id} is listed twice").format(her_id=her_id)))
            found[her_id] = (party, request)
        return found

    def _one(self, her_id: int, known: Mapping[int, tuple[Any, str]], stop: threading.Event) -> Fetched:
        listed = known.get(her_id)
        if listed is None:
            entry = Entry(her_id, Kind.PARTY)
            listed = (self.get(entry, stop), f"GET {self.settings.url(entry)}")
        party, asked = listed
        if party is None:
            return Fetched(her_id, None, asked=asked)
        signing = self.get(Entry(her_id, Kind.SIGNING), stop)
        encryption = self.get(Entry(her_id, Kind.ENCRYPTION), stop)
        return Fetched(her_id, party, signing, encryption, asked)

    def _headers(self, method: str, url: str) -> dict[str, str]:
        token = self._token.reveal()
        if self._dpop is None:
            return {**self._common, "Authorization": f"Bearer {token}"}
        proof = self._dpop.proof(method, url, token, self._nonce)
        return {**self._common, "Authorization": f"DPoP {token}", "DPoP": proof}

    def _once(self, method: str, url: str, payload: bytes | None) -> tuple[int, bytes, Mapping[str, str]]:
        headers = self._headers(method, url)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        assert url.startswith(self._base + "/"), url
        response = self._pool.urlopen(
            method,
            self._path + url[len(self._base) :],
            body=payload,
            headers=headers,
            retries=False,  # ours, above: they know Retry-After, the nonce and what is worth a retry
            redirect=False,
            timeout=self._timeout,
            preload_content=False,
        )
        complete = False
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_BODY:
                raise ArError(_too_large(method, url))
            # One read to the end (short of it only at the end of the body), at most one byte
            # more than allowed: no loop of chunks in Python for a body of a few kilobytes.
            body = response.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                raise ArError(_too_large(method, url))
            complete = True
            return response.status, body, response.headers
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


def _stopping(stop: threading.Event, task: Callable[[], R]) -> R:
    """``task``; when it fails, ``stop`` is set at once, before this thread takes up another."""
    try:
        return task()
    except BaseException:
        stop.set()
        raise


def _all_or_none(stop: threading.Event, futures: list[Future[T]]) -> None:
    """Wait for ``futures``; on the first error, stop and cancel the rest and raise it."""
    try:
        done, __ = wait(futures, return_when=FIRST_EXCEPTION)
        _raise_first(futures, done)
    except BaseException:
        stop.set()
        for future in futures:
            future.cancel()
        raise


def shape_refusal(request: str, problem: object) -> str:
    return _("NHN's AR's answer to {request} does not fit the API's shape ({problem})").format(
        request=request, problem=problem
    )


def _too_large(method: str, url: str) -> str:
    return _("NHN's AR's answer to {request} is larger than {MAX_BODY} bytes").format(
        request=f"{method} {url}", MAX_BODY=MAX_BODY
    )


def _raise_first(futures: list[Future[T]], done: set[Future[T]]) -> None:
    """The first real error (not a thread that stopped because another failed), in HER-id order."""
    errors = [e for f in futures if f in done and (e := f.exception()) is not None]
    first = next((e for e in errors if not isinstance(e, _Stopped)), errors[0] if errors else None)
    if first is not None:
        raise first


def _json(request: str, body: bytes) -> Any:
    try:
        # Characters that render as something else are escaped when the snapshot is written.
        return jsontext.load(body, check_characters=False).data
    except JsonError as exc:
        raise ArError(
            _("NHN's AR's answer to {request} is not JSON ({line}:{column}: {message})").format(
                request=request, line=exc.line, column=exc.column, message=exc.message
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


def _refusal(status: int, request: str) -> str:
    answered = _("NHN's AR answered {status} {phrase} for {request}").format(
        status=status, phrase=_phrase(status), request=request
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
