"""One ebXML CPA (OASIS CPPA 2.0) per HF and communication party: the partner agreement of step K4.

Built with lxml from an ``Agreement``; valid against ``ebxml-cppa/cpp-cpa-2_0.xsd`` *strictly*
(every xs:ID unique, every IDREF resolving). The shape follows NHN's CPP template
(``../shared/standards/examples/cppa/``) and NHN's own CPAs, with these choices:

- **Parties**: two PartyInfo, the HF first, each with **one PartyId, type HER**, as NHN's CPAs: NHN's
  client (Helsenorge.Messaging) takes the first PartyInfo with a PartyId other than its own HER-id
  as the counterparty, so a second id (ENH) made the HF find itself. PartyRef is the party's page
  in AR (``processes.yaml``'s ``party_ref``), on the test or production AR by the network of the
  party's EDI address (``pipeline.ar.edi``).
- **Processes** are NHN's (``data/processes.yaml``, from NHN's CPP template): ProcessSpecification
  name, version, uuid and href, Role names and hrefs, Service and its type, the message and AppRec
  actions and the packageId of each leg. Direction comes from the catalogue: the HF sends
  everything; the kommune also sends where the direction is ``both`` (dialogmelding, PLO).
- **Roles and bindings**: in a one-way process the sender's role can send the action and receive
  ``APPREC``, the receiver's role receives the action and sends ``APPREC``. In a two-way process
  both parties hold both roles, the **receiver role first**, and each role holds all four
  bindings (send and receive, message and AppRec), as NHN's two-way CPAs: NHN's client takes the
  first role of a process and the first binding in it, so every lookup ("what may I send this
  party", "which AppRec does it send") then lands on the right binding. Within a role CanSend
  comes before CanReceive (the schema's order), the message before its AppRec. Each binding names
  the other party's matching one (OtherPartyActionBinding: its opposite role, the opposite
  direction, the same action).
- **Ids** are derived from the side (``hf`` / ``party``), action, version, role and leg, e.g.
  ``hf_EPIKRISE_v1p2_sender_send``, ``party_EPIKRISE_v1p2_receiver_send_apprec``: unique within a
  CPA by construction and stable across runs (NHN's sample CPAs reuse ids and fail strict
  validation). Package, SimplePart, Encapsulation and Composite ids are NHN's (each exists once).
- **Transport**: ebXML 2.0 over SMTP as NHN's template (``processes.yaml``'s ``transport``:
  messaging characteristics, SMTP 1.1, reliable messaging, business transaction characteristics),
  to the party's ``edi_address`` as an RFC 6068 ``mailto:`` URI (the template writes ``mailto://``),
  each party's DeliveryChannel, Transport and DocExchange in its own PartyInfo. One deliberate
  difference: signatures are named with SHA-256 (the template still names SHA-1).
- **Certificates**: each party's signing and encryption certificate as NHN's address register
  (AR) publishes them (``partners/ar/certificate/<herId>/``), as
  ``ds:KeyInfo/ds:X509Data/ds:X509Certificate`` (base64 DER, what NHN's client reads). The
  signing certificate is the one the sender's non-repudiation binding names
  (``SigningCertificateRef``), the encryption certificate the one every role names
  (``ApplicationCertificateRef``). A certificate AR does not have yet is left out, and so is
  every reference to it: the CPA is then an incomplete draft (the closing Comment and the
  partner index say why) that ``deploy`` does not ship. Never a placeholder.
- **Packages** as NHN's template: per payload a SimplePart listing its namespaces with NHN's
  ``location`` and version (MsgHead 1.2 first for MsgHead-wrapped messages, then the payload; the
  AppRec namespace for receipts; NHN's client fails on a NamespaceSupported without location) and
  a Packaging whose Encapsulation (S/MIME enveloped) carries it inside a multipart/related
  Composite with the ebXML header part; plus the header part and the MSH signal package.
- **Status**: ``agreed`` only when the agreement is active (declaration ``active`` and R-H5's
  evidence), else ``proposed``; Start and End as in ``pipeline.agreements.agreement``. The
  agreement's state is repeated in a closing Comment; the partner index is the place to read it.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from lxml import etree

from pipeline import i18n
from pipeline.agreements.agreement import Agreement, Certificates
from pipeline.agreements.states import AgreementState
from pipeline.ar.edi import Network, network
from pipeline.i18n import _, terms
from pipeline.model import processes
from pipeline.model.catalogue import Process
from pipeline.render.context import generated_by

NS = "http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
NSMAP = {"tns": NS, "ds": DS, "xlink": XLINK}
SCHEMA = "ebxml-cppa/cpp-cpa-2_0.xsd"
CPA_VERSION = "2_0b"

HASH_FUNCTION = "http://www.w3.org/2001/04/xmlenc#sha256"
SIGNATURE_ALGORITHM = ("RSA-SHA256", "1.2.840.113549.1.1.11", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
# Characters RFC 6068 lets stand unencoded in a mailto: address besides letters, digits and "_.-~".
MAILTO_SAFE = "@!$'()*+,;:"

APPREC = "APPREC"
SENDER, RECEIVER = "sender", "receiver"


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _el(
    parent: etree._Element, tag: str, text: str | None = None, /, *, href: str | None = None, **attrs: str
) -> etree._Element:
    """A tns element; plain attribute names are tns-qualified (attributeFormDefault="qualified")."""
    element = etree.SubElement(parent, _q(tag))
    for key, value in attrs.items():
        element.set(_q(key), value)
    if href is not None:
        element.set(f"{{{XLINK}}}href", href)
        element.set(f"{{{XLINK}}}type", "simple")
    if text is not None:
        element.text = text
    return element


def vid(version: str) -> str:
    """A version as an id fragment, as NHN writes it: 1.2 -> 1p2."""
    return version.replace(".", "p")


def mailto(address: str) -> str:
    return "mailto:" + quote(address, safe=MAILTO_SAFE)


def party_ref(her_id: int, edi_address: str) -> str:
    """The party's page in AR, on the AR of the network its EDI address belongs to (production unless test)."""
    return processes.catalogue().party_ref.href(her_id, test=network(edi_address) is Network.TEST)


