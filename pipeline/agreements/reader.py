"""Read a CPA or CPP the way NHN's reference client (Helsenorge.Messaging, ``Helsenorge.Registries``) reads it.

Given a CPA and one party's HER-id the reader returns what a message server of that party would see: the
counterparty (chosen as the reference client chooses it: the PartyInfo of the first PartyId that is not the
HER-id), its roles, and every message function, each with its action binding, endpoint, payload namespaces
and the certificates. A CPP is read as the profile of its (first) PartyInfo.

Where the reference client throws, this reader raises ``DocumentError`` (file, line, rule); where it silently
reads less (no package, no X.509 data in a Certificate), the value says so and a warning explains it.
Strict mode refuses reused xs:IDs and, given the schema set, anything the OASIS XSD refuses; lenient mode, for
CPAs we receive (NHN's own reuse ids), reports reused ids as warnings and still refuses every other schema error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from pipeline.agreements.reading import (
    Binding,
    Certificate,
    CertificateStatus,
    Direction,
    Endpoint,
    Kind,
    MessageFunction,
    Part,
    Party,
    PartyId,
    ProcessSpecification,
    Reading,
    ReadWarning,
    Role,
    Usage,
    same_name,
)
from pipeline.errors import DocumentError
from pipeline.i18n import _
from pipeline.render.xml import safe_parser
from pipeline.render.xsd import SchemaSet

NS = "http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
XLINK = "http://www.w3.org/1999/xlink"
SCHEMA = "ebxml-cppa/cpp-cpa-2_0.xsd"

Mode = Literal["strict", "lenient"]

# Rule ids named in errors and warnings.
XML = "cpa.xml"
SCHEMA_RULE = "cpa.schema"
IDS = "cpa.ids"
COUNTERPARTY = "cpa.counterparty"
PARTY = "cpa.party"
ROLE = "cpa.role"
BINDING = "cpa.binding"
PACKAGE = "cpa.package"
CERTIFICATE = "cpa.certificate"
PERIOD = "cpa.period"

# xs:ID attributes of cpp-cpa-2_0.xsd, by element: their values must be unique in the whole document.
_ID_ATTRIBUTES = {
    "ThisPartyActionBinding": "id",
    "DeliveryChannel": "channelId",
    "Transport": "transportId",
    "Certificate": "certId",
    "DocExchange": "docExchangeId",
    "SecurityDetails": "securityId",
    "SimplePart": "id",
    "Packaging": "id",
    "Encapsulation": "id",
    "Composite": "id",
}


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _attr(element: etree._Element, name: str) -> str | None:
    return element.get(_q(name))


def _text(element: etree._Element | None) -> str | None:
    """An element's text as .NET's ``XElement.Value`` gives it (all descendant text, unstripped)."""
    if element is None:
        return None
    return "".join(str(t) for t in element.itertext())


def _line(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) else 0


class _Reader:
    def __init__(self, root: etree._Element, file: str) -> None:
        self.root, self.file = root, file
        self.warnings: list[ReadWarning] = []

    def fail(self, message: str, element: etree._Element | None, rule: str) -> DocumentError:
        return DocumentError(message, file=self.file, line=_line(element) if element is not None else None, rule=rule)

    def warn(self, rule: str, element: etree._Element | None, message: str) -> None:
        self.warnings.append(ReadWarning(rule, _line(element) if element is not None else 0, message))

    # -- packages ---------------------------------------------------------------------------------------------
    def parts(self, package_id: str | None, binding: etree._Element) -> tuple[Part, ...] | None:
        packaging = next((p for p in self.root.findall(_q("Packaging")) if _attr(p, "id") == package_id), None)
        composites = packaging.find(_q("CompositeList")) if packaging is not None else None
        if composites is None:
            self.warn(
                PACKAGE,
                binding,
                _(
                    "action binding {attr!r} names package {package_id!r}, which is not in the "
                    "document (or has no CompositeList): the reference client finds no message parts"
                ).format(attr=_attr(binding, "id"), package_id=package_id),
            )
            return None
        constituents = [
            *(c for e in composites.findall(_q("Encapsulation")) for c in e.findall(_q("Constituent"))),
            *(c for e in composites.findall(_q("Composite")) for c in e.findall(_q("Constituent"))),
        ]
        parts: list[Part] = []
        for constituent in constituents:
            idref = _attr(constituent, "idref")
            if idref is None:
                raise self.fail(
                    _("a Constituent has no tns:idref (the reference client fails on it)"), constituent, PACKAGE
                )
            low, high = _int(_attr(constituent, "minOccurs"), 0), _int(_attr(constituent, "maxOccurs"), 1)
            for simple in self.root.findall(_q("SimplePart")):
                if _attr(simple, "id") != idref:
                    continue
                for supported in simple.findall(_q("NamespaceSupported")):
                    location = _attr(supported, "location")
                    if location is None:
                        raise self.fail(
                            _(
                                "NamespaceSupported of SimplePart {idref!r} has no tns:location (the reference "
                                "client fails on it)"
                            ).format(idref=idref),
                            supported,
                            PACKAGE,
                        )
                    namespace = _text(supported) or ""
                    parts.append(Part(namespace, location, _attr(supported, "version"), idref, low, high))
        return tuple(parts)

    # -- bindings ---------------------------------------------------------------------------------------------
    def endpoint(self, binding: etree._Element, info: etree._Element) -> Endpoint:
        what = _("action binding {attr!r}").format(attr=_attr(binding, "id"))
        channel_node = binding.find(_q("ChannelId"))
        if channel_node is None:
            raise self.fail(_("{what} has no ChannelId").format(what=what), binding, BINDING)
        channel_id = _text(channel_node) or ""
        channel = next((c for c in info.findall(_q("DeliveryChannel")) if _attr(c, "channelId") == channel_id), None)
        transport_id = _attr(channel, "transportId") if channel is not None else None
        if transport_id is None:
            raise self.fail(
                _(
                    "{what}: ChannelId {channel_id!r} names no DeliveryChannel with a transportId in the same PartyInfo"
                ).format(what=what, channel_id=channel_id),
                channel_node,
                BINDING,
            )
        transport = next((t for t in info.findall(_q("Transport")) if _attr(t, "transportId") == transport_id), None)
        receiver = transport.find(_q("TransportReceiver")) if transport is not None else None
        if receiver is None:
            raise self.fail(
                _(
                    "{what}: transport {transport_id!r} of channel {channel_id!r} has no "
                    "TransportReceiver in the same PartyInfo"
                ).format(what=what, transport_id=transport_id, channel_id=channel_id),
                channel if channel is not None else binding,
                BINDING,
            )
        protocol, endpoint = receiver.find(_q("TransportProtocol")), receiver.find(_q("Endpoint"))
        return Endpoint(
            channel=channel_id,
            transport=transport_id,
            protocol=_text(protocol),
            protocol_version=_attr(protocol, "version") if protocol is not None else None,
            uri=_attr(endpoint, "uri") if endpoint is not None else None,
        )

    def binding(self, can: etree._Element, kind: Direction, info: etree._Element, process: str) -> Binding:
        this = can.find(_q("ThisPartyActionBinding"))
        if this is None:
            raise self.fail(
                _("{localname} has no ThisPartyActionBinding").format(localname=etree.QName(can).localname),
                can,
                BINDING,
            )
        action = _attr(this, "action")
        if action is None:
            raise self.fail(_("an action binding has no tns:action"), this, BINDING)
        package = _attr(this, "packageId")
        other = can.find(_q("OtherPartyActionBinding"))
        return Binding(
            kind=kind,
            action=action,
            function=process.upper(),
            id=_attr(this, "id"),
            package=package,
            endpoint=self.endpoint(this, info),
            parts=self.parts(package, this),
            other=_text(other),
            line=_line(this),
        )

    # -- roles ------------------------------------------------------------------------------------------------
    def role(self, element: etree._Element, info: etree._Element) -> Role:
        spec, role = element.find(_q("ProcessSpecification")), element.find(_q("Role"))
        name = _attr(spec, "name") if spec is not None else None
        if spec is None or name is None:
            raise self.fail(
                _("a CollaborationRole has no ProcessSpecification name (the reference client's lookups fail on it)"),
                element,
                ROLE,
            )
        process = ProcessSpecification(
            name=name,
            version=_attr(spec, "version"),
            uuid=_attr(spec, "uuid"),
            href=spec.get(f"{{{XLINK}}}href"),
        )
        certificate = element.find(_q("ApplicationCertificateRef"))
        service_binding = element.find(_q("ServiceBinding"))
        service = service_binding.find(_q("Service")) if service_binding is not None else None
        cans = service_binding if service_binding is not None else etree.Element(_q("ServiceBinding"))
        return Role(
            name=_attr(role, "name") if role is not None else None,
            href=role.get(f"{{{XLINK}}}href") if role is not None else None,
            process=process,
            service=_text(service),
            service_type=_attr(service, "type") if service is not None else None,
            certificate_ref=_attr(certificate, "certId") if certificate is not None else None,
            sends=tuple(self.binding(c, "send", info, name) for c in cans.findall(_q("CanSend"))),
            receives=tuple(self.binding(c, "receive", info, name) for c in cans.findall(_q("CanReceive"))),
            line=_line(element),
        )

    # -- certificates -----------------------------------------------------------------------------------------
    def certificate(self, element: etree._Element, party: str) -> Certificate:
        cert_id = _attr(element, "certId") or ""
        data = next(element.iter(f"{{{DS}}}X509Certificate"), None)
        key_name = _text(next(element.iter(f"{{{DS}}}KeyName"), None))

        def unusable(status: CertificateStatus, problem: str) -> Certificate:
            return Certificate(
                cert_id=cert_id,
                status=status,
                usage=None,
                subject=None,
                issuer=None,
                serial=None,
                not_before=None,
                not_after=None,
                sha1=None,
                sha256=None,
                key=None,
                key_name=key_name,
                problem=problem,
                line=_line(element),
            )

        if data is None:
            problem = _("no ds:X509Certificate") + (_(" (only a ds:KeyName)") if key_name is not None else "")
            self.warn(
                CERTIFICATE,
                element,
                _(
                    "{party}: Certificate {cert_id!r} has {problem}: the reference client cannot load this profile"
                ).format(party=party, cert_id=cert_id, problem=problem),
            )
            return unusable("missing", problem)
        try:
            der = base64.b64decode("".join((_text(data) or "").split()), validate=True)
            cert = x509.load_der_x509_certificate(der)
            usage = _usage(cert)
            subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
            key = _key(cert)
        except (binascii.Error, ValueError, UnsupportedAlgorithm) as exc:
            problem = _("ds:X509Certificate is not a base64 DER certificate ({exc})").format(exc=exc)
            self.warn(
                CERTIFICATE,
                data,
                _("{party}: Certificate {cert_id!r}: {problem}").format(party=party, cert_id=cert_id, problem=problem),
            )
            return unusable("invalid", problem)
        return Certificate(
            cert_id=cert_id,
            status="x509",
            usage=usage,
            subject=subject,
            issuer=issuer,
            serial=format(cert.serial_number, "X"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha1=cert.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - the thumbprint, not a signature
            sha256=cert.fingerprint(hashes.SHA256()).hex().upper(),
            key=key,
            key_name=key_name,
            problem=None,
            line=_line(element),
        )

    # -- parties ----------------------------------------------------------------------------------------------
    def party(self, info: etree._Element) -> Party:
        name = _attr(info, "partyName")
        if name is None:
            raise self.fail(_("a PartyInfo has no tns:partyName"), info, PARTY)
        ids = tuple(PartyId(_attr(p, "type"), _text(p) or "") for p in info.findall(_q("PartyId")))
        if not ids:
            raise self.fail(_("PartyInfo {name!r} has no PartyId").format(name=name), info, PARTY)
        her_id = _int(ids[0].value, 0)
        if her_id == 0:
            self.warn(
                PARTY,
                info,
                _("PartyInfo {name!r}: first PartyId {value!r} is not a HER-id (read as 0)").format(
                    name=name, value=ids[0].value
                ),
            )
        if len(ids) > 1:
            listed = ", ".join(f"{i.type} {i.value}" for i in ids)
            self.warn(
                PARTY,
                info,
                _("PartyInfo {name!r} has {n} PartyIds ({listed}); NHN's CPAs carry one, HER").format(
                    name=name, n=len(ids), listed=listed
                ),
            )
        ref = info.find(_q("PartyRef"))
        certificates = tuple(self.certificate(c, name) for c in info.findall(_q("Certificate")))
        party = Party(
            name=name,
            her_id=her_id,
            party_ids=ids,
            party_ref=ref.get(f"{{{XLINK}}}href") if ref is not None else None,
            roles=tuple(self.role(r, info) for r in info.findall(_q("CollaborationRole"))),
            certificates=certificates,
            line=_line(info),
        )
        for usage, certificate in (("signing", party.signing), ("encryption", party.encryption)):
            if certificate is None:
                self.warn(
                    CERTIFICATE,
                    info,
                    _("PartyInfo {name!r} has no {usage} certificate the reference client takes").format(
                        name=name, usage=usage
                    ),
                )
        return party


_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")


def _int(value: str | None, default: int) -> int:
    """.NET's ``int.TryParse`` with invariant culture, as the reference client's ``ToInt``."""
    if value is None:
        return default
    if not _INTEGER.fullmatch(value):
        return default
    number = int(value)
    return number if -(2**31) <= number < 2**31 else default


def _key(cert: x509.Certificate) -> str:
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        return f"RSA {public.key_size}"
    if isinstance(public, ec.EllipticCurvePublicKey):
        return f"EC {public.curve.name}"
    return type(public).__name__


def _usage(cert: x509.Certificate) -> Usage:
    """The reference client's classification: keyEncipherment → encryption, else nonRepudiation → signing."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return "other"
    if usage.key_encipherment:
        return "encryption"
    if usage.content_commitment:
        return "signing"
    return "other"


