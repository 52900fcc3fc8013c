"""The CPA/CPP reader on NHN's own files: it must find what Helsenorge.Messaging's unit tests find in them.

The reference client's expectations are those of ``test/Helsenorge.Registries.Tests/CollaborationRegistryTests.cs``
(Helsenorge.Messaging @ c5d9ab65, the commit the files in ../shared come from); each test names the one it follows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agreements.nhn_files import CPA_93252, CPA_93253, CPA_V2, CPP_93238, TEMPLATE, require
from pipeline.agreements.reader import read, read_file
from pipeline.agreements.reading import Endpoint, Reading
from pipeline.errors import DocumentError
from pipeline.render.xsd import SchemaSet

SHARED_XSD = TEMPLATE.parents[2] / "xsd"


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    require(SHARED_XSD / "ebxml-cppa" / "cpp-cpa-2_0.xsd")
    return SchemaSet.open(SHARED_XSD)


def lenient(path: Path, her_id: int | None, schemas: SchemaSet) -> Reading:
    return read_file(require(path), her_id=her_id, mode="lenient", schemas=schemas)


def edited(path: Path, old: str, new: str) -> bytes:
    text = require(path).read_text("utf-8-sig")
    assert old in text, old
    return text.replace(old, new, 1).encode("utf-8")


# -- CPA_93252.xml -------------------------------------------------------------------------------------------------


def test_counterparty_of_93238_in_cpa_93252(schemas: SchemaSet) -> None:
    # Read_CollaborationAgreement_ByCounterparty: FindAgreementForCounterpartyAsync(93238, 93252)
    reading = lenient(CPA_93252, 93238, schemas)
    assert reading.kind == "cpa"
    assert reading.counterparty.her_id == 93252
    assert reading.counterparty.name == "Testlege Testlege"
    assert reading.id == "9333f3de-e85c-4c26-9066-6800055b1b8e"
    assert reading.counterparty.encryption is not None and reading.counterparty.encryption.status == "x509"
    assert reading.counterparty.signing is not None and reading.counterparty.signing.status == "x509"
    assert len(reading.counterparty.roles) == 14
    assert reading.me is not None and reading.me.her_id == 93238


def test_a_reader_not_in_the_cpa_gets_the_first_party_as_the_reference_client_does(schemas: SchemaSet) -> None:
    # Read_CollaborationAgreement_FromCache: FindAgreementForCounterpartyAsync(5678, 93252) returns a profile
    reading = lenient(CPA_93252, 5678, schemas)
    assert reading.counterparty.her_id == 93238
    assert reading.me is None
    assert any(w.rule == "cpa.counterparty" and "5678" in w.message for w in reading.warnings)


def test_cpa_93253_differs_from_93252_only_in_the_counterparty(schemas: SchemaSet) -> None:
    # The same CPA for HER-id 93253 (the mock serves CPA_<counterparty>.xml)
    a, b = lenient(CPA_93252, 93238, schemas), lenient(CPA_93253, 93238, schemas)
    assert (a.counterparty.her_id, b.counterparty.her_id) == (93252, 93253)
    assert b.counterparty.roles[0].receives[0].endpoint.uri == "sb.test.nhn.no/DigitalDialog/93253_async"
    assert [f.action for f in a.functions] == [f.action for f in b.functions]


def test_nhn_reuses_ids_strict_mode_refuses_it_lenient_mode_warns(schemas: SchemaSet) -> None:
    with pytest.raises(DocumentError) as caught:
        read_file(require(CPA_93252), her_id=93238, schemas=schemas)
    assert (caught.value.rule, caught.value.line) == ("cpa.ids", 382)
    assert str(CPA_93252) in str(caught.value) and ":382:" in str(caught.value)
    with pytest.raises(DocumentError, match="xs:ID"):
        read_file(require(CPA_93252), her_id=93238)  # without the XSD too: the reuse is found by the reader
    warnings = [w for w in lenient(CPA_93252, 93238, schemas).warnings if w.rule == "cpa.ids"]
    assert len(warnings) == 64 and warnings[0].line == 382


def test_functions_pair_each_counterparty_binding_with_mine(schemas: SchemaSet) -> None:
    reading = lenient(CPA_93252, 93238, schemas)
    sends = [f for f in reading.functions if f.direction == "send" and f.action == "DIALOG_INNBYGGER_EKONTAKT"]
    assert sends
    for f in sends:
        assert f.mine is not None and f.mine.kind == "send" and f.mine.action == f.action
        assert f.destination is not None and f.destination.uri == "sb.test.nhn.no/DigitalDialog/93252_async"
        assert f.parts is not None and [p.location for p in f.parts] == ["MsgHead-v1_2.xsd", "dialogmelding-1.1.xsd"]
    received = reading.function("APPREC", "receive", process="Dialog_Innbygger_Ekontakt")
    assert received is not None and received.is_apprec
    assert received.destination is not None and received.destination.uri == "sb.test.nhn.no/DigitalDialog/93238_async"
    assert received.parts is not None and received.parts[0].location == "AppRec-v1_1.xsd"


def test_start_and_end_are_within_every_certificate(schemas: SchemaSet) -> None:
    # NHN's practice: End no later than the earliest certificate expiry
    reading = lenient(CPA_93252, 93238, schemas)
    assert reading.start is not None and reading.end is not None
    assert reading.start.isoformat() == "2016-10-21T10:59:06.535643+02:00"
    assert not [w for w in reading.warnings if w.rule == "cpa.period"]
    later = edited(
        CPA_93252, "<tns:End>2017-02-05T23:59:00+01:00</tns:End>", "<tns:End>2018-01-01T00:00:00+01:00</tns:End>"
    )
    warnings = [w for w in read(later, file="x.xml", her_id=93238, mode="lenient").warnings if w.rule == "cpa.period"]
    assert len(warnings) == 4 and all("2018-01-01" in w.message for w in warnings)


# -- CPA_v2_51795e2c-9d39-44e0-9168-5bee38f20819.xml ---------------------------------------------------------------


def test_cpa_v2_as_the_reference_client_reads_it(schemas: SchemaSet) -> None:
    # Read_CollaborationAgreement_v2_ById: FindAgreementByIdAsync(51795e2c-…, 5678)
    reading = lenient(CPA_V2, 5678, schemas)
    party = reading.counterparty
    assert party.name == "Digitale innbyggertjenester"
    assert party.her_id == 8093240
    assert len(party.roles) == 32
    assert len(party.roles[0].sends) == 4
    parts = party.roles[0].sends[0].parts
    assert parts is not None and len(parts) == 5
    assert parts[0].location == "MsgHead-v1_2.xsd"
    assert party.signing is not None and party.encryption is not None
    test = party.message_for_receiver("DIALOG_INNBYGGER_TEST")
    assert test is not None and test.parts


def test_cpa_v2_matches_message_functions_case_insensitively(schemas: SchemaSet) -> None:
    # CaseInsensitive_Match_CollaborationAgreement_MessageFunction_To_MessagePart: "AppRec" finds action "Apprec"
    party = lenient(CPA_V2, 5678, schemas).counterparty
    apprec = party.message_for_receiver("AppRec")
    assert apprec is not None and apprec.action == "Apprec" and apprec.parts


def test_cpa_v2_pairs_bindings_by_other_party_action_binding(schemas: SchemaSet) -> None:
    reading = lenient(CPA_V2, 8093238, schemas)
    assert reading.counterparty.her_id == 8093240 and reading.me is not None and reading.me.her_id == 8093238
    f = next(f for f in reading.functions if f.binding.id == "SkjemaUtfylling_sk_5_8093240")
    # the counterparty's Skjemautfyller receives it, so I (Innbygger) send it, to the counterparty's endpoint
    assert (f.direction, f.action, f.binding.other) == (
        "send",
        "SvarLagreSkjemainstans",
        "SkjemaUtfylling_innb_1_8093238",
    )
    assert f.mine is not None and f.mine.id == "SkjemaUtfylling_innb_1_8093238" and f.mine.kind == "send"
    assert (f.counterparty_role, f.my_role) == ("Skjemautfyller", "Innbygger")
    assert f.destination is not None and f.destination.uri == "sb.test.nhn.no/NHNTESTServiceBus/8093240_sync"
    assert f.process.uuid == "8219068F-AC9D-46FF-88E0-115ADD617025"
    assert f.process.href == "http://www.ehelse.no/processes/Dialog_Innbygger_Oppgave.xml"


def test_cpa_v2_as_its_other_party(schemas: SchemaSet) -> None:
    reading = lenient(CPA_V2, 8093240, schemas)
    assert reading.counterparty.her_id == 8093238
    assert reading.counterparty.party_ref == "https://register.test.drift.nhn.no/Ar/Tjeneste/Index/8093238"
    # NHN reuses the certificate ids "sign" and "enc" in both PartyInfos
    assert [w.message for w in reading.warnings if w.rule == "cpa.ids"] == [
        "xs:ID 'sign' is used more than once",
        "xs:ID 'enc' is used more than once",
    ]


# -- CPP_93238.xml -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cpp(schemas: SchemaSet) -> Reading:
    return lenient(CPP_93238, None, schemas)


def test_cpp_is_the_profile_of_its_party(cpp: Reading) -> None:
    # FindProtocolForCounterpartyAsync(93238)
    assert (cpp.kind, cpp.id, cpp.me) == ("cpp", "db5342ce-2e56-47b6-b4dc-054969f96f6f", None)
    assert cpp.counterparty.her_id == 93238
    assert len(cpp.counterparty.roles) == 15


def test_cpp_lookups_find_what_the_reference_client_finds(cpp: Reading) -> None:
    party = cpp.counterparty
    assert party.message_for_sender("DIALOG_INNBYGGER_EKONTAKT") is not None  # FindMessageForSender_Found
    assert party.message_for_sender("APPREC") is not None  # FindMessageForSender_Found_AppRec
    assert party.message_for_receiver("DIALOG_INNBYGGER_EKONTAKT") is not None  # FindMessageForReceiver_Found
    assert party.message_for_receiver("APPREC") is not None  # FindMessageForReceiver_Found_AppRec
    receiver = party.message_for_receiver("DIALOG_INNBYGGER_BEHANDLEROVERSIKT")  # FindMessageForSender_Found_Ny_CPPA
    assert receiver is not None
    assert (receiver.function, receiver.action) == ("DIALOG_INNBYGGER_BEHANDLEROVERSIKT", "Svar")
    sender = party.message_for_sender("DIALOG_INNBYGGER_BEHANDLEROVERSIKT")  # FindMessageForReceiver_Found_Ny_CPPA
    assert sender is not None
    assert (sender.function, sender.action) == ("DIALOG_INNBYGGER_BEHANDLEROVERSIKT", "Hent")
    assert party.message_for_sender("BOB") is None  # FindMessageForSender_NotFound
    assert party.message_for_receiver("BOB") is None  # FindMessageForReceiver_NotFound


def test_cpp_message_parts(cpp: Reading) -> None:
    party = cpp.counterparty
    for found in (
        party.message_for_receiver("DIALOG_INNBYGGER_EKONTAKT"),  # FindMessagePartsForReceiveMessage_Found
        party.message_for_sender("DIALOG_INNBYGGER_EKONTAKT"),  # FindMessagePartsForSendMessage_Found
        party.apprec_for_receiver("DIALOG_INNBYGGER_EKONTAKT"),  # FindMessagePartsForReceiveAppRec_Found
        party.apprec_for_sender("DIALOG_INNBYGGER_EKONTAKT"),  # FindMessagePartsForSendAppRec_Found
    ):
        assert found is not None and found.parts
    assert party.apprec_for_receiver("BOB") is None  # FindMessagePartsForReceiveAppRec_NotFound
    assert party.apprec_for_sender("BOB") is None  # FindMessagePartsForSendAppRec_NotFound


def test_cpp_encryption_certificate_has_an_rsa_key(cpp: Reading) -> None:
    # Serialize_CollaborationProtocolProfile / Use_Cached_CertificateDetails: an RSA encryption certificate
    encryption, signing = cpp.counterparty.encryption, cpp.counterparty.signing
    assert encryption is not None and encryption.key is not None and encryption.key.startswith("RSA ")
    assert encryption.cert_id == "enc" and encryption.sha1 == "FDDBCFBB3231F0C66EE2168358229D3CAC95E88A"
    assert signing is not None and signing.cert_id == "sign"
    assert encryption.sha1 != signing.sha1


# -- NHN's CPP template ------------------------------------------------------------------------------------------


def test_the_template_reads_strictly_and_names_its_placeholders(schemas: SchemaSet) -> None:
    reading = read_file(require(TEMPLATE), schemas=schemas)  # strict: valid and no reused ids
    party = reading.counterparty
    assert (reading.kind, reading.id, party.name, party.her_id) == ("cpp", "UNIKCPPID", "PARTYNAME", 0)
    assert [(i.type, i.value) for i in party.party_ids] == [("HER", "HERID"), ("ENH", "ORGNR"), ("orgnummer", "ORGNR")]
    assert len(party.roles) == 164
    assert {c.status for c in party.certificates} == {"invalid"}
    assert party.signing is None and party.encryption is None
    epikrise = party.message_for_sender("EPIKRISE")
    assert epikrise is not None and epikrise.package == "package_epikrise_v1p0"
    assert epikrise.parts is not None
    assert [p.location for p in epikrise.parts] == ["Epikrise-v1.0.xsd", "msg-header-2_0.xsd"]
    assert epikrise.endpoint == Endpoint("asyncSMTPChannelA1", "transportSMTP", "SMTP", "1.1", "mailto://EPOSTADRESSE")
    assert epikrise.endpoint.address == "EPOSTADRESSE"
    apprec = party.apprec_for_receiver("Epikrise")
    assert apprec is not None and apprec.package == "package_apprec_v1p0"


# -- what the reference client throws on, and what it reads less of ------------------------------------------------


def test_a_keyname_only_certificate_is_reported_missing(schemas: SchemaSet) -> None:
    data = edited(CPP_93238, "<ds:X509Data>", "<ds:KeyName>HER 93238: encryption certificate in AR</ds:KeyName><!--")
    data = data.replace(b"</ds:X509Data>", b"-->", 1)
    reading = read(data, file="cpp.xml", mode="lenient", schemas=schemas)
    encryption = next(c for c in reading.counterparty.certificates if c.cert_id == "enc")
    assert (encryption.status, encryption.key_name) == ("missing", "HER 93238: encryption certificate in AR")
    assert reading.counterparty.encryption is None
    assert any(w.rule == "cpa.certificate" and "'enc'" in w.message for w in reading.warnings)


def test_a_counterparty_that_is_my_own_party_info_is_refused() -> None:
    # Two PartyIds (HER and ENH) make the reference client take my own PartyInfo as the counterparty
    data = edited(
        CPA_V2,
        '<tns:PartyId tns:type="HER">8093240</tns:PartyId>',
        '<tns:PartyId tns:type="HER">8093240</tns:PartyId><tns:PartyId tns:type="ENH">915933149</tns:PartyId>',
    )
    with pytest.raises(DocumentError, match="ENH 915933149 differs from 8093240") as caught:
        read(data, file="cpa.xml", her_id=8093240, mode="lenient")
    assert (caught.value.rule, caught.value.line) == ("cpa.counterparty", 7)


@pytest.mark.parametrize(
    ("old", "new", "rule", "message"),
    [
        ("<tns:ChannelId>syncAMQPChannelC2_8093240</tns:ChannelId>", "", "cpa.binding", "has no ChannelId"),
        (
            "<tns:ChannelId>syncAMQPChannelC2_8093240</tns:ChannelId>",
            "<tns:ChannelId>nowhere</tns:ChannelId>",
            "cpa.binding",
            "names no DeliveryChannel",
        ),
        ('tns:location="MsgHead-v1_2.xsd" ', "", "cpa.package", "has no tns:location"),
        ('tns:cpaid="51795e2c-9d39-44e0-9168-5bee38f20819"', 'tns:cpaid="cpa-1"', "cpa.xml", "is not a GUID"),
        ("<tns:End>2021-10-11T23:59:00+02:00</tns:End>", "<tns:End>soon</tns:End>", "cpa.period", "xs:dateTime"),
    ],
)
def test_what_the_reference_client_throws_on_is_an_error_with_file_and_line(
    old: str, new: str, rule: str, message: str
) -> None:
    with pytest.raises(DocumentError, match=message) as caught:
        read(edited(CPA_V2, old, new), file="theirs.xml", her_id=5678, mode="lenient")
    assert caught.value.rule == rule and caught.value.file == "theirs.xml" and caught.value.line


def test_a_package_that_is_not_there_gives_no_parts_and_a_warning() -> None:
    data = edited(CPP_93238, '<tns:Packaging tns:id="package_apprec_v1p1">', '<tns:Packaging tns:id="package_other">')
    reading = read(data, file="cpp.xml", mode="lenient")
    apprec = reading.counterparty.apprec_for_receiver("DIALOG_INNBYGGER_EKONTAKT")
    assert apprec is not None and apprec.parts is None
    assert any(w.rule == "cpa.package" and "package_apprec_v1p1" in w.message for w in reading.warnings)


def test_schema_errors_other_than_reused_ids_fail_even_leniently(schemas: SchemaSet) -> None:
    data = edited(CPP_93238, "<tns:PartyRef", "<tns:Unexpected/><tns:PartyRef")
    with pytest.raises(DocumentError) as caught:
        read(data, file="cpp.xml", mode="lenient", schemas=schemas)
    assert (caught.value.rule, caught.value.line) == ("cpa.schema", 5)


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"<tns:CollaborationProtocolAgreement", "cpa.xml"),
        (b"<Envelope xmlns='urn:other'/>", "cpa.xml"),
    ],
)
def test_what_is_not_a_cpa_is_refused(data: bytes, rule: str) -> None:
    with pytest.raises(DocumentError) as caught:
        read(data, file="other.xml", her_id=1)
    assert caught.value.rule == rule and caught.value.line == 1


def test_a_cpa_needs_the_reading_party() -> None:
    with pytest.raises(DocumentError, match="HER-id"):
        read(require(CPA_V2).read_bytes(), file="cpa.xml", mode="lenient")


def test_an_unreadable_file_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot read"):
        read_file(tmp_path / "absent.xml", her_id=1)


@pytest.mark.parametrize(
    ("uri", "address"),
    [
        ("mailto:kommune@edi.nhn.no", "kommune@edi.nhn.no"),
        ("mailto://EPOSTADRESSE", "EPOSTADRESSE"),
        ("mailto:post%2Bedi@test.no", "post+edi@test.no"),
        ("sb.test.nhn.no/DigitalDialog/93238_async", None),
    ],
)
def test_endpoint_address(uri: str, address: str | None) -> None:
    assert Endpoint("c", "t", "SMTP", "1.1", uri).address == address
