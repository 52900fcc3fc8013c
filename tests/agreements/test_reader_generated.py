"""Must show 1 of issue 15: every generated CPA, read by our reader (as NHN's reference client reads a CPA) as
each of its two parties, gives the other party as the counterparty, and every message function the declaration
implies resolves to a binding with endpoint, payload namespaces and both parties' certificates.

``problems`` lists what a message server reading the CPA would miss; the tests assert it is empty for every
agreement and every side, and that it does find what is missing in CPAs shaped as they were before.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from pathlib import Path

import pytest
from lxml import etree

from agreements.support import examples, rendered
from pipeline import layout
from pipeline.agreements.agreement import Agreement, Certificates, collect
from pipeline.agreements.reader import read
from pipeline.agreements.reading import Binding, Party, Reading
from pipeline.model.catalogue import catalogue
from pipeline.render.xsd import SchemaSet

SHARED_XSD = Path(__file__).resolve().parents[3] / "shared" / "standards" / "xsd"


@functools.cache
def shipped() -> tuple[tuple[Agreement, ...], dict[str, bytes]]:
    declarations = examples()
    return tuple(collect(declarations)), rendered(declarations)


def path_of(a: Agreement) -> str:
    return layout.cpa_path(a.hf.key, a.kommune.kommune, a.party.her_id)


def _certificates(party: Party, who: str, expected: Certificates) -> list[str]:
    """The party's signing and encryption certificate are the ones AR has (none where AR has none: a draft)."""
    found = []
    for usage, want, got in (
        ("signing", expected.signing, party.signing),
        ("encryption", expected.encryption, party.encryption),
    ):
        if want is None:
            if got is not None:
                found.append(f"{who} has a {usage} certificate AR does not have")
        elif got is None or got.status != "x509":
            found.append(f"{who} has no usable {usage} certificate")
        elif got.sha256 != hashlib.sha256(want.der).hexdigest().upper():
            found.append(f"{who}'s {usage} certificate is not AR's")
    return found


def _binding(found: Binding | None, what: str, action: str, namespaces: tuple[str, ...], to: str) -> list[str]:
    """A binding as the reference client reports it: the endpoint is always the counterparty's own receiver."""
    if found is None:
        return [f"{what}: no binding"]
    problems = []
    if found.action != action:
        problems.append(f"{what}: lands on {found.action}, not {action}")
    if found.endpoint.address != to:
        problems.append(f"{what}: endpoint {found.endpoint.uri}, not mailto:{to}")
    if found.parts is None or found.namespaces[: len(namespaces)] != namespaces:
        problems.append(f"{what}: payload namespaces {found.namespaces}, not {namespaces}")
    if found.parts is not None and any(not p.location for p in found.parts):
        problems.append(f"{what}: a NamespaceSupported without location")
    return problems


def problems(reading: Reading, a: Agreement, as_hf: bool) -> list[str]:
    """What the reading of ``a``'s CPA as the HF (or the party) lacks of what the declaration implies."""
    me_name, other = (a.hf.name, a.party) if as_hf else (a.party.name, a.hf)
    me_address = a.hf.edi_address if as_hf else a.party.edi_address
    cp = reading.counterparty
    found: list[str] = []
    if cp.her_id != other.her_id or cp.name != other.name:
        return [f"counterparty is {cp.name} ({cp.her_id}), not {other.name} ({other.her_id})"]
    if reading.me is None or reading.me.name != me_name:
        found.append("my own PartyInfo is not found")
    hf_certificates, party_certificates = a.certificates
    mine, theirs = (hf_certificates, party_certificates) if as_hf else (party_certificates, hf_certificates)
    found += _certificates(cp, "the counterparty", theirs)
    if reading.me is not None:
        found += _certificates(reading.me, "my side", mine)
    cat = catalogue()
    for message in a.messages:
        head = (cat.msghead["1.2"].namespace,) if message.version.wrapping == "msghead" else ()
        apprec = (cat.apprec[message.version.apprec].namespace,)
        for p in message.version.processes:
            payload = (*head, p.namespace)
            i_send = as_hf or message.kommune_sends
            i_receive = not as_hf or message.kommune_sends
            legs = []
            if i_send:
                legs += [(p.action, "send", payload, other.edi_address), ("APPREC", "receive", apprec, me_address)]
            if i_receive:
                legs += [(p.action, "receive", payload, me_address), ("APPREC", "send", apprec, other.edi_address)]
            for action, direction, namespaces, to in legs:
                what = f"{p.process} {message.version.version} {direction} {action}"
                f = reading.function(action, direction, process=p.process)
                if f is None:
                    found.append(f"{what}: no message function")
                    continue
                if f.mine is None:
                    found.append(f"{what}: no binding of my own")
                destination = f.destination
                if destination is None or destination.address != to:
                    found.append(f"{what}: delivered to {destination}, not {to}")
                found += _binding(f.binding, what, action, namespaces, other.edi_address)
                if f.process.uuid is None:
                    found.append(f"{what}: ProcessSpecification without uuid")
            # The reference client's own lookups on the counterparty's profile, by message function and by
            # process name: what may I send it, what does it send me, and the AppRec legs.
            for function in dict.fromkeys((p.action, p.process)):
                if i_send:
                    lookup = f"FindMessageForReceiver({function})"
                    found += _binding(cp.message_for_receiver(function), lookup, p.action, payload, other.edi_address)
                if i_receive:
                    lookup = f"FindMessageForSender({function})"
                    found += _binding(cp.message_for_sender(function), lookup, p.action, payload, other.edi_address)
            if i_send and cp.apprec_for_sender(p.process) is None:
                found.append(f"FindMessagePartsForSendAppRec({p.process}): none")
            if i_receive and cp.apprec_for_receiver(p.process) is None:
                found.append(f"FindMessagePartsForReceiveAppRec({p.process}): none")
    return found


