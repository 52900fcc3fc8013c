"""The process catalogue (pipeline/data/processes.yaml) against NHN's CPP template, value by value."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from agreements.nhn_files import SAMPLES, TEMPLATE, attr, href, parse, q, require
from lxml import etree

from pipeline.errors import DocumentError
from pipeline.model import processes
from pipeline.model.catalogue import catalogue as message_types
from pipeline.model.processes import Namespace, Package, Process, catalogue


@pytest.fixture(scope="module")
def template() -> etree._Element:
    return parse(TEMPLATE)


def _party(template: etree._Element) -> etree._Element:
    party = template.find(q("PartyInfo"))
    assert party is not None
    return party


def _roles(template: etree._Element, name: str, version: str) -> list[etree._Element]:
    found = []
    for role in _party(template).iter(q("CollaborationRole")):
        spec = role.find(q("ProcessSpecification"))
        assert spec is not None
        if attr(spec, "name") == name and attr(spec, "version") == version:
            found.append(role)
    return found


def _by_id(template: etree._Element, tag: str) -> dict[str, etree._Element]:
    return {str(attr(e, "id")): e for e in template.findall(q(tag))}


def _namespaces(simple_part: etree._Element) -> tuple[Namespace, ...]:
    return tuple(
        Namespace(namespace=(n.text or "").strip(), location=str(attr(n, "location")), version=str(attr(n, "version")))
        for n in simple_part.findall(q("NamespaceSupported"))
    )


def _bindings(role: etree._Element, kind: str) -> list[tuple[str | None, str | None]]:
    out = []
    for can in role.iter(q(kind)):
        binding = can.find(q("ThisPartyActionBinding"))
        assert binding is not None
        out.append((attr(binding, "action"), attr(binding, "packageId")))
    return out


NAMED = [p for _, _, p in catalogue().all_processes() if p.gap is None]
GAPS = [p for _, _, p in catalogue().all_processes() if p.gap is not None]


def test_every_message_version_of_the_catalogue_has_its_processes() -> None:
    for key, message_type in message_types().types.items():
        for number, version in message_type.versions.items():
            entries = catalogue().processes(key, number)
            assert entries, f"{key} {number} has no process in processes.yaml"
            assert {p.action for p in version.processes} <= {p.action for p in entries}, (key, number)


def test_plo_logistics_are_five_processes_each_with_its_own_uuid() -> None:
    plo = {p.action: p for p in catalogue().processes("plo", "1.6")}
    logistics = {
        a: plo[a] for a in ("LOG_INNLAGT", "LOG_UTSKREVET", "LOG_DOD", "LOG_UTSKRIVNINGSKLAR", "LOG_AVMELDING")
    }
    assert [p.name for p in logistics.values()] == [
        "InnlagtPasient",
        "UtskrevetPasient",
        "OrienteringDodsfall",
        "UtskrivingsklarPasient",
        "AvmeldingPasient",
    ]
    assert len({p.uuid for p in logistics.values()}) == 5


@pytest.mark.parametrize("process", NAMED, ids=lambda p: f"{p.name}-{p.version}")
def test_process_equals_the_template(template: etree._Element, process: Process) -> None:
    roles = _roles(template, process.name, process.version)
    assert len(roles) == 1, f"{process.name} {process.version}: {len(roles)} roles in {TEMPLATE.name}"
    role = roles[0]
    spec, role_name, service = (
        role.find(q("ProcessSpecification")),
        role.find(q("Role")),
        role.find(f"{q('ServiceBinding')}/{q('Service')}"),
    )
    assert spec is not None and role_name is not None and service is not None
    assert (attr(spec, "uuid"), href(spec)) == (process.uuid, process.href)
    assert (attr(role_name, "name"), href(role_name)) == (process.sender.name, process.sender.href)
    assert ((service.text or "").strip(), attr(service, "type")) == (process.service.name, process.service.type)
    assert _bindings(role, "CanSend") == [(process.action, process.package)]
    assert _bindings(role, "CanReceive") == [(process.apprec.action, process.apprec.package)]


@pytest.mark.parametrize("process", NAMED, ids=lambda p: f"{p.name}-{p.version}")
def test_receiver_role_follows_the_sender_and_nothing_in_the_template_contradicts_it(
    template: etree._Element, process: Process
) -> None:
    assert process.sender.name.endswith("sender")
    stem = process.sender.name.removesuffix("sender")
    assert process.receiver.name == f"{stem}receiver"
    assert process.receiver.href == process.sender.href.removesuffix(process.sender.name) + process.receiver.name
    names = {attr(r, "name") for r in _party(template).iter(q("Role"))}
    assert process.receiver.name not in names  # PartyA holds sender roles only


@pytest.mark.parametrize("process", GAPS, ids=lambda p: f"{p.name}-{p.version}")
def test_a_gap_is_really_absent_from_the_template(template: etree._Element, process: Process) -> None:
    """When NHN's template gains the process, this fails: take its values and drop the gap."""
    assert not _roles(template, process.name, process.version)
    actions = {attr(b, "action") for b in _party(template).iter(q("ThisPartyActionBinding"))}
    assert process.action not in actions
    assert process.package not in _by_id(template, "Packaging")


