"""The ebXML CPAs: parties, roles, actions, services and directions per message type and version,
strict validity against the OASIS CPPA 2.0 schema, unique ids, cpaid, validity period."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from pathlib import Path

import pytest
from lxml import etree

from agreements.support import CPA_NS, bindings, examples, parse_xml, party_infos, rendered, roles
from pipeline.agreements import agreement, cpa
from pipeline.model import processes
from pipeline.model.catalogue import catalogue
from pipeline.model.models import HF_KEYS
from pipeline.render.context import generated_by
from pipeline.render.xsd import SchemaSet
from pipeline.routine import calendar

HEADER = generated_by()  # in the language these tests render in

A = f"{{{cpa.NS}}}"
# Element -> its xs:ID attribute besides tns:id; the IDREF attributes (CPPA 2.0 schema).
ID_ATTRIBUTES = {
    "Certificate": "certId",
    "DeliveryChannel": "channelId",
    "Transport": "transportId",
    "DocExchange": "docExchangeId",
}
IDREF_ATTRIBUTES = {
    "certId",
    "transportId",
    "docExchangeId",
    "packageId",
    "idref",
    "defaultMshChannelId",
    "defaultMshPackageId",
}


@functools.cache
def shipped() -> dict[str, bytes]:
    return rendered(examples())


def cpa_doc(hf: str, kommune: str, her_id: int) -> etree._Element:
    return parse_xml(shipped()[f"{hf}/cpa/{kommune}-{her_id}.xml"])


def cpas() -> dict[str, bytes]:
    return {p: c for p, c in shipped().items() if "/cpa/" in p}


def test_a_cpa_for_every_hf_and_party_from_ordered_on() -> None:
    """Three per party (one per HF); planned Melhus has none."""
    expected = {
        (kommune, her)
        for kommune, her in [
            ("1505", 8160101),
            ("1506", 8160001),
            ("1811", 8180001),
            ("5001", 8150001),
            ("5001", 8150002),
            ("5007", 8170201),
            ("5035", 8170001),
        ]
    }
    paths = set(cpas())
    assert paths == {f"{hf}/cpa/{k}-{her}.xml" for hf in HF_KEYS for k, her in expected}
    assert not any("/5028-" in p for p in shipped())


def test_every_shipped_cpa_is_strictly_valid(xsd: Path) -> None:
    schemas = SchemaSet.open(xsd)
    for path, content in cpas().items():
        schemas.validate(parse_xml(content).getroottree(), cpa.SCHEMA, what=path)


def test_render_validates_with_the_official_schema(xsd: Path) -> None:
    """The generator itself validates when it is given the schemas (and yields the same bytes)."""
    assert rendered(examples(), SchemaSet.open(xsd)) == shipped()


def ids_and_refs(root: etree._Element) -> tuple[list[str], set[str]]:
    """Every xs:ID value (CPPA 2.0's ID-typed attributes) and every IDREF value."""
    ids, refs = [], set()
    for e in root.iter():
        local = etree.QName(e).localname
        for name, value in e.attrib.items():
            attribute = etree.QName(name).localname
            if attribute == "id" or ID_ATTRIBUTES.get(local) == attribute:
                ids.append(value)
            elif attribute in IDREF_ATTRIBUTES:
                refs.add(value)
        if local in ("ChannelId", "OtherPartyActionBinding"):
            refs.add(e.text)
    return ids, refs


def test_ids_are_unique_and_every_idref_resolves() -> None:
    for path, content in cpas().items():
        ids, refs = ids_and_refs(parse_xml(content))
        assert len(ids) == len(set(ids)), f"{path}: duplicate ids"
        assert refs <= set(ids), f"{path}: unresolved {refs - set(ids)}"
        assert len(ids) > 20


def test_parties_ids_and_transport() -> None:
    root = cpa_doc("st-olavs", "5035", 8170001)
    hf, party = party_infos(root)
    assert hf.get(A + "partyName") == "St. Olavs hospital HF"
    # One PartyId, type HER, as in NHN's CPAs: NHN's client takes the first PartyInfo with a PartyId other than
    # its own HER-id as the counterparty, so a second id (ENH) made the HF find itself.
    assert [(p.get(A + "type"), p.text) for p in hf.findall("tns:PartyId", CPA_NS)] == [("HER", "9990001")]
    assert [(p.get(A + "type"), p.text) for p in party.findall("tns:PartyId", CPA_NS)] == [("HER", "8170001")]
    endpoint = party.find("tns:Transport/tns:TransportReceiver/tns:Endpoint", CPA_NS)
    assert endpoint.get(A + "uri") == "mailto:stjordal-helse@edi.nhn.no"
    protocol = party.find("tns:Transport/tns:TransportReceiver/tns:TransportProtocol", CPA_NS)
    assert protocol.text == "SMTP"
    assert party.find("tns:DocExchange/tns:ebXMLSenderBinding", CPA_NS).get(A + "version") == "2.0"
    channel = party.find("tns:DeliveryChannel/tns:MessagingCharacteristics", CPA_NS)
    assert channel.get(A + "ackRequested") == "always"  # the transport receipt H2 waits for
    # PartyRef: the party's page in AR (production AR for an @edi.nhn.no address), not a path in this repository.
    ref = party.find("tns:PartyRef", CPA_NS).get(f"{{{cpa.XLINK}}}href")
    assert ref == "https://register.nhn.no/Ar/Tjeneste/Index/8170001"
    assert hf.find("tns:PartyRef", CPA_NS).get(f"{{{cpa.XLINK}}}href").endswith("/Ar/Tjeneste/Index/9990001")
    certs = [c.get(A + "certId") for c in party.findall("tns:Certificate", CPA_NS)]
    assert certs == ["party_cert_sign", "party_cert_enc"]
    assert party.find("tns:Certificate/ds:KeyInfo/ds:KeyName", CPA_NS) is None
    assert len(party.findall("tns:Certificate/ds:KeyInfo/ds:X509Data/ds:X509Certificate", CPA_NS)) == 2


def test_a_party_without_certificates_in_ar_is_an_incomplete_draft_without_placeholders() -> None:
    """Bindal (ordered) is not in AR yet: its CPAs hold the HF's certificates and none for the party,
    no reference to a certificate that is not there, and say why in the closing Comment."""
    root = cpa_doc("st-olavs", "1811", 8180001)
    hf, party = party_infos(root)
    assert len(hf.findall("tns:Certificate", CPA_NS)) == 2
    assert party.findall("tns:Certificate", CPA_NS) == []
    assert party.findall(".//tns:ApplicationCertificateRef", CPA_NS) == []
    assert party.findall(".//tns:SigningCertificateRef", CPA_NS) == []
    assert party.find(".//tns:SenderNonRepudiation", CPA_NS) is None
    assert root.find("tns:Status", CPA_NS).get(A + "value") == "proposed"
    comment = root.find("tns:Comment", CPA_NS).text
    assert "INCOMPLETE DRAFT" in comment and "party 8180001 is not in AR" in comment
    assert b"KeyName" not in etree.tostring(root)


def test_epikrise_goes_from_hf_to_kommune_with_apprec_back() -> None:
    hf, party = party_infos(cpa_doc("helse-nord-trondelag", "1811", 8180001))
    hf_roles, party_roles = roles(hf), roles(party)
    sender = hf_roles[("EPIKRISEsender", "1.2")]
    assert bindings(sender, "CanSend") == [("EPIKRISE", "package_epikrise_v1p2")]
    assert bindings(sender, "CanReceive") == [("APPREC", "package_apprec_v1p1")]
    assert sender.find("tns:ServiceBinding/tns:Service", CPA_NS).text == "S-EPIKRISE"
    assert sender.find("tns:ProcessSpecification", CPA_NS).get(A + "name") == "Epikrise"
    receiver = party_roles[("EPIKRISEreceiver", "1.2")]
    assert bindings(receiver, "CanReceive") == [("EPIKRISE", "package_epikrise_v1p2")]
    assert bindings(receiver, "CanSend") == [("APPREC", "package_apprec_v1p1")]
    assert ("EPIKRISEreceiver", "1.2") not in hf_roles
    assert ("EPIKRISEsender", "1.2") not in party_roles


def test_older_versions_carry_their_own_apprec_version() -> None:
    """Molde ordered epikrise 1.1 and svarrapport 1.3: AppRec 1.0 on both."""
    hf, party = party_infos(cpa_doc("st-olavs", "1506", 8160001))
    assert bindings(roles(hf)[("EPIKRISEsender", "1.1")], "CanReceive") == [("APPREC", "package_apprec_v1p0")]
    lab = roles(hf)[("SVAR_LABsender", "1.3")]
    assert bindings(lab, "CanSend") == [("SVAR_LAB", "package_svarrapport_v1p3")]
    assert bindings(lab, "CanReceive") == [("APPREC", "package_apprec_v1p0")]
    assert ("SVAR_LABreceiver", "1.3") in roles(party)


def test_dialogmelding_goes_both_ways() -> None:
    """A two-way process: each side holds both roles, the receiver role first, each with all four bindings (as
    NHN's two-way CPAs), so NHN's client finds the message binding whichever lookup it makes."""
    hf, party = party_infos(cpa_doc("st-olavs", "1506", 8160001))
    four = {
        "CanSend": [("{a}", "package_dialogmld_v1p0"), ("APPREC", "package_apprec_v1p0")],
        "CanReceive": [("{a}", "package_dialogmld_v1p0"), ("APPREC", "package_apprec_v1p0")],
    }
    for action in ("DIALOG_FORESPORSEL", "DIALOG_SVAR", "DIALOG_AVVIK"):
        for side in (hf, party):
            names = [r.find("tns:Role", CPA_NS).get(A + "name") for r in side.findall("tns:CollaborationRole", CPA_NS)]
            assert names.index(f"{action}receiver") + 1 == names.index(f"{action}sender")
            for role in ("receiver", "sender"):
                found = roles(side)[(f"{action}{role}", "1.0")]
                for kind, expected in four.items():
                    assert bindings(found, kind) == [(x.format(a=action), package) for x, package in expected]
    assert not any(name.startswith("DIALOG_HELSEFAGLIG") for name, _ in roles(hf))


def test_dialogmelding_1_1_is_helsefaglig_dialog() -> None:
    hf, party = party_infos(cpa_doc("st-olavs", "5035", 8170001))
    names = {name for name, version in roles(hf) if version == "1.1"}
    assert names == {"DIALOG_HELSEFAGLIGsender", "DIALOG_HELSEFAGLIGreceiver"}
    assert set(roles(party)) >= {("DIALOG_HELSEFAGLIGsender", "1.1"), ("DIALOG_HELSEFAGLIGreceiver", "1.1")}


def test_plo_processes_both_ways_with_their_own_namespaces() -> None:
    root = cpa_doc("helse-more-og-romsdal", "5001", 8150001)
    hf, party = party_infos(root)
    plo = catalogue().types["plo"].versions["1.6"]
    assert len(plo.processes) == 11  # NHN's template: InnlagtPasient, ..., UtskrivingsklarPasient, AvmeldingPasient
    nhn = processes.catalogue()
    for p in plo.processes:
        for side in (roles(hf), roles(party)):
            role = side[(f"{p.action}sender", "1.6")]
            spec = role.find("tns:ProcessSpecification", CPA_NS)
            assert (spec.get(A + "name"), spec.get(A + "uuid")) == (p.nhn.name, p.nhn.uuid)
            assert role.find("tns:ServiceBinding/tns:Service", CPA_NS).text == p.nhn.service.name
            assert (f"{p.action}receiver", "1.6") in side
        part = root.find(f"tns:SimplePart[@tns:id='{nhn.package(p.nhn.package).simple_part}']", CPA_NS)
        namespaces = [n.text for n in part.findall("tns:NamespaceSupported", CPA_NS)]
        assert namespaces == [catalogue().msghead["1.2"].namespace, p.namespace]
    apprec = {b[1] for r in roles(hf).values() for b in bindings(r, "CanReceive") if b[0] == "APPREC"}
    assert apprec == {"package_apprec_v1p0", "package_apprec_v1p1"}  # PLO 1.6: AppRec 1.0, as NHN's template


def test_payload_namespaces_per_wrapping() -> None:
    """SimpleParts as NHN's template: MsgHead first for MsgHead-wrapped messages, every namespace with the
    location NHN writes (NHN's client fails on a NamespaceSupported without one)."""
    root = cpa_doc("st-olavs", "5035", 8170001)

    def namespaces(part_id: str) -> list[tuple[str | None, str | None, str | None]]:
        part = root.find(f"tns:SimplePart[@tns:id='{part_id}']", CPA_NS)
        return [
            (n.text, n.get(A + "location"), n.get(A + "version"))
            for n in part.findall("tns:NamespaceSupported", CPA_NS)
        ]

    cat = catalogue()
    msghead = (cat.msghead["1.2"].namespace, "MsgHead-v1_2.xsd", "1.2")
    assert namespaces("message_epikrise_v1p2") == [
        (cat.types["epikrise"].versions["1.2"].namespace, "Epikrise-v1.2.xsd", "1.2")
    ]
    assert namespaces("message_dialogmld_v1p1") == [
        msghead,
        (cat.types["dialogmelding"].versions["1.1"].namespace, "dialogmelding-1.1.xsd", "1.1"),
    ]
    assert namespaces("message_apprec_v1p1") == [(cat.apprec["1.1"].namespace, "AppRec-v1_1.xsd", "1.1")]
    assert namespaces("msg_header") == [
        ("http://www.oasis-open.org/committees/ebxml-msg/schema", "msg-header-2_0.xsd", "2.0")
    ]
    packages = [p.get(A + "id") for p in root.findall("tns:Packaging", CPA_NS)]
    assert packages == [
        "package_mshsignal",
        "package_epikrise_v1p2",
        "package_svarrapport_v1p4",
        "package_dialogmld_v1p1",
        "package_apprec_v1p1",
    ]
    dialog = root.find("tns:Packaging[@tns:id='package_dialogmld_v1p1']/tns:CompositeList", CPA_NS)
    assert [(c.tag.split("}")[1], c.get(A + "id"), [x.get(A + "idref") for x in c]) for c in dialog] == [
        ("Encapsulation", "enc_dialogmld_v1p1", ["message_dialogmld_v1p1"]),
        ("Composite", "request_msg_dialogmld_v1p1", ["msg_header", "enc_dialogmld_v1p1"]),
    ]


def test_other_party_bindings_pair_the_two_sides() -> None:
    for content in cpas().values():
        root = parse_xml(content)
        hf, party = party_infos(root)
        for this, other in ((hf, party), (party, hf)):
            theirs = {b.get(A + "id"): b for b in other.iter(A + "ThisPartyActionBinding")}
            for can in this.iter(A + "CanSend", A + "CanReceive"):
                mine = can.find("tns:ThisPartyActionBinding", CPA_NS)
                match = theirs[can.find("tns:OtherPartyActionBinding", CPA_NS).text]
                assert match.get(A + "action") == mine.get(A + "action")
                assert match.get(A + "packageId") == mine.get(A + "packageId")
                opposite = "CanReceive" if can.tag == A + "CanSend" else "CanSend"
                assert match.getparent().tag == A + opposite


def test_status_and_validity_period() -> None:
    active = cpa_doc("st-olavs", "5001", 8150001)
    assert active.find("tns:Status", CPA_NS).get(A + "value") == "agreed"
    assert active.find("tns:Start", CPA_NS).text == "2026-02-24T00:00:00+01:00"  # T-7, winter time
    assert active.find("tns:End", CPA_NS).text == "2031-02-24T00:00:00+01:00"
    pending = cpa_doc("st-olavs", "1811", 8180001)
    assert pending.find("tns:Status", CPA_NS).get(A + "value") == "proposed"
    assert pending.find("tns:Start", CPA_NS).text == "2027-06-01T00:00:00+02:00"  # summer time
    for hf in HF_KEYS:
        for kommune, her in (("5007", 8170201), ("1505", 8160101), ("1506", 8160001)):
            assert cpa_doc(hf, kommune, her).find("tns:Status", CPA_NS).get(A + "value") == "proposed"
    comment = active.find("tns:Comment", CPA_NS).text
    assert "agreement state active" in comment
    assert "no paper fallback" in comment


def test_end_of_a_leap_day_start() -> None:
    start = calendar.at_oslo_midnight(dt.date(2028, 2, 29))
    assert agreement.end(start).isoformat() == "2033-02-28T00:00:00+01:00"


def test_cpaid_is_a_uuid5_of_the_two_her_ids() -> None:
    root = cpa_doc("st-olavs", "5001", 8150002)
    expected = uuid.uuid5(uuid.NAMESPACE_URL, "oppkobling:cpa:9990001:8150002")
    assert root.get(A + "cpaid") == str(expected)
    ids = [parse_xml(c).get(A + "cpaid") for c in cpas().values()]
    assert len(ids) == len(set(ids)) == 21


def test_every_file_starts_with_the_generated_header() -> None:
    for path, content in shipped().items():
        assert content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n"), path
        assert f"<!-- {HEADER} -->".encode() in content.split(b"\n")[1], path


def test_mailto_escapes_what_rfc_6068_reserves() -> None:
    assert cpa.mailto("a&b%c?d@edi.nhn.no") == "mailto:a%26b%25c%3Fd@edi.nhn.no"
    assert cpa.mailto("post+mottak@edi.nhn.no") == "mailto:post+mottak@edi.nhn.no"


def test_names_with_markup_characters_and_norwegian_letters_come_out_right() -> None:
    name = 'Bæø Å-kommune & <Helse> "omsorg"'
    declarations = examples(**{"1811-bindal": ("name: Bindal kommune - Helse & omsorg <sykehjem>", f"name: '{name}'")})
    files = rendered(declarations)
    content = files["st-olavs/cpa/1811-8180001.xml"]
    assert "Bæø Å-kommune &amp; &lt;Helse&gt; &quot;omsorg&quot;".encode() in content
    _, party = party_infos(parse_xml(content))
    assert party.get(A + "partyName") == name


@pytest.mark.parametrize("status", ["planned"])
def test_no_cpa_without_an_order(status: str) -> None:
    declarations = examples(**{"1811-bindal": ("status: ordered", f"status: {status}")})
    assert not any("/1811-" in p for p in rendered(declarations))


def test_declared_active_without_r_h5_evidence_is_not_agreed_anywhere() -> None:
    """One missing test dialog (St. Olavs to one Trondheim party) keeps all six Trondheim CPAs proposed."""
    dialog = '      dialog: {sent_at: "2026-03-03T09:00:00+01:00", answered_at: "2026-03-03T09:41:00+01:00"}\n'
    files = rendered(examples(**{"5001-trondheim": (dialog, "")}))
    trondheim = {p: c for p, c in files.items() if "/cpa/5001-" in p}
    assert len(trondheim) == 6
    for path, content in trondheim.items():
        assert parse_xml(content).find("tns:Status", CPA_NS).get(A + "value") == "proposed", path
        assert b"agreement state active" not in content
    assert b'state="active"' not in b"".join(c for p, c in files.items() if p.endswith("partner-index.xml"))


@pytest.mark.parametrize(
    ("address", "host"),
    [
        ("stjordal-helse@edi.nhn.no", "https://register.nhn.no"),
        ("stjordal-helse@testedi.nhn.no", "https://register.test.drift.nhn.no"),
        ("stjordal-helse@samsvar.nhn.no", "https://register.test.drift.nhn.no"),
        ("stjordal-helse@EDI.NHN.NO", "https://register.nhn.no"),
    ],
)
def test_party_ref_is_the_ar_of_the_addresses_network(address: str, host: str) -> None:
    assert cpa.party_ref(8170001, address) == f"{host}/Ar/Tjeneste/Index/8170001"


def test_a_test_network_party_points_at_the_test_ar() -> None:
    declarations = examples(**{"5035-stjordal": ("stjordal-helse@edi.nhn.no", "stjordal-helse@testedi.nhn.no")})
    (a,) = (a for a in agreement.collect(declarations) if a.party.her_id == 8170001 and a.hf.key == "st-olavs")
    _, party = party_infos(cpa.build(a).getroot())
    assert party.find("tns:PartyRef", CPA_NS).get(f"{{{cpa.XLINK}}}href") == (
        "https://register.test.drift.nhn.no/Ar/Tjeneste/Index/8170001"
    )
    assert party.find("tns:Transport/tns:TransportReceiver/tns:Endpoint", CPA_NS).get(A + "uri") == (
        "mailto:stjordal-helse@testedi.nhn.no"
    )
