"""One ebXML CPA (OASIS CPPA 2.0) per HF and communication party: the partner agreement of step K4.

Built with lxml from an ``Agreement``; valid against ``ebxml-cppa/cpp-cpa-2_0.xsd`` *strictly*
(every xs:ID unique, every IDREF resolving). The shape follows NHN's CPP template
(``../shared/standards/examples/cppa/``) and NHN's own CPAs, with these choices:

- **Parties**: two PartyInfo, the HF first. Each has PartyId type ``HER`` and PartyId type
  ``ENH`` (the organisation number in Enhetsregisteret; the type NHN's CPP template uses), and a
  PartyRef to the declaration the party comes from, relative to the CPA's place in
  the CPA directory of its HF in generated/.
- **Naming** (HISD 1209:2018): per process of the ordered version, Service ``S-<ACTION>``,
  Action the kodeverk 8279 code, Role ``<ACTION>sender`` / ``<ACTION>receiver``. The sender's
  role can send the action and receive ``APPREC``; the receiver's role receives the action and
  sends ``APPREC`` (roles swapped on the AppRec leg), with the AppRec version of that message
  version as package. Each binding names the other party's matching binding
  (OtherPartyActionBinding). Direction comes from the catalogue: the HF sends everything;
  the kommune also sends where the direction is ``both`` (dialogmelding, PLO), so both parties
  then hold both roles.
- **Ids** are derived from the side (``hf`` / ``party``), action, version and leg, e.g.
  ``hf_EPIKRISE_v1p2_send``, ``party_EPIKRISE_v1p2_apprec_send``: unique within a CPA by
  construction and stable across runs (NHN's sample CPAs reuse ids and fail strict validation).
- **Transport**: ebXML 2.0 over SMTP to the party's ``edi_address`` (``mailto:``), transport
  receipts always requested (the H2 step waits for them); reliable messaging and persistence as
  in NHN's template; signatures named with SHA-256 (the template still names SHA-1).
- **Certificates**: each party's signing and encryption certificate as NHN's address register
  (AR) publishes them (``partners/ar/certificate/<herId>/``), as
  ``ds:KeyInfo/ds:X509Data/ds:X509Certificate`` (base64 DER, what NHN's client reads). The
  signing certificate is the one the sender's non-repudiation binding names
  (``SigningCertificateRef``), the encryption certificate the one every role names
  (``ApplicationCertificateRef``). A certificate AR does not have yet is left out, and so is
  every reference to it: the CPA is then an incomplete draft (the closing Comment and the
  partner index say why) that ``deploy`` does not ship. Never a placeholder.
- **Packages**: per payload a SimplePart listing its namespaces (MsgHead 1.2 and the payload for
  MsgHead-wrapped messages, the message's own namespace for standalone ones, the AppRec
  namespace for receipts) and a Packaging (S/MIME enveloped payload in a multipart/related
  ebXML message), plus the ebXML header part and the MSH signal package.
- **Status**: ``agreed`` only when the agreement is active (declaration ``active`` and R-H5's
  evidence), else ``proposed``; Start and End as in ``pipeline.agreements.agreement``. The
  agreement's state is repeated in a closing Comment; the partner index is the place to read it.
"""

from __future__ import annotations

import base64
import copy
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from lxml import etree

from pipeline.agreements.agreement import Agreement, Certificates, Message
from pipeline.agreements.states import AgreementState
from pipeline.model.catalogue import Process, Schema, catalogue
from pipeline.render.context import HEADER

NS = "http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
NSMAP = {"tns": NS, "ds": DS, "xlink": XLINK}
SCHEMA = "ebxml-cppa/cpp-cpa-2_0.xsd"
CPA_VERSION = "2_0b"