PACKAGES = sorted(catalogue().packages.items())


@pytest.mark.parametrize(("package_id", "package"), PACKAGES, ids=[k for k, _ in PACKAGES])
def test_package_equals_its_source(template: etree._Element, package_id: str, package: Package) -> None:
    if package.gap is None:
        document = template
    else:
        assert package_id not in _by_id(template, "Packaging"), f"{package_id} is in the template now"
        assert package.source, f"{package_id}: a gap package names the NHN sample it follows"
        document = parse(SAMPLES.parent / package.source)
    packaging, parts, mime = _by_id(document, "Packaging")[package_id], _by_id(document, "SimplePart"), catalogue()
    encapsulation = packaging.find(f"{q('CompositeList')}/{q('Encapsulation')}")
    composite = packaging.find(f"{q('CompositeList')}/{q('Composite')}")
    assert encapsulation is not None and composite is not None
    assert attr(encapsulation, "id") == package.encapsulation
    assert [attr(c, "idref") for c in encapsulation.findall(q("Constituent"))] == [package.simple_part]
    assert attr(composite, "id") == package.composite
    assert _namespaces(parts[package.simple_part]) == package.namespaces
    assert attr(parts[package.simple_part], "mimetype") == mime.packaging.simple_part_mimetype
    if package.gap is None:
        constituents = [attr(c, "idref") for c in composite.findall(q("Constituent"))]
        assert constituents == [mime.packaging.header_part.id, package.encapsulation]
        for element, expected in ((encapsulation, mime.packaging.encapsulation), (composite, mime.packaging.composite)):
            assert (attr(element, "mimetype"), attr(element, "mimeparameters")) == (
                expected.mimetype,
                expected.mimeparameters,
            )


def test_every_package_named_by_a_process_is_catalogued_and_every_catalogued_one_is_used() -> None:
    used = {leg.package for _, _, p in catalogue().all_processes() for leg in (p.message, p.apprec)}
    assert used == set(catalogue().packages)


def test_header_part_and_signal_package_equal_the_template(template: etree._Element) -> None:
    packaging = catalogue().packaging
    assert _namespaces(_by_id(template, "SimplePart")[packaging.header_part.id]) == packaging.header_part.namespaces
    signal = _by_id(template, "Packaging")[packaging.signal_package.id]
    composite = signal.find(f"{q('CompositeList')}/{q('Composite')}")
    assert composite is not None and attr(composite, "id") == packaging.signal_package.composite
    assert [attr(c, "idref") for c in composite.findall(q("Constituent"))] == [packaging.header_part.id]
    assert attr(_party(template), "defaultMshPackageId") == packaging.signal_package.id


def test_transport_equals_the_template(template: etree._Element) -> None:
    t, party = catalogue().transport, _party(template)
    channel = next(c for c in party.findall(q("DeliveryChannel")) if attr(c, "channelId") == t.channel)
    assert (attr(channel, "transportId"), attr(channel, "docExchangeId")) == (t.transport, t.doc_exchange)
    chars = channel.find(q("MessagingCharacteristics"))
    assert chars is not None
    assert (
        attr(chars, "syncReplyMode"),
        attr(chars, "ackRequested"),
        attr(chars, "ackSignatureRequested"),
        attr(chars, "duplicateElimination"),
    ) == (
        t.messaging.sync_reply_mode,
        t.messaging.ack_requested,
        t.messaging.ack_signature_requested,
        t.messaging.duplicate_elimination,
    )
    transport = next(x for x in party.findall(q("Transport")) if attr(x, "transportId") == t.transport)
    for side in ("TransportSender", "TransportReceiver"):
        protocol = transport.find(f"{q(side)}/{q('TransportProtocol')}")
        assert protocol is not None
        assert ((protocol.text or "").strip(), attr(protocol, "version")) == (t.protocol.name, t.protocol.version)
    endpoint = transport.find(f"{q('TransportReceiver')}/{q('Endpoint')}")
    assert endpoint is not None and (attr(endpoint, "uri"), attr(endpoint, "type")) == (t.endpoint.uri, t.endpoint.type)

    exchange = next(x for x in party.findall(q("DocExchange")) if attr(x, "docExchangeId") == t.doc_exchange)
    for binding in ("ebXMLSenderBinding", "ebXMLReceiverBinding"):
        b = exchange.find(q(binding))
        assert b is not None

        def text(path: str, b: etree._Element = b) -> str:
            found = b.find("/".join(q(p) for p in path.split("/")))
            assert found is not None, path
            return (found.text or "").strip()

        rm = t.reliable_messaging
        assert text("ReliableMessaging/Retries") == str(rm.retries)
        assert text("ReliableMessaging/RetryInterval") == rm.retry_interval
        assert text("ReliableMessaging/MessageOrderSemantics") == rm.order
        assert text("PersistDuration") == rm.persist_duration
        nr = "SenderNonRepudiation" if binding == "ebXMLSenderBinding" else "ReceiverNonRepudiation"
        assert text(f"{nr}/NonRepudiationProtocol") == t.non_repudiation.protocol
        assert text(f"{nr}/HashFunction") == t.non_repudiation.hash
        algorithm = b.find(f"{q(nr)}/{q('SignatureAlgorithm')}")
        assert algorithm is not None
        signature = t.non_repudiation.signature
        assert ((algorithm.text or "").strip(), attr(algorithm, "oid"), attr(algorithm, "w3c")) == (
            signature.name,
            signature.oid,
            signature.w3c,
        )