def _problems_of(path: str, content: bytes, a: Agreement, as_hf: bool, schemas: SchemaSet | None) -> list[str]:
    her_id = a.hf.her_id if as_hf else a.party.her_id
    try:
        reading = read(content, file=path, her_id=her_id, schemas=schemas)
    except Exception as exc:  # a refusal is what is counted here
        return [f"not read: {exc}"]
    return problems(reading, a, as_hf)


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    if not (SHARED_XSD / "ebxml-cppa" / "cpp-cpa-2_0.xsd").is_file():
        pytest.fail(f"{SHARED_XSD} is missing: the official XSDs are read from ../shared")
    return SchemaSet.open(SHARED_XSD)


def test_there_are_cpas_of_every_kind() -> None:
    agreements, files = shipped()
    assert len(agreements) == 21
    assert {path_of(a) for a in agreements} == {p for p in files if "/cpa/" in p}
    keys = {m.key for a in agreements for m in a.messages}
    assert keys == set(catalogue().types), "every message type is in some shipped agreement"


@pytest.mark.parametrize("as_hf", [True, False], ids=["as-hf", "as-kommune"])
def test_every_generated_cpa_reads_completely_as_each_party(as_hf: bool, schemas: SchemaSet) -> None:
    agreements, files = shipped()
    report = {
        path_of(a): found
        for a in agreements
        if (found := _problems_of(path_of(a), files[path_of(a)], a, as_hf, schemas))
    }
    assert report == {}


def test_the_committed_generated_cpas_read_completely(schemas: SchemaSet) -> None:
    """generated/ as committed (what is deployed), not only what this build renders."""
    agreements, _ = shipped()
    root = Path(__file__).resolve().parents[2] / layout.GENERATED
    for a in agreements:
        content = (root / path_of(a)).read_bytes()
        for as_hf in (True, False):
            assert _problems_of(path_of(a), content, a, as_hf, schemas) == [], (path_of(a), as_hf)


def test_drafts_lack_only_the_certificates_ar_does_not_have(schemas: SchemaSet) -> None:
    """An incomplete draft (a party not in AR yet) still reads completely but for its certificates."""
    agreements, files = shipped()
    drafts = [a for a in agreements if a.incomplete]
    assert drafts, "the shipped data has a party that is not in AR yet"
    for a in drafts:
        reading = read(files[path_of(a)], file=path_of(a), her_id=a.hf.her_id, schemas=schemas)
        assert reading.counterparty.signing is None and reading.counterparty.encryption is None
        assert reading.me is not None and reading.me.signing is not None and reading.me.encryption is not None


def _as_before(content: bytes, change: str) -> bytes:
    """A generated CPA changed back to one thing it had before issue 15."""
    ns = {"tns": "http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd"}
    root = etree.fromstring(content)
    infos = root.findall("tns:PartyInfo", ns)
    if change == "enh":
        for info in infos:
            ids = info.findall("tns:PartyId", ns)
            extra = etree.Element(ids[-1].tag)
            extra.set(ids[-1].keys()[0], "ENH")
            extra.text = "883974832"
            ids[-1].addnext(extra)
    elif change in ("own-bindings-only", "own-bindings-sender-first"):
        # As before: each role of a two-way process with only its own leg (the sender sends the message and
        # receives the AppRec, the receiver the reverse) and, in the second case, the sender role first.
        t = f"{{{ns['tns']}}}"
        for info in infos:
            roles = info.findall("tns:CollaborationRole", ns)
            for role in roles:
                sender = role.find("tns:Role", ns).get(t + "name").endswith("sender")
                for can in role.iter(t + "CanSend", t + "CanReceive"):
                    apprec = can.find("tns:ThisPartyActionBinding", ns).get(t + "action") == "APPREC"
                    if (can.tag == t + "CanSend") == (sender == apprec):
                        can.getparent().remove(can)
            if change == "own-bindings-sender-first":
                for first, second in itertools.pairwise(roles):
                    if first.find("tns:Role", ns).get(t + "name").endswith("receiver"):
                        second.addnext(first)
    elif change == "message-binding-last":
        for can in root.iter(f"{{{ns['tns']}}}CanReceive"):
            binding = can.find("tns:ThisPartyActionBinding", ns)
            if binding.get(f"{{{ns['tns']}}}action") != "APPREC":
                parent = can.getparent()
                parent.append(can)
    return etree.tostring(root)


@pytest.mark.parametrize(
    ("change", "symptom"),
    [
        ("enh", "not read"),
        ("own-bindings-only", "FindMessagePartsForReceiveAppRec"),
        ("own-bindings-sender-first", "lands on APPREC"),
        ("message-binding-last", "lands on APPREC"),
    ],
)
def test_the_check_finds_what_was_wrong_before(change: str, symptom: str) -> None:
    """The check is not vacuous: each fault issue 15 found makes CPAs fail it, with its symptom."""
    agreements, files = shipped()
    failing = set()
    for a in agreements:
        content = _as_before(files[path_of(a)], change)
        for as_hf in (True, False):
            if any(symptom in p for p in _problems_of(path_of(a), content, a, as_hf, None)):
                failing.add(path_of(a))
    two_way = {path_of(a) for a in agreements if any(m.kommune_sends for m in a.messages)}
    assert failing == (set(files) & {path_of(a) for a in agreements} if change == "enh" else two_way)
