"""The per-HF partner index and its schema (schemas/partner-index.xsd)."""

from __future__ import annotations

import copy

import pytest
from conftest import REPO
from lxml import etree

from agreements.support import examples, parse_xml, rendered
from pipeline import layout
from pipeline.agreements import index
from pipeline.agreements.agreement import by_hf, collect
from pipeline.errors import XmlValidationError
from pipeline.model.models import HF_KEYS
from pipeline.render.xml import safe_parser, serialise

NS = {"i": index.NS}


def repo_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(REPO / "schemas" / index.SCHEMA_FILE), safe_parser()))


def indexes(files: dict[str, bytes]) -> dict[str, etree._Element]:
    return {hf: parse_xml(files[layout.partner_index(hf)]) for hf in HF_KEYS}


def test_the_packaged_schema_is_the_one_in_schemas() -> None:
    assert index.schema_bytes() == (REPO / "schemas" / index.SCHEMA_FILE).read_bytes()


def test_every_index_validates_against_schemas_partner_index_xsd() -> None:
    schema = repo_schema()
    for hf, root in indexes(rendered(examples())).items():
        assert schema.validate(root), f"{hf}: {schema.error_log}"


def test_index_lists_every_agreement_with_its_cpa() -> None:
    files = rendered(examples())
    for hf, root in indexes(files).items():
        assert root.find("i:helseforetak", NS).get("key") == hf
        entries = root.findall("i:agreement", NS)
        cpas = sorted(p.removeprefix(f"{hf}/") for p in files if p.startswith(f"{hf}/cpa/"))
        assert sorted(e.get("cpa") for e in entries) == cpas
        keys = [(e.find("i:kommune", NS).get("number"), int(e.find("i:party", NS).get("her-id"))) for e in entries]
        assert keys == sorted(keys)
        for e in entries:
            cpa = parse_xml(files[f"{hf}/{e.get('cpa')}"])
            tns = "{http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd}"
            assert cpa.get(f"{tns}cpaid") == e.get("cpaid")
            assert cpa.find(f"{tns}Status").get(f"{tns}value") == e.get("cpa-status")
            assert cpa.find(f"{tns}Start").text == e.get("start")


def test_states_per_message_type_in_the_index() -> None:
    root = indexes(rendered(examples()))["helse-nord-trondelag"]

    def entry(kommune: str, her: int) -> etree._Element:
        found = root.xpath(
            "i:agreement[i:kommune/@number=$k and i:party/@her-id=$h]", namespaces=NS, k=kommune, h=str(her)
        )
        assert len(found) == 1
        return found[0]

    expected = {
        ("1505", 8160101): ("paused", "proposed"),
        ("1506", 8160001): ("test", "proposed"),  # Nord-Trøndelag still waits for the AppRec
        ("1811", 8180001): ("incomplete", "proposed"),  # not in AR yet: a draft
        ("5001", 8150001): ("active", "agreed"),
        ("5001", 8150002): ("active", "agreed"),
        ("5007", 8170201): ("withdrawn", "proposed"),
        ("5035", 8170001): ("pending", "proposed"),
    }
    for (kommune, her), (state, status) in expected.items():
        e = entry(kommune, her)
        assert (e.get("state"), e.get("cpa-status")) == (state, status)
        assert {m.get("state") for m in e.findall("i:message", NS)} == {state}
    molde = entry("1506", 8160001)
    assert [(m.get("type"), m.get("version"), m.get("apprec")) for m in molde.findall("i:message", NS)] == [
        ("epikrise", "1.1", "1.0"),
        ("svarrapport", "1.3", "1.0"),
        ("dialogmelding", "1.0", "1.0"),
    ]
    dialog = molde.find("i:message[@type='dialogmelding']", NS)
    assert dialog.get("direction") == "both"
    assert [a.get("name") for a in dialog.findall("i:action", NS)] == [
        "DIALOG_FORESPORSEL",
        "DIALOG_SVAR",
        "DIALOG_AVVIK",
    ]
    assert molde.find("i:message[@type='epikrise']", NS).get("direction") == "hf-to-kommune"
    st_olavs_molde = indexes(rendered(examples()))["st-olavs"].find("i:agreement[@cpa='cpa/1506-8160001.xml']", NS)
    assert st_olavs_molde.get("state") == "deactivated-until-activation"


def test_only_active_agreements_are_electronic_only() -> None:
    for root in indexes(rendered(examples())).values():
        for e in root.findall("i:agreement", NS):
            assert (e.get("fallback") == "none") == (e.get("state") == "active")
            assert (e.get("cpa-status") == "agreed") == (e.get("state") == "active")


def test_an_hf_without_agreements_still_gets_an_index() -> None:
    declarations = examples()
    declarations.kommuner = [k for k in declarations.kommuner if k.model.status == "planned"]
    files = rendered(declarations)
    assert sorted(files) == sorted(layout.partner_index(hf) for hf in HF_KEYS)
    for root in indexes(files).values():
        assert root.findall("i:agreement", NS) == []


def test_an_invalid_index_is_refused() -> None:
    root = indexes(rendered(examples()))["st-olavs"]
    root.find("i:agreement", NS).set("state", "live")
    with pytest.raises(XmlValidationError, match="state"):
        index.validate(root.getroottree(), what="st-olavs index")
    assert not repo_schema().validate(root)