@pytest.mark.parametrize("process", NAMED, ids=lambda p: f"{p.name}-{p.version}")
def test_every_binding_of_a_process_uses_the_catalogued_channel(template: etree._Element, process: Process) -> None:
    t = catalogue().transport
    for binding in _roles(template, process.name, process.version)[0].iter(q("ThisPartyActionBinding")):
        assert [c.text for c in binding.findall(q("ChannelId"))] == [t.channel]
        characteristics = binding.find(q("BusinessTransactionCharacteristics"))
        assert characteristics is not None
        assert {k.split("}")[1]: v for k, v in characteristics.attrib.items()} == t.business_transaction


def test_template_file_is_the_one_sources_md_names() -> None:
    sources = (Path(processes.__file__).parent.parent / "data" / "SOURCES.md").read_text("utf-8")
    assert require(TEMPLATE).name == catalogue().template.file
    assert f"`{catalogue().template.file}`, version {catalogue().template.version}" in sources


def test_a_package_nobody_defines_is_refused_with_its_line() -> None:
    text = (Path(processes.__file__).parent.parent / "data" / "processes.yaml").read_text("utf-8")
    broken = text.replace("package: package_epikrise_v1p2", "package: package_epikrise_v9", 1)
    with pytest.raises(DocumentError, match="package_epikrise_v9") as caught:
        processes.load(broken, file="processes.yaml")
    assert caught.value.file == "processes.yaml"


def test_an_unknown_key_is_refused_at_its_line() -> None:
    text = (Path(processes.__file__).parent.parent / "data" / "processes.yaml").read_text("utf-8")
    broken = text.replace("          action: EPIKRISE\n", "          action: EPIKRISE\n          colour: red\n", 1)
    with pytest.raises(DocumentError) as caught:
        processes.load(broken, file="processes.yaml")
    line = broken.splitlines()[(caught.value.line or 0) - 1]
    assert "colour" in line, line


def test_missing_shared_files_fail_rather_than_skip(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception):
        require(tmp_path / "absent.xml")


def test_the_helsefaglig_dialog_gap_is_what_its_note_says() -> None:
    """The one place to correct it: NHN's Dialogmelding 1.1 naming (the process is the message
    function), our uuid derived from the href, as the gap note in processes.yaml says."""
    (gap,) = GAPS
    assert (gap.name, gap.version, gap.action) == ("Dialog_Helsefaglig", "1.1", "DIALOG_HELSEFAGLIG")
    assert gap.name.upper() == gap.action  # NHN's client finds it by the message function
    assert gap.href == f"http://www.helsedirektoratet.no/processes/{gap.name}.xml"
    assert gap.uuid == str(uuid.uuid5(uuid.NAMESPACE_URL, gap.href))
    assert "THE ONE PLACE TO CORRECT" in (gap.gap or "") and "OURS, not NHN's" in (gap.gap or "")
    # NHN's own Dialogmelding 1.1 processes are named the same way.
    names = {attr(s, "name") for s in parse(SAMPLES / "CPA_93252.xml").iter(q("ProcessSpecification"))}
    actions = {attr(b, "action") for b in parse(SAMPLES / "CPA_93252.xml").iter(q("ThisPartyActionBinding"))}
    assert {str(n).upper() for n in names} <= actions


def test_party_ref_follows_nhns_sample() -> None:
    ref = catalogue().party_ref
    sample = parse(SAMPLES.parent / ref.source)
    found = {href(r) for r in sample.iter(q("PartyRef"))}
    her_ids = {p.text for p in sample.iter(q("PartyId"))}
    assert found == {ref.href(int(h), test=True) for h in her_ids if h}
    assert ref.href(8170001, test=False) == "https://register.nhn.no/Ar/Tjeneste/Index/8170001"
