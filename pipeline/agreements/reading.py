"""What a message server sees in a CPA or CPP: the values ``pipeline.agreements.reader`` returns.

A ``Reading`` holds the counterparty as NHN's reference client (Helsenorge.Messaging) builds its profile, the
reading party's own side where the document has one, and every message function between them. ``Party`` also
answers the reference client's lookups (``FindMessageForReceiver`` and its siblings) with the same order rules,
so a test can ask exactly what a message server would find.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

APPREC = "APPREC"

Kind = Literal["cpa", "cpp"]
Direction = Literal["send", "receive"]
CertificateStatus = Literal["x509", "missing", "invalid"]
Usage = Literal["signing", "encryption", "other"]


@dataclass(frozen=True)
class ReadWarning:
    rule: str
    line: int
    message: str


@dataclass(frozen=True)
class Part:
    """One ``NamespaceSupported`` of a SimplePart a package carries (the reference client's message part)."""

    namespace: str
    location: str
    version: str | None
    simple_part: str
    min_occurs: int
    max_occurs: int


@dataclass(frozen=True)
class Endpoint:
    """The TransportReceiver reached from a binding's ChannelId through DeliveryChannel and Transport."""

    channel: str
    transport: str
    protocol: str | None
    protocol_version: str | None
    uri: str | None

    @property
    def address(self) -> str | None:
        """The e-mail address of a ``mailto:`` endpoint (NHN's template writes ``mailto://``)."""
        if self.uri is None or not self.uri.lower().startswith("mailto:"):
            return None
        return unquote(self.uri[len("mailto:") :].removeprefix("//")) or None


@dataclass(frozen=True)
class Binding:
    """One CanSend or CanReceive: its ThisPartyActionBinding, resolved."""

    kind: Direction
    action: str
    function: str  # the role's process name upper-cased: the reference client's message Name
    id: str | None
    package: str | None
    endpoint: Endpoint
    parts: tuple[Part, ...] | None  # None: the package is not in the document (the reference client has no parts)
    other: str | None  # OtherPartyActionBinding
    line: int

    @property
    def is_apprec(self) -> bool:
        return self.action.upper() == APPREC

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(p.namespace for p in self.parts or ())


@dataclass(frozen=True)
class ProcessSpecification:
    name: str
    version: str | None
    uuid: str | None
    href: str | None


@dataclass(frozen=True)
class Role:
    name: str | None
    href: str | None
    process: ProcessSpecification
    service: str | None
    service_type: str | None
    certificate_ref: str | None  # ApplicationCertificateRef
    sends: tuple[Binding, ...]
    receives: tuple[Binding, ...]
    line: int


@dataclass(frozen=True)
class Certificate:
    cert_id: str
    status: CertificateStatus
    usage: Usage | None
    subject: str | None
    issuer: str | None
    serial: str | None
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    sha1: str | None  # the thumbprint, as .NET writes it (upper-case hex)
    sha256: str | None
    key: str | None  # the public key, e.g. "RSA 2048"
    key_name: str | None
    problem: str | None
    line: int


@dataclass(frozen=True)
class PartyId:
    type: str | None
    value: str


def same_name(value: str | None, name: str) -> bool:
    """Equal as the reference client compares message functions (case-insensitively)."""
    return value is not None and value.casefold() == name.casefold()


@dataclass(frozen=True)
class Party:
    name: str
    her_id: int  # the first PartyId as an int, 0 when it is none (the reference client's HerId)
    party_ids: tuple[PartyId, ...]
    party_ref: str | None
    roles: tuple[Role, ...]
    certificates: tuple[Certificate, ...]
    line: int

    def _certificate(self, usage: Usage) -> Certificate | None:
        found = None
        for certificate in self.certificates:  # a later one wins, as in the reference client
            if certificate.usage == usage:
                found = certificate
        return found

    @property
    def signing(self) -> Certificate | None:
        """The certificate the reference client takes for signatures (key usage nonRepudiation)."""
        return self._certificate("signing")

    @property
    def encryption(self) -> Certificate | None:
        """The certificate the reference client takes for encryption (key usage keyEncipherment)."""
        return self._certificate("encryption")

    def _lookup(self, function: str, pick: Callable[[Role], tuple[Binding, ...]]) -> Binding | None:
        role = next((r for r in self.roles if same_name(r.process.name, function)), None)
        if role is not None:
            return next(iter(pick(role)), None)
        return next(
            (
                b
                for r in self.roles
                for b in pick(r)
                if same_name(b.action, function) or same_name(r.process.name, function)
            ),
            None,
        )

    def message_for_receiver(self, function: str) -> Binding | None:
        """``FindMessageForReceiver``: what this party receives for a message function (process name or action)."""
        return self._lookup(function, lambda r: r.receives)

    def message_for_sender(self, function: str) -> Binding | None:
        """``FindMessageForSender``: what this party sends for a message function."""
        return self._lookup(function, lambda r: r.sends)

    def _apprec(self, function: str, pick: Callable[[Role], tuple[Binding, ...]]) -> Binding | None:
        role = next((r for r in self.roles if same_name(r.process.name, function)), None)
        return None if role is None else next((b for b in pick(role) if b.is_apprec), None)

    def apprec_for_receiver(self, function: str) -> Binding | None:
        """``FindMessagePartsForReceiveAppRec``: the AppRec this party receives for a process."""
        return self._apprec(function, lambda r: r.receives)

    def apprec_for_sender(self, function: str) -> Binding | None:
        """``FindMessagePartsForSendAppRec``: the AppRec this party sends for a process."""
        return self._apprec(function, lambda r: r.sends)


@dataclass(frozen=True)
class MessageFunction:
    """One action the two parties exchange, seen from the reading party ("me").

    ``direction`` is mine: ``send`` is a counterparty CanReceive (what I may send), ``receive`` a counterparty
    CanSend (what I receive). ``binding`` is the counterparty's, the one the reference client reads;
    ``mine`` is the matching binding of my own PartyInfo (None in a CPP, or when there is none).
    """

    direction: Direction
    process: ProcessSpecification
    service: str | None
    service_type: str | None
    action: str
    counterparty_role: str | None
    binding: Binding
    my_role: str | None
    mine: Binding | None

    @property
    def is_apprec(self) -> bool:
        return self.binding.is_apprec

    @property
    def destination(self) -> Endpoint | None:
        """Where the message is delivered: the receiving party's endpoint."""
        if self.direction == "send":
            return self.binding.endpoint
        return self.mine.endpoint if self.mine else None

    @property
    def parts(self) -> tuple[Part, ...] | None:
        return self.binding.parts


@dataclass(frozen=True)
class Reading:
    file: str
    kind: Kind
    id: str | None  # cpaid or cppid
    version: str | None
    status: str | None
    start: dt.datetime | None
    end: dt.datetime | None
    her_id: int | None  # the HER-id it was read as
    me: Party | None
    counterparty: Party
    functions: tuple[MessageFunction, ...]
    warnings: tuple[ReadWarning, ...]

    def function(self, action: str, direction: Direction, *, process: str | None = None) -> MessageFunction | None:
        """The first message function with this action and direction (optionally of one process)."""
        for f in self.functions:
            if (
                f.direction == direction
                and same_name(f.action, action)
                and (process is None or same_name(f.process.name, process))
            ):
                return f
        return None