@dataclass(frozen=True)
class _Side:
    prefix: str
    her_id: int
    name: str
    edi_address: str
    certificates: Certificates

    @property
    def signs(self) -> bool:
        return self.certificates.signing is not None

    @property
    def encrypts(self) -> bool:
        return self.certificates.encryption is not None

    def id(self, *parts: str) -> str:
        return "_".join((self.prefix, *parts))

    @property
    def channel(self) -> str:
        return self.id("channel_smtp")

    @property
    def sign_cert(self) -> str:
        return self.id("cert_sign")

    @property
    def enc_cert(self) -> str:
        return self.id("cert_enc")


@dataclass(frozen=True)
class _Leg:
    """One process of one ordered message version; ``two_way`` when the kommune sends it too."""

    process: Process
    two_way: bool

    @property
    def nhn(self) -> processes.Process:
        return self.process.nhn

    def binding(self, side: _Side, role: str, kind: str, action: str) -> str:
        """``hf_EPIKRISE_v1p2_sender_send`` / ``..._sender_receive_apprec``: unique by construction."""
        leg = "" if action != APPREC else "_apprec"
        return side.id(self.nhn.action, f"v{vid(self.nhn.version)}", role, kind + leg)

    def bindings(self, role: str) -> list[tuple[str, str, str]]:
        """(CanSend/CanReceive, action, packageId) of a role, CanSends first (the schema's order), each message
        binding before its AppRec. A two-way process gives each role all four, as NHN's two-way CPAs do: then the
        first role of the process answers every lookup of NHN's client."""
        message, apprec = (self.nhn.action, self.nhn.package), (APPREC, self.nhn.apprec.package)
        if self.two_way:
            return [("CanSend", *message), ("CanSend", *apprec), ("CanReceive", *message), ("CanReceive", *apprec)]
        if role == SENDER:
            return [("CanSend", *message), ("CanReceive", *apprec)]
        return [("CanSend", *apprec), ("CanReceive", *message)]


def _legs(agreement: Agreement) -> list[_Leg]:
    """Every process of every ordered message version, in catalogue order."""
    return [
        _Leg(process, message.kommune_sends)
        for message in agreement.cpa_messages
        for process in message.version.processes
    ]