PROCESS_BASE = "http://www.helsedirektoratet.no/processes"
EBXML_MSG = Schema("2.0", "http://www.oasis-open.org/committees/ebxml-msg/schema", "msg-header-2_0.xsd")
HASH_FUNCTION = "http://www.w3.org/2001/04/xmlenc#sha256"
SIGNATURE_ALGORITHM = ("RSA-SHA256", "1.2.840.113549.1.1.11", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
# Characters RFC 6068 lets stand unencoded in a mailto: address besides letters, digits and "_.-~".
MAILTO_SAFE = "@!$'()*+,;:"

APPREC = "APPREC"
MSGHEAD_VERSION = "1.2"  # the envelope of every MsgHead-wrapped message (DOMAIN.md, "The messages")
HEADER_PART = "msg_header"
SIGNAL_PACKAGE = "package_mshsignal"


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


@dataclass(frozen=True)
class _Side:
    prefix: str
    her_id: int
    name: str
    org_number: str
    edi_address: str
    ref: str
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
class _Part:
    """A SimplePart and the Packaging that carries it."""

    slug: str
    namespaces: tuple[Schema, ...]

    @property
    def part(self) -> str:
        return f"message_{self.slug}"

    @property
    def package(self) -> str:
        return f"package_{self.slug}"


@dataclass(frozen=True)
class _Leg:
    """One process of one message version with the packages of its payload and its AppRec."""

    process: Process
    version: str
    payload: _Part
    apprec: _Part
    kommune_sends: bool

    def binding(self, side: _Side, leg: str) -> str:
        return side.id(self.process.action, f"v{vid(self.version)}", leg)


def _payload_part(message: Message, process: Process) -> _Part:
    v = message.version
    own = Schema(v.version, process.namespace, process.xsd)
    if v.wrapping == "msghead":
        head = catalogue().msghead[MSGHEAD_VERSION]
        namespaces: tuple[Schema, ...] = (head, own)
    else:
        namespaces = (own,)
    slug = message.key if process.namespace == v.namespace else f"{message.key}_{process.process.lower()}"
    return _Part(f"{slug}_v{vid(v.version)}", namespaces)


def _apprec_part(version: str) -> _Part:
    return _Part(f"apprec_v{vid(version)}", (catalogue().apprec[version],))


def _legs(agreement: Agreement) -> list[_Leg]:
    """Every process of every ordered message version, in catalogue order."""
    legs = []
    for message in agreement.cpa_messages:
        apprec = _apprec_part(message.version.apprec)
        for process in message.version.processes:
            payload = _payload_part(message, process)
            legs.append(_Leg(process, message.version.version, payload, apprec, message.kommune_sends))
    return legs


def _roles(legs: list[_Leg], hf: bool) -> list[tuple[_Leg, bool]]:
    """(leg, sending) for one side: the HF sends every leg, the kommune the two-way ones; both
    receive what the other sends. Per leg the sending role comes first."""
    roles = []
    for leg in legs:
        if hf or leg.kommune_sends:
            roles.append((leg, True))
        if not hf or leg.kommune_sends:
            roles.append((leg, False))
    return roles


def _transaction(binding: etree._Element, channel: str) -> None:
    _el(
        binding,
        "BusinessTransactionCharacteristics",
        isNonRepudiationRequired="true",
        isNonRepudiationReceiptRequired="true",
        isConfidential="none",
        isAuthenticated="none",
        isTamperProof="none",
        isAuthorizationRequired="false",
        isIntelligibleCheckRequired="false",
        timeToPerform="P180M",
    )
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
# payload, the channels only on the side (but for the endpoint). Such parts are built once per
# process, keyed by everything they depend on, and deep-copied in (lxml copies in C; building
# them element by element was most of the time of a national build).
_TEMPLATES: dict[tuple[str | bool | tuple[Schema, ...], ...], list[etree._Element]] = {}


def _stamp(
    parent: etree._Element,
    key: tuple[str | bool | tuple[Schema, ...], ...],
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


def _role(party_info: etree._Element, leg: _Leg, side: _Side, other: _Side, sending: bool) -> None:
    p = leg.process
    key = (
        "role",
        p.process,
        p.action,
        leg.version,
        leg.payload.slug,
        leg.apprec.slug,
        side.prefix,
        other.prefix,
        sending,
        side.encrypts,
    )
    _stamp(party_info, key, lambda holder: _build_role(holder, leg, side, other, sending))


def _build_role(party_info: etree._Element, leg: _Leg, side: _Side, other: _Side, sending: bool) -> None:
    p = leg.process
    role_name = p.role(sending)
    role = _el(party_info, "CollaborationRole")
    _el(role, "ProcessSpecification", href=f"{PROCESS_BASE}/{p.process}.xml", name=p.process, version=leg.version)
    _el(role, "Role", href=f"{PROCESS_BASE}#{role_name}", name=role_name)
    if side.encrypts:
        _el(role, "ApplicationCertificateRef", certId=side.enc_cert)
    binding = _el(role, "ServiceBinding")
    _el(binding, "Service", p.service, type="string")
    if sending:
        _can(
            binding,
            "CanSend",
            side,
            p.action,
            leg.binding(side, "send"),
            leg.payload.package,
            leg.binding(other, "receive"),
        )
        _can(
            binding,
            "CanReceive",
            side,
            APPREC,
            leg.binding(side, "apprec_receive"),
            leg.apprec.package,
            leg.binding(other, "apprec_send"),
        )
    else:
        _can(
            binding,
            "CanSend",
            side,
            APPREC,
            leg.binding(side, "apprec_send"),
            leg.apprec.package,
            leg.binding(other, "apprec_receive"),
        )
        _can(
            binding,
            "CanReceive",
            side,
            p.action,
            leg.binding(side, "receive"),
            leg.payload.package,
            leg.binding(other, "send"),
        )


def _certificate(party_info: etree._Element, cert_id: str, der: bytes) -> None:
    cert = _el(party_info, "Certificate", certId=cert_id)
    key_info = etree.SubElement(cert, f"{{{DS}}}KeyInfo")
    data = etree.SubElement(key_info, f"{{{DS}}}X509Data")
    etree.SubElement(data, f"{{{DS}}}X509Certificate").text = base64.b64encode(der).decode("ascii")


def _reliable(binding: etree._Element) -> None:
    reliable = _el(binding, "ReliableMessaging")
    _el(reliable, "Retries", "4")
    _el(reliable, "RetryInterval", "PT720M")
    _el(reliable, "MessageOrderSemantics", "NotGuaranteed")
    _el(binding, "PersistDuration", "P4D")


def _non_repudiation(parent: etree._Element, kind: str) -> etree._Element:
    nr = _el(parent, kind)
    _el(nr, "NonRepudiationProtocol", DS)
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
    transport, exchange = side.id("transport_smtp"), side.id("docexchange_smtp")
    channel = _el(party_info, "DeliveryChannel", channelId=side.channel, transportId=transport, docExchangeId=exchange)
    _el(
        channel,
        "MessagingCharacteristics",
        syncReplyMode="none",
        ackRequested="always",
        ackSignatureRequested="perMessage",
        duplicateElimination="always",
    )
    t = _el(party_info, "Transport", transportId=transport)
    _el(_el(t, "TransportSender"), "TransportProtocol", "SMTP", version="1.1")
    receiver = _el(t, "TransportReceiver")
    _el(receiver, "TransportProtocol", "SMTP", version="1.1")
    _el(receiver, "Endpoint", uri=mailto(side.edi_address), type="allPurpose")
    doc = _el(party_info, "DocExchange", docExchangeId=exchange)
    sender = _el(doc, "ebXMLSenderBinding", version="2.0")
    _reliable(sender)
    if side.signs:  # without a signing certificate there is no non-repudiation to state (a draft)
        _el(_non_repudiation(sender, "SenderNonRepudiation"), "SigningCertificateRef", certId=side.sign_cert)
    receiving = _el(doc, "ebXMLReceiverBinding", version="2.0")
    _reliable(receiving)
    _non_repudiation(receiving, "ReceiverNonRepudiation")


def _party_info(root: etree._Element, side: _Side, other: _Side, roles: list[tuple[_Leg, bool]]) -> None:
    info = _el(
        root, "PartyInfo", partyName=side.name, defaultMshChannelId=side.channel, defaultMshPackageId=SIGNAL_PACKAGE
    )
    _el(info, "PartyId", str(side.her_id), type="HER")
    _el(info, "PartyId", side.org_number, type="ENH")
    _el(info, "PartyRef", href=side.ref)
    for leg, sending in roles:
        _role(info, leg, side, other, sending)
    signing, encryption = side.certificates.signing, side.certificates.encryption
    if signing is not None:
        _certificate(info, side.sign_cert, signing.der)
    if encryption is not None:
        _certificate(info, side.enc_cert, encryption.der)
    _channels(info, side)


def _simple_part(root: etree._Element, id_: str, namespaces: tuple[Schema, ...]) -> None:
    _stamp(root, ("part", id_, namespaces), lambda holder: _build_simple_part(holder, id_, namespaces))


def _build_simple_part(root: etree._Element, id_: str, namespaces: tuple[Schema, ...]) -> None:
    part = _el(root, "SimplePart", id=id_, mimetype="application/xml")
    for schema in namespaces:
        _el(
            part,
            "NamespaceSupported",
            schema.namespace,
            location=posixpath.basename(schema.xsd),
            version=schema.version,
        )


def _composite(box: etree._Element, kind: str, id_: str, constituents: list[str]) -> etree._Element:
    if kind == "Encapsulation":
        element = _el(
            box, kind, id=id_, mimetype="application/pkcs7-mime", mimeparameters='smime-type="enveloped-data"'
        )
    else:
        element = _el(box, kind, id=id_, mimetype="multipart/related", mimeparameters="type=text/xml")
    for idref in constituents:
        _el(element, "Constituent", idref=idref, excludedFromSignature="false")
    return element


def _payload_packaging(root: etree._Element, part: _Part) -> None:
    _stamp(root, ("packaging", part.slug, part.namespaces), lambda holder: _build_payload_packaging(holder, part))


def _build_payload_packaging(root: etree._Element, part: _Part) -> None:
    pkg = _el(root, "Packaging", id=part.package)
    _el(pkg, "ProcessingCapabilities", parse="true", generate="true")
    box = _el(pkg, "CompositeList")
    encapsulated = f"enc_{part.slug}"
    _composite(box, "Encapsulation", encapsulated, [part.part])
    _composite(box, "Composite", f"msg_{part.slug}", [HEADER_PART, encapsulated])


def _sides(agreement: Agreement, hf_ref: str, party_ref: str) -> tuple[_Side, _Side]:
    hf, k, party = agreement.hf, agreement.kommune, agreement.party
    hf_certificates, party_certificates = agreement.certificates
    return (
        _Side("hf", hf.her_id, hf.name, hf.org_number, hf.edi_address, hf_ref, hf_certificates),
        _Side("party", party.her_id, party.name, k.org_number, party.edi_address, party_ref, party_certificates),
    )


def _comment(agreement: Agreement) -> str:
    k, state = agreement.kommune, agreement.state
    text = (
        f"Partner agreement (routine step K4) between {agreement.hf.name} and {agreement.party.name} "
        f"of kommune {k.kommune} {k.name}; declared status {k.status}, agreement state {state}."
    )
    if state is AgreementState.ACTIVE:
        text += " Electronic only: no paper fallback (H5)."
    if agreement.incomplete:
        text += " INCOMPLETE DRAFT, not to be used: " + "; ".join(agreement.incomplete) + "."
    return text


def build(agreement: Agreement, *, hf_ref: str, party_ref: str) -> etree._ElementTree:
    """The CPA of one agreement. ``hf_ref`` / ``party_ref`` are the PartyRef links of the two sides."""
    hf_side, party_side = _sides(agreement, hf_ref, party_ref)
    legs = _legs(agreement)
    root = etree.Element(_q("CollaborationProtocolAgreement"), nsmap=NSMAP)
    root.set(_q("cpaid"), agreement.cpaid)
    root.set(_q("version"), CPA_VERSION)
    _el(root, "Status", value=agreement.cpa_status)
    _el(root, "Start", agreement.start.isoformat())
    _el(root, "End", agreement.end.isoformat())

    _party_info(root, hf_side, party_side, _roles(legs, hf=True))
    _party_info(root, party_side, hf_side, _roles(legs, hf=False))

    parts: dict[str, _Part] = {}
    for leg in legs:
        parts.setdefault(leg.payload.slug, leg.payload)
    apprecs = {leg.apprec.slug: leg.apprec for leg in legs}
    packaged = [*parts.values(), *(apprecs[slug] for slug in sorted(apprecs))]
    _simple_part(root, HEADER_PART, (EBXML_MSG,))
    for part in packaged:
        _simple_part(root, part.part, part.namespaces)
    signal = _el(root, "Packaging", id=SIGNAL_PACKAGE)
    _el(signal, "ProcessingCapabilities", parse="true", generate="true")
    _composite(_el(signal, "CompositeList"), "Composite", "msh_signal", [HEADER_PART])
    for part in packaged:
        _payload_packaging(root, part)
    comment = _el(root, "Comment", _comment(agreement))
    comment.set(f"{{{XML}}}lang", "en")

    root.addprevious(etree.Comment(f" {HEADER} "))
    return root.getroottree()