@pytest.mark.parametrize("attribute", ["cpaid", "cpa"])
def test_an_index_listing_one_agreement_twice_is_refused(attribute: str) -> None:
    """The schema's two uniqueness constraints select the index's (namespaced) agreements: the
    same CPA id or the same CPA file twice is refused, as a tree and streamed."""
    root = indexes(rendered(examples()))["st-olavs"]
    first, second = root.findall("i:agreement", NS)[:2]
    second.set(attribute, first.get(attribute))
    assert not repo_schema().validate(root)
    with pytest.raises(XmlValidationError, match="one-agreement-per"):
        index.validate(root.getroottree(), what="st-olavs index")
    hf, entries = _entries()[0]
    twice = copy.deepcopy(entries)
    key = "cpaid" if attribute == "cpaid" else "cpa"
    value = dict(twice[0][1])[key]
    twice[1][1] = [[k, value if k == key else v] for k, v in twice[1][1]]
    with pytest.raises(XmlValidationError):
        index.document(hf, twice)


def test_names_with_markup_characters_and_norwegian_letters_in_the_index() -> None:
    name = 'Bæø Å & <Helse> "omsorg"'
    files = rendered(examples(**{"1811-bindal": ("name: Bindal\n", f"name: '{name}'\n")}))
    entry = indexes(files)["st-olavs"].find("i:agreement[@cpa='cpa/1811-8180001.xml']", NS)
    assert entry.find("i:kommune", NS).get("name") == name
    assert entry.find("i:party", NS).get("name") == "Bindal kommune - Helse & omsorg <sykehjem>"
    assert (
        indexes(files)["st-olavs"].find("i:agreement[@cpa='cpa/5035-8170001.xml']/i:kommune", NS).get("name")
        == "Stjørdal"
    )


def _entries(name: str | None = None) -> list[tuple[object, list[index.Entry]]]:
    edits = {} if name is None else {"1811-bindal": ("name: Bindal\n", f"name: '{name}'\n")}
    declarations = examples(**edits)
    grouped = by_hf(collect(declarations))
    return [(hf.model, index.entries(hf.model, grouped.get(hf.model.key, []))) for hf in declarations.helseforetak]


@pytest.mark.parametrize("name", [None, 'Bæø Å & <Helse> "omsorg"\ttab'])
def test_the_streamed_index_is_the_tree_serialised(name: str | None) -> None:
    """``document`` never holds the index as one tree; its bytes are the tree's, empty or not."""
    for hf, entries in _entries(name):
        assert entries
        assert index.document(hf, entries) == serialise(index.assemble(hf, entries))
        assert index.document(hf, entries[:1]) == serialise(index.assemble(hf, entries[:1]))
        assert index.document(hf, []) == serialise(index.assemble(hf, []))


def test_the_streamed_index_is_validated() -> None:
    hf, entries = _entries()[0]
    bad = copy.deepcopy(entries)
    bad[1][1] = [[k, "live" if k == "state" else v] for k, v in bad[1][1]]
    with pytest.raises(XmlValidationError, match=r"line \d+: .*'state'"):
        index.document(hf, bad)


@pytest.mark.parametrize("name", [None, 'Bæø Å & <Helse> "omsorg"\ttab'])
def test_an_index_joined_from_fragments_is_the_streamed_index(name: str | None) -> None:
    """Fragments made a few entries at a time (as each kommune's part makes them) and joined are
    the bytes ``document`` makes of all the entries, empty or not."""
    for hf, entries in _entries(name):
        rows = [row for start in range(0, len(entries), 2) for row in index.fragments(hf, entries[start : start + 2])]
        assert index.joined(hf, rows) == index.document(hf, entries)
        assert index.joined(hf, []) == index.document(hf, [])
        assert [cpaid for cpaid, __, ___ in rows] == [dict(e[1])["cpaid"] for e in entries]


def test_an_invalid_fragment_is_refused_when_made() -> None:
    hf, entries = _entries()[0]
    bad = copy.deepcopy(entries)
    bad[1][1] = [[k, "live" if k == "state" else v] for k, v in bad[1][1]]
    with pytest.raises(XmlValidationError, match="'state'"):
        index.fragments(hf, bad)


@pytest.mark.parametrize("key", [0, 1])
def test_fragments_of_two_kommuner_listing_one_agreement_twice_are_refused_when_joined(key: int) -> None:
    """Each fragment is valid alone; the schema's uniqueness of the CPA id (key 0) and of the CPA
    file (key 1) across the whole index is checked by the join, which refuses in the schema's words."""
    hf, entries = _entries()[0]
    one, other = index.fragments(hf, entries[:1]), index.fragments(hf, entries[1:2])
    name = ("cpaid", "cpa")[key]
    other[0][2] = other[0][2].replace(f'{name}="{other[0][key]}"', f'{name}="{one[0][key]}"')
    other[0][key] = one[0][key]
    assert index.fragments(hf, [entries[0]]) == one  # each one alone is valid
    with pytest.raises(XmlValidationError, match="one-agreement-per"):
        index.joined(hf, [*one, *other])