def _roles(legs: list[_Leg], hf: bool) -> list[tuple[_Leg, str]]:
    """(leg, role) for one side: the HF sends every process, the kommune the two-way ones. A side holding both
    roles of a process has the receiver role first (as NHN's CPAs), so that NHN's client, which takes the first
    role of a process, finds what the side receives where it asks what may be sent to it."""
    roles = []
    for leg in legs:
        if leg.two_way:
            roles += [(leg, RECEIVER), (leg, SENDER)]
        else:
            roles.append((leg, SENDER if hf else RECEIVER))
    return roles


def _transaction(binding: etree._Element, channel: str) -> None:
    _el(binding, "BusinessTransactionCharacteristics", **processes.catalogue().transport.business_transaction)
    _el(binding, "ChannelId", channel)


def _can(parent: etree._Element, kind: str, side: _Side, action: str, id_: str, package: str, other: str) -> None:
    can = _el(parent, kind)
    binding = etree.SubElement(can, _q("ThisPartyActionBinding"))
    binding.set(_q("action"), action)
    binding.set(_q("id"), id_)
    binding.set(_q("packageId"), package)
    binding.set(f"{{{XLINK}}}type", "simple")
    _transaction(binding, side.channel)
    _el(can, "OtherPartyActionBinding", other)


# Most of a CPA is the same in every CPA: a CollaborationRole depends only on the leg and on which
# side holds it (ids come from the side's prefix, never from the party), the packaging only on the
# package, the channels only on the side (but for the endpoint). Such parts are built once per
# process, keyed by everything they depend on, and deep-copied in (lxml copies in C; building
# them element by element was most of the time of a national build).
_TEMPLATES: dict[tuple[str | bool, ...], list[etree._Element]] = {}


def _stamp(
    parent: etree._Element,
    key: tuple[str | bool, ...],
    build: Callable[[etree._Element], object],
) -> list[etree._Element]:
    """Append copies of what ``build`` makes under a parent (built once per ``key``)."""
    made = _TEMPLATES.get(key)
    if made is None:
        holder = etree.Element(_q("Template"), nsmap=NSMAP)
        build(holder)
        made = _TEMPLATES[key] = list(holder)
    copies = [copy.deepcopy(element) for element in made]
    parent.extend(copies)
    return copies


def _role(party_info: etree._Element, leg: _Leg, side: _Side, other: _Side, role: str) -> None:
    p = leg.nhn
    key = ("role", p.name, p.action, p.version, leg.two_way, side.prefix, other.prefix, role, side.encrypts)
    _stamp(party_info, key, lambda holder: _build_role(holder, leg, side, other, role))


def _build_role(party_info: etree._Element, leg: _Leg, side: _Side, other: _Side, role: str) -> None:
    p = leg.nhn
    name = p.role(role == SENDER)
    element = _el(party_info, "CollaborationRole")
    _el(element, "ProcessSpecification", href=p.href, name=p.name, version=p.version, uuid=p.uuid)
    _el(element, "Role", href=name.href, name=name.name)
    if side.encrypts:
        _el(element, "ApplicationCertificateRef", certId=side.enc_cert)
    binding = _el(element, "ServiceBinding")
    _el(binding, "Service", p.service.name, type=p.service.type)
    # The other party's matching binding: its opposite role, the opposite direction, the same action.
    opposite_role = RECEIVER if role == SENDER else SENDER
    for kind, action, package in leg.bindings(role):
        opposite_kind = "receive" if kind == "CanSend" else "send"
        mine = leg.binding(side, role, "send" if kind == "CanSend" else "receive", action)
        _can(binding, kind, side, action, mine, package, leg.binding(other, opposite_role, opposite_kind, action))


def _certificate(party_info: etree._Element, cert_id: str, der: bytes) -> None:
    cert = _el(party_info, "Certificate", certId=cert_id)
    key_info = etree.SubElement(cert, f"{{{DS}}}KeyInfo")
    data = etree.SubElement(key_info, f"{{{DS}}}X509Data")
    etree.SubElement(data, f"{{{DS}}}X509Certificate").text = base64.b64encode(der).decode("ascii")


def _reliable(binding: etree._Element) -> None:
    r = processes.catalogue().transport.reliable_messaging
    reliable = _el(binding, "ReliableMessaging")
    _el(reliable, "Retries", str(r.retries))
    _el(reliable, "RetryInterval", r.retry_interval)
    _el(reliable, "MessageOrderSemantics", r.order)
    _el(binding, "PersistDuration", r.persist_duration)