def _datetime(reader: _Reader, element: etree._Element | None) -> dt.datetime | None:
    if element is None:
        return None
    text = (_text(element) or "").strip()
    try:
        # .NET writes seven fractional digits; Python reads at most six.
        head, dot, rest = text.partition(".")
        if dot:
            digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
            text = f"{head}.{digits[:6]}{rest[len(digits) :]}"
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise reader.fail(
            _("{localname} {text!r} is not an xs:dateTime").format(localname=etree.QName(element).localname, text=text),
            element,
            PERIOD,
        ) from None
    if value.tzinfo is None:
        raise reader.fail(
            _("{localname} {text!r} has no time zone").format(localname=etree.QName(element).localname, text=text),
            element,
            PERIOD,
        )
    return value


def _duplicate_ids(root: etree._Element) -> dict[int, str]:
    """Line → value of every xs:ID occurrence after the first with the same value."""
    seen: set[str] = set()
    duplicates: dict[int, str] = {}
    for element in root.iter(*(_q(tag) for tag in _ID_ATTRIBUTES)):
        value = _attr(element, _ID_ATTRIBUTES[etree.QName(element).localname])
        if value is None:
            continue
        if value in seen:
            duplicates.setdefault(_line(element), value)
        seen.add(value)
    return duplicates


