"""NHN's process catalogue (``data/processes.yaml``) as typed, immutable values.

For every message type and version of the message-type catalogue: the ebXML processes NHN names for it, with the
ProcessSpecification, Roles, Service, Actions (message and AppRec leg) and the Packaging/SimpleParts of each leg,
plus the SMTP delivery channel of NHN's CPP template and where a PartyRef points. The message-type catalogue
(``pipeline.model.catalogue``) takes each version's processes and AppRec version from here, and the CPA builder
(``pipeline.agreements.cpa``) everything it names. ``load`` is pure; ``catalogue`` reads the shipped file once.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from pipeline import layout
from pipeline.errors import DocumentError
from pipeline.i18n import _
from pipeline.model.loader import LoadError, load_text

DATA_FILE = layout.PROCESSES
RULE = "processes"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Namespace(_Frozen):
    """One ``SimplePart/NamespaceSupported``: the namespace, its ``tns:location`` and ``tns:version``."""

    namespace: str
    location: str
    version: str


class Package(_Frozen):
    """A ``Packaging``: Encapsulation of ``simple_part`` inside a Composite with the ebXML header part."""

    simple_part: str
    encapsulation: str
    composite: str
    namespaces: tuple[Namespace, ...]
    gap: str | None = None
    source: str | None = None


class RoleName(_Frozen):
    name: str
    href: str


class Service(_Frozen):
    name: str
    type: str


class Leg(_Frozen):
    """One action binding: its ``tns:action`` and ``tns:packageId``."""

    action: str
    package: str


class Process(_Frozen):
    """One ebXML process of one message version, as a CollaborationRole names it."""

    name: str
    version: str
    uuid: str
    href: str
    service: Service
    action: str
    package: str
    sender: RoleName
    receiver: RoleName
    apprec: Leg
    gap: str | None = None
    source: str | None = None

    @property
    def message(self) -> Leg:
        return Leg(action=self.action, package=self.package)

    def role(self, sending: bool) -> RoleName:
        return self.sender if sending else self.receiver


class MessageVersion(_Frozen):
    processes: tuple[Process, ...]
    note: str | None = None


class Template(_Frozen):
    file: str
    version: str


class Messaging(_Frozen):
    """``MessagingCharacteristics`` (syncReplyMode, ackRequested, ackSignatureRequested, duplicateElimination)."""

    sync_reply_mode: str
    ack_requested: str
    ack_signature_requested: str
    duplicate_elimination: str


class Protocol(_Frozen):
    name: str
    version: str


class Endpoint(_Frozen):
    uri: str
    type: str


class ReliableMessaging(_Frozen):
    retries: int
    retry_interval: str
    order: str
    persist_duration: str


class SignatureAlgorithm(_Frozen):
    name: str
    oid: str
    w3c: str


class NonRepudiation(_Frozen):
    protocol: str
    hash: str
    signature: SignatureAlgorithm


class Transport(_Frozen):
    """The DeliveryChannel, Transport and DocExchange NHN's template uses for these processes."""

    channel: str
    transport: str
    doc_exchange: str
    messaging: Messaging
    protocol: Protocol
    endpoint: Endpoint
    reliable_messaging: ReliableMessaging
    non_repudiation: NonRepudiation
    business_transaction: dict[str, str]


class PartyRef(_Frozen):
    """Where a CPA's PartyRef points: the party's page in AR, by network (``{her_id}`` is its HER-id)."""

    test: str
    production: str
    source: str
    gap: str

    def href(self, her_id: int, *, test: bool) -> str:
        return (self.test if test else self.production).format(her_id=her_id)


class Mime(_Frozen):
    mimetype: str
    mimeparameters: str


class HeaderPart(_Frozen):
    id: str
    namespaces: tuple[Namespace, ...]


class SignalPackage(_Frozen):
    id: str
    composite: str


class Packaging(_Frozen):
    simple_part_mimetype: str
    encapsulation: Mime
    composite: Mime
    header_part: HeaderPart
    signal_package: SignalPackage


class ProcessCatalogue(_Frozen):
    template: Template
    transport: Transport
    party_ref: PartyRef
    packaging: Packaging
    messages: dict[str, dict[str, MessageVersion]]
    packages: dict[str, Package]

    @model_validator(mode="after")
    def _packages_resolve(self) -> ProcessCatalogue:
        for key, versions in self.messages.items():
            for number, version in versions.items():
                for process in version.processes:
                    for leg in (process.message, process.apprec):
                        if leg.package not in self.packages:
                            raise ValueError(
                                _(
                                    "messages.{key}.{number}: process {name} names package {package}, which is not "
                                    "under packages"
                                ).format(key=key, number=number, name=process.name, package=leg.package)
                            )
        return self

    def processes(self, message_type: str, version: str) -> tuple[Process, ...]:
        """The processes of one message version; empty when the catalogue has none."""
        entry = self.messages.get(message_type, {}).get(version)
        return entry.processes if entry else ()

    def package(self, package_id: str) -> Package:
        return self.packages[package_id]

    def all_processes(self) -> tuple[tuple[str, str, Process], ...]:
        """(message type, message version, process) for every entry, in file order."""
        return tuple(
            (key, number, process)
            for key, versions in self.messages.items()
            for number, version in versions.items()
            for process in version.processes
        )


def load(text: str, *, file: str = DATA_FILE) -> ProcessCatalogue:
    """The catalogue in ``text``; a DocumentError names the file, line and what is wrong."""
    try:
        document = load_text(text)
    except LoadError as exc:
        raise DocumentError(exc.message, file=file, line=exc.line, rule=RULE) from None
    try:
        return ProcessCatalogue.model_validate(document.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path: tuple[Any, ...] = tuple(first["loc"])
        line, __ = document.position(tuple(p for p in path if isinstance(p, str | int)))
        where = ".".join(str(p) for p in path) or _("(top)")
        raise DocumentError(f"{where}: {first['msg']}", file=file, line=line, rule=RULE) from None


@functools.cache
def catalogue() -> ProcessCatalogue:
    """The shipped catalogue (read once)."""
    text = resources.files("pipeline").joinpath(DATA_FILE).read_text("utf-8")
    return load(text, file=f"pipeline/{DATA_FILE}")