def _non_repudiation(parent: etree._Element, kind: str) -> etree._Element:
    nr = _el(parent, kind)
    _el(nr, "NonRepudiationProtocol", processes.catalogue().transport.non_repudiation.protocol)
    _el(nr, "HashFunction", HASH_FUNCTION)
    name, oid, w3c = SIGNATURE_ALGORITHM
    _el(nr, "SignatureAlgorithm", name, oid=oid, w3c=w3c)
    return nr


def _channels(party_info: etree._Element, side: _Side) -> None:
    """DeliveryChannel, Transport and DocExchange; only the endpoint differs between parties."""
    copies = _stamp(party_info, ("channels", side.prefix, side.signs), lambda holder: _build_channels(holder, side))
    endpoint = copies[1].find(f"{_q('TransportReceiver')}/{_q('Endpoint')}")
    assert endpoint is not None
    endpoint.set(_q("uri"), mailto(side.edi_address))


def _build_channels(party_info: etree._Element, side: _Side) -> None:
    """As NHN's template (ebXML over SMTP), with ids of this side (xs:IDs stay unique in the CPA)."""
    t = processes.catalogue().transport
    transport, exchange = side.id("transport_smtp"), side.id("docexchange_smtp")
    channel = _el(party_info, "DeliveryChannel", channelId=side.channel, transportId=transport, docExchangeId=exchange)
    _el(
        channel,
        "MessagingCharacteristics",
        syncReplyMode=t.messaging.sync_reply_mode,
        ackRequested=t.messaging.ack_requested,
        ackSignatureRequested=t.messaging.ack_signature_requested,
        duplicateElimination=t.messaging.duplicate_elimination,
    )
    element = _el(party_info, "Transport", transportId=transport)
    _el(_el(element, "TransportSender"), "TransportProtocol", t.protocol.name, version=t.protocol.version)
    receiver = _el(element, "TransportReceiver")
    _el(receiver, "TransportProtocol", t.protocol.name, version=t.protocol.version)
    _el(receiver, "Endpoint", uri=mailto(side.edi_address), type=t.endpoint.type)
    doc = _el(party_info, "DocExchange", docExchangeId=exchange)
    sender = _el(doc, "ebXMLSenderBinding", version="2.0")
    _reliable(sender)
    if side.signs:  # without a signing certificate there is no non-repudiation to state (a draft)
        _el(_non_repudiation(sender, "SenderNonRepudiation"), "SigningCertificateRef", certId=side.sign_cert)
    receiving = _el(doc, "ebXMLReceiverBinding", version="2.0")
    _reliable(receiving)
    _non_repudiation(receiving, "ReceiverNonRepudiation")


def _party_info(root: etree._Element, side: _Side, other: _Side, roles: list[tuple[_Leg, str]]) -> None:
    info = _el(
        root,
        "PartyInfo",
        partyName=side.name,
        defaultMshChannelId=side.channel,
        defaultMshPackageId=processes.catalogue().packaging.signal_package.id,
    )
    _el(info, "PartyId", str(side.her_id), type="HER")
    _el(info, "PartyRef", href=party_ref(side.her_id, side.edi_address))
    for leg, role in roles:
        _role(info, leg, side, other, role)
    signing, encryption = side.certificates.signing, side.certificates.encryption
    if signing is not None:
        _certificate(info, side.sign_cert, signing.der)
    if encryption is not None:
        _certificate(info, side.enc_cert, encryption.der)
    _channels(info, side)


def _simple_part(root: etree._Element, id_: str, namespaces: tuple[processes.Namespace, ...]) -> None:
    _stamp(root, ("part", id_), lambda holder: _build_simple_part(holder, id_, namespaces))


def _build_simple_part(root: etree._Element, id_: str, namespaces: tuple[processes.Namespace, ...]) -> None:
    part = _el(root, "SimplePart", id=id_, mimetype=processes.catalogue().packaging.simple_part_mimetype)
    for n in namespaces:
        _el(part, "NamespaceSupported", n.namespace, location=n.location, version=n.version)