def _check_schema(reader: _Reader, tree: etree._Element, mode: Mode, schemas: SchemaSet | None) -> None:
    duplicates = _duplicate_ids(tree)
    if duplicates and mode == "strict":
        line, value = min(duplicates.items())
        raise DocumentError(
            _("xs:ID {value!r} is used more than once ({n} reused ids); read it leniently to accept that").format(
                value=value, n=len(duplicates)
            ),
            file=reader.file,
            line=line,
            rule=IDS,
        )
    for line, value in sorted(duplicates.items()):
        reader.warnings.append(ReadWarning(IDS, line, f"xs:ID {value!r} is used more than once"))
    if schemas is None:
        return
    schema = schemas.schema(SCHEMA)
    if schema.validate(tree):
        return
    for error in schema.error_log:  # type: ignore[attr-defined]
        if "'xs:ID'" in error.message and error.line in duplicates:
            continue  # reported above
        raise DocumentError(
            _("not valid against {SCHEMA}: {message}").format(SCHEMA=SCHEMA, message=error.message),
            file=reader.file,
            line=error.line,
            rule=SCHEMA_RULE,
        )


def _pair(reader_functions: Iterable[tuple[Direction, Role, Binding]], me: Party | None) -> tuple[MessageFunction, ...]:
    mine_by_id = {b.id: (r, b) for r in (me.roles if me else ()) for b in (*r.sends, *r.receives) if b.id}
    functions = []
    for direction, role, binding in reader_functions:
        wanted: Direction = "send" if binding.kind == "receive" else "receive"
        match = mine_by_id.get(binding.other) if binding.other else None
        if match is not None and match[1].kind != wanted:
            match = None
        if match is None and me is not None:
            counterpart = _counterpart(role.name)
            candidates = [
                (r, b)
                for r in me.roles
                if same_name(r.process.name, role.process.name) and r.process.version == role.process.version
                for b in (r.sends if wanted == "send" else r.receives)
                if same_name(b.action, binding.action)
            ]
            candidates.sort(key=lambda rb: rb[0].name != counterpart)  # stable: document order otherwise
            match = candidates[0] if candidates else None
        functions.append(
            MessageFunction(
                direction=direction,
                process=role.process,
                service=role.service,
                service_type=role.service_type,
                action=binding.action,
                counterparty_role=role.name,
                binding=binding,
                my_role=match[0].name if match else None,
                mine=match[1] if match else None,
            )
        )
    return tuple(functions)


