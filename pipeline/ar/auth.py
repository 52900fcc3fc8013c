"""The access token for NHN's CommunicationParty API: from ``$OPPKOBLING_AR_TOKEN`` or the standard
output of a ``--token-command``. It is held in memory for one run and never stored: not written
to the snapshot, a cache, a log or an error message (``Secret`` does not print it).

Getting a HelseID token (client credentials with DPoP; NHN's developer portal, "HelseID" and
"CommunicationParty API"):

1. In HelseID's self-service portal (Selvbetjening), register a client system that may call APIs,
   give it the service "CommunicationParty REST API" (audience ``nhn:cp-api``, scope
   ``nhn:cp-api/access-v2-dpop``), create a client configuration and upload your own public JSON
   Web Key (better than having one issued). In production the organisation delegates this
   through Altinn; in the test environment you choose the organisation in the portal.
2. Ask HelseID's token endpoint (test ``https://helseid-sts.test.nhn.no/connect/token``,
   production ``https://helseid-sts.nhn.no/connect/token``) with a form POST:
   ``grant_type=client_credentials``, ``client_id``, ``scope=nhn:cp-api/access-v2-dpop``,
   ``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`` and
   ``client_assertion``: a JWT signed with the client's private key (``iss`` and ``sub`` the
   client id, ``aud`` HelseID, a fresh ``jti``, ``iat``/``nbf`` now, ``exp`` at most 60 s later).
   With it goes a ``DPoP`` header: a proof JWT (header ``typ: dpop+jwt``, ``alg``, ``jwk`` = the
   public DPoP key; claims ``jti``, ``htm: POST``, ``htu`` = the token endpoint, ``iat``).
3. HelseID answers ``400`` with ``error=use_dpop_nonce`` and a ``DPoP-Nonce`` header: send the
   same request again with a new proof that carries ``nonce``. The answer's ``access_token``
   (``token_type: DPoP``) is bound to the DPoP key and lives for minutes.
4. Every call to the API then carries ``Authorization: DPoP <access_token>`` and a fresh proof
   for that call (``htm``, ``htu`` = the URL without query, ``iat``, ``jti``, and ``ath`` =
   base64url(SHA-256(access token))). oppkobling makes these proofs itself
   (``pipeline.ar.dpop``) from the DPoP private key named by ``$OPPKOBLING_AR_DPOP_KEY`` (a PEM
   file, EC P-256 recommended): the same key the token command used in steps 2-3. Without it,
   the token is sent as ``Authorization: Bearer`` (for a server that takes plain bearer tokens,
   such as the tests' local one).

Steps 1-3 are the organisation's own (its client key must stay in its keeping, e.g. in a secret
store): ``--token-command`` runs a program of theirs that prints the access token, and nothing
else, on standard output. Steps 2-3 are what NHN's and KS's client libraries do
(Helsenorge.Messaging's HelseIdClient, ks-no/fiks-nhn-client's HelseIdTokenProvider).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pipeline import environment
from pipeline.errors import ArError
from pipeline.i18n import _
from pipeline.io import command as commands

TOKEN_ENV = environment.AR_TOKEN
DPOP_KEY_ENV = environment.AR_DPOP_KEY
COMMAND_TIMEOUT = 120.0

# RFC 6750's b64token: what an Authorization header can carry.
_TOKEN = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")


class Secret:
    """A token that does not show itself in a repr, a traceback's locals or an f-string."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(<hidden>)"

    __str__ = __repr__


def _checked(value: str, source: str) -> Secret:
    token = value.strip()
    if not token:
        raise ArError(_("{source} gave an empty token").format(source=source))
    if not _TOKEN.match(token):
        raise ArError(
            _("{source} did not give a token (one line of base64url characters, nothing else)").format(source=source)
        )
    return Secret(token)


def token(environ: Mapping[str, str], command: str | None = None, *, timeout: float = COMMAND_TIMEOUT) -> Secret:
    """The token from ``command`` (run without a shell; its standard output is the token) or,
    without one, from ``$OPPKOBLING_AR_TOKEN``."""
    if command is not None:
        try:
            out = commands.output(command, timeout=timeout)
        except commands.CommandError as exc:
            raise ArError(_("--token-command {message}").format(message=exc.message)) from None
        try:
            return _checked(out.decode("ascii"), "--token-command")
        except UnicodeDecodeError:
            raise ArError(_("--token-command did not give a token (not ASCII)")) from None
    value = environ.get(TOKEN_ENV)
    if value is None:
        raise ArError(
            _("no token for NHN's AR API: set ${TOKEN_ENV} or give --token-command (see pipeline/ar/auth.py)").format(
                TOKEN_ENV=TOKEN_ENV
            )
        )
    return _checked(value, f"${TOKEN_ENV}")