def _composite(box: etree._Element, kind: str, id_: str, constituents: list[str]) -> etree._Element:
    packaging = processes.catalogue().packaging
    mime = packaging.encapsulation if kind == "Encapsulation" else packaging.composite
    element = _el(box, kind, id=id_, mimetype=mime.mimetype, mimeparameters=mime.mimeparameters)
    for idref in constituents:
        _el(element, "Constituent", idref=idref, excludedFromSignature="false")
    return element


def _payload_packaging(root: etree._Element, package_id: str) -> None:
    _stamp(root, ("packaging", package_id), lambda holder: _build_payload_packaging(holder, package_id))


def _build_payload_packaging(root: etree._Element, package_id: str) -> None:
    """NHN's template: the payload S/MIME-enveloped, in a multipart/related ebXML message with its header."""
    package = processes.catalogue().package(package_id)
    pkg = _el(root, "Packaging", id=package_id)
    _el(pkg, "ProcessingCapabilities", parse="true", generate="true")
    box = _el(pkg, "CompositeList")
    _composite(box, "Encapsulation", package.encapsulation, [package.simple_part])
    header = processes.catalogue().packaging.header_part.id
    _composite(box, "Composite", package.composite, [header, package.encapsulation])


def _sides(agreement: Agreement) -> tuple[_Side, _Side]:
    hf, party = agreement.hf, agreement.party
    hf_certificates, party_certificates = agreement.certificates
    return (
        _Side("hf", hf.her_id, hf.name, hf.edi_address, hf_certificates),
        _Side("party", party.her_id, party.name, party.edi_address, party_certificates),
    )


def _comment(agreement: Agreement) -> str:
    """The CPA's closing Comment, in the language in force (the repository's, as ``generated/`` is
    rendered); the status and state values themselves are the CPA's data elsewhere."""
    k, state = agreement.kommune, agreement.state
    text = _(
        "Partner agreement (routine step K4) between {hf} and {party} of kommune {kommune} {name}; "
        "declared status {status}, agreement state {state}."
    ).format(
        hf=agreement.hf.name,
        party=agreement.party.name,
        kommune=k.kommune,
        name=k.name,
        status=terms.status(k.status),
        state=terms.state(state),
    )
    if state is AgreementState.ACTIVE:
        text += " " + _("Electronic only: no paper fallback (H5).")
    if agreement.incomplete:
        text += " " + _("INCOMPLETE DRAFT, not to be used: {reasons}.").format(reasons="; ".join(agreement.incomplete))
    return text


def packages(legs: list[_Leg]) -> list[str]:
    """The Packaging ids the bindings name: payloads in the order of first use, then the AppRecs sorted."""
    payloads = dict.fromkeys(leg.nhn.package for leg in legs)
    return [*payloads, *sorted({leg.nhn.apprec.package for leg in legs})]


def build(agreement: Agreement) -> etree._ElementTree:
    """The CPA of one agreement."""
    hf_side, party_side = _sides(agreement)
    legs = _legs(agreement)
    root = etree.Element(_q("CollaborationProtocolAgreement"), nsmap=NSMAP)
    root.set(_q("cpaid"), agreement.cpaid)
    root.set(_q("version"), CPA_VERSION)
    _el(root, "Status", value=agreement.cpa_status)
    _el(root, "Start", agreement.start.isoformat())
    _el(root, "End", agreement.end.isoformat())

    _party_info(root, hf_side, party_side, _roles(legs, hf=True))
    _party_info(root, party_side, hf_side, _roles(legs, hf=False))

    nhn = processes.catalogue()
    packaged = packages(legs)
    header = nhn.packaging.header_part
    _simple_part(root, header.id, header.namespaces)
    for package_id in packaged:
        package = nhn.package(package_id)
        _simple_part(root, package.simple_part, package.namespaces)
    signal = _el(root, "Packaging", id=nhn.packaging.signal_package.id)
    _el(signal, "ProcessingCapabilities", parse="true", generate="true")
    _composite(_el(signal, "CompositeList"), "Composite", nhn.packaging.signal_package.composite, [header.id])
    for package_id in packaged:
        _payload_packaging(root, package_id)
    comment = _el(root, "Comment", _comment(agreement))
    comment.set(f"{{{XML}}}lang", i18n.current())  # the language it is written in: the repository's

    root.addprevious(etree.Comment(f" {generated_by()} "))
    return root.getroottree()