def _counterpart(role: str | None) -> str | None:
    if role is None:
        return None
    if role.endswith("sender"):
        return role.removesuffix("sender") + "receiver"
    if role.endswith("receiver"):
        return role.removesuffix("receiver") + "sender"
    return None


def _period_warnings(reader: _Reader, start: dt.datetime | None, end: dt.datetime | None, parties: list[Party]) -> None:
    for party in parties:
        for c in party.certificates:
            if c.not_after is not None and end is not None and end > c.not_after:
                reader.warnings.append(
                    ReadWarning(
                        PERIOD,
                        c.line,
                        f"{party.name}: Certificate {c.cert_id!r} expires {c.not_after.isoformat()}, before the "
                        f"agreement's End {end.isoformat()}",
                    )
                )
            if c.not_before is not None and start is not None and start < c.not_before:
                reader.warnings.append(
                    ReadWarning(
                        PERIOD,
                        c.line,
                        f"{party.name}: Certificate {c.cert_id!r} is valid from {c.not_before.isoformat()}, after "
                        f"the agreement's Start {start.isoformat()}",
                    )
                )


def read(
    data: bytes, *, file: str, her_id: int | None = None, mode: Mode = "strict", schemas: SchemaSet | None = None
) -> Reading:
    """Read a CPA as the party ``her_id``, or a CPP (``her_id`` then only names the reader)."""
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentError(
            _("not well-formed XML: {msg}").format(msg=exc.msg), file=file, line=exc.lineno, rule=XML
        ) from None
    reader = _Reader(root, file)
    name = etree.QName(root)
    kinds: dict[str, Kind] = {"CollaborationProtocolAgreement": "cpa", "CollaborationProtocolProfile": "cpp"}
    if name.namespace != NS or name.localname not in kinds:
        raise reader.fail(
            _("root element {{{namespace}}}{localname} is not a CPPA 2.0 CPA or CPP").format(
                namespace=name.namespace, localname=name.localname
            ),
            root,
            XML,
        )
    kind = kinds[name.localname]
    _check_schema(reader, root, mode, schemas)

    infos = root.findall(_q("PartyInfo"))
    if not infos:
        raise reader.fail(_("the document has no PartyInfo"), root, PARTY)
    me_info: etree._Element | None = None
    if kind == "cpp":
        other = infos[0]
    else:
        if her_id is None:
            raise reader.fail(_("a CPA is read as one of its parties: give that party's HER-id"), root, COUNTERPARTY)
        mine = str(her_id)
        other_or_none = next((i for i in infos for p in i.findall(_q("PartyId")) if _text(p) != mine), None)
        if other_or_none is None:
            raise reader.fail(
                _("every PartyId is {mine}: the reference client finds no counterparty").format(mine=mine),
                infos[0],
                COUNTERPARTY,
            )
        other = other_or_none
        own_ids = [p for p in other.findall(_q("PartyId")) if _text(p) == mine]
        if own_ids:
            differing = next(p for p in other.findall(_q("PartyId")) if _text(p) != mine)
            raise reader.fail(
                _(
                    "the reference client takes PartyInfo {attr!r} as the counterparty of {mine}, "
                    "because its PartyId {attr2} {text} differs from {mine}; but that PartyInfo is "
                    "{mine}'s own (NHN's CPAs carry one PartyId, type HER)"
                ).format(
                    attr=_attr(other, "partyName"), mine=mine, attr2=_attr(differing, "type"), text=_text(differing)
                ),
                own_ids[0],
                COUNTERPARTY,
            )
        me_info = next(
            (i for i in infos if i is not other and any(_text(p) == mine for p in i.iter(_q("PartyId")))), None
        )
        if me_info is None:
            reader.warn(
                COUNTERPARTY,
                root,
                _("HER-id {mine} is the PartyId of no PartyInfo: the agreement is not its").format(mine=mine),
            )
        cpaid = _attr(root, "cpaid")
        try:
            uuid.UUID(cpaid or "")
        except ValueError:
            raise reader.fail(
                _("cpaid {cpaid!r} is not a GUID (the reference client parses it as one)").format(cpaid=cpaid),
                root,
                XML,
            ) from None

    counterparty = reader.party(other)
    me = reader.party(me_info) if me_info is not None else None
    start, end = _datetime(reader, root.find(_q("Start"))), _datetime(reader, root.find(_q("End")))
    _period_warnings(reader, start, end, [p for p in (counterparty, me) if p is not None])
    status = root.find(_q("Status"))
    seen: list[tuple[Direction, Role, Binding]] = [
        ("send" if b.kind == "receive" else "receive", r, b)
        for r in counterparty.roles
        for b in (*r.sends, *r.receives)
    ]
    seen.sort(key=lambda item: item[2].line)
    return Reading(
        file=file,
        kind=kind,
        id=_attr(root, "cpaid" if kind == "cpa" else "cppid"),
        version=_attr(root, "version"),
        status=_attr(status, "value") if status is not None else None,
        start=start,
        end=end,
        her_id=her_id,
        me=me,
        counterparty=counterparty,
        functions=_pair(seen, me),
        warnings=tuple(reader.warnings),
    )


def read_file(
    path: Path, *, her_id: int | None = None, mode: Mode = "strict", schemas: SchemaSet | None = None
) -> Reading:
    """``read`` on a file; a file that cannot be read is a DocumentError too."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(
            _("cannot read: {strerror}").format(strerror=exc.strerror), file=str(path), line=None, rule=XML
        ) from None
    return read(data, file=str(path), her_id=her_id, mode=mode, schemas=schemas)


def first_party(path: Path) -> int | None:
    """The HER-id of a CPA's first PartyInfo (its first PartyId as the reference client reads a HER-id), or None
    when it has none: the party our CPAs put first is the HF."""
    try:
        root = etree.fromstring(path.read_bytes(), safe_parser())
    except OSError as exc:
        raise DocumentError(
            _("cannot read: {strerror}").format(strerror=exc.strerror), file=str(path), line=None, rule=XML
        ) from None
    except etree.XMLSyntaxError as exc:
        raise DocumentError(
            _("not well-formed XML: {msg}").format(msg=exc.msg), file=str(path), line=exc.lineno, rule=XML
        ) from None
    first = root.find(f"{_q('PartyInfo')}/{_q('PartyId')}")
    her_id = _int(_text(first), 0)
    return her_id or None
