"""Builders for agreement tests: the shipped examples (optionally edited) and hand-made kommuner."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import REPO
from lxml import etree

from pipeline.agreements import cpa
from pipeline.io.partners import read_tree
from pipeline.model.declarations import DeclarationSet, parse
from pipeline.model.models import HF_KEYS, Kommune
from pipeline.render.agreements import render
from pipeline.render.context import RenderContext
from pipeline.render.xsd import SchemaSet
from pipeline.routine import calendar

T = dt.date(2027, 3, 2)
HER = 8170001
CPA_NS = {"tns": cpa.NS, "xlink": cpa.XLINK, "ds": cpa.DS}


def example_files(**edits: tuple[str, str]) -> dict[str, bytes]:
    """The shipped partners/ files; ``edits`` maps a file stem (``1811-bindal``) to (old, new) text."""
    files = read_tree(REPO).files
    for stem, (old, new) in edits.items():
        path = next(p for p in files if p.endswith(f"/{stem}.yaml"))
        text = files[path].decode("utf-8")
        assert old in text, f"{old!r} not in {path}"
        files[path] = text.replace(old, new, 1).encode("utf-8")
    return files


def examples(**edits: tuple[str, str]) -> DeclarationSet:
    declarations = parse(example_files(**edits))
    assert not declarations.problems, declarations.problems
    return declarations


def positive_evidence(her_id: int = HER, t: dt.date = T, hf_keys: tuple[str, ...] = HF_KEYS) -> dict[str, Any]:
    """R-H2 and R-K6 evidence from every HF for one party: what R-H5 needs."""
    sent = calendar.dialog_at(t)

    def one() -> dict[str, Any]:
        return {
            "pretest": {"sent_on": calendar.pretest_day(t), "transport_receipt": "ok", "apprec": "ok"},
            "dialog": {"sent_at": sent, "answered_at": sent + dt.timedelta(minutes=40)},
        }

    return {hf: {str(her_id): one()} for hf in hf_keys}


def kommune(status: str, **fields: Any) -> Kommune:
    """A kommune with one party ordering epikrise, svarrapport and dialogmelding, T = 2027-03-02."""
    data: dict[str, Any] = {
        "kommune": "5035",
        "name": "Stjørdal",
        "org_number": "939958851",
        "contact": "meldingsansvarlig@stjordal.kommune.no",
        "status": status,
        "activation": {"date": T, "agreed_on": dt.date(2026, 11, 2)},
        "order": {"sent_on": dt.date(2026, 11, 5)},
        "parties": [
            {
                "her_id": HER,
                "name": "Stjørdal kommune - Helse og velferd",
                "edi_address": "stjordal-helse@edi.nhn.no",
                "ar_published_on": dt.date(2026, 11, 20),
                "messages": {"dialogmelding": "1.1", "epikrise": "1.2", "svarrapport": "1.4"},
            }
        ],
    }
    data.update(fields)
    return Kommune.model_validate(data)


def parse_xml(content: bytes) -> etree._Element:
    return etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))


def party_infos(root: etree._Element) -> tuple[etree._Element, etree._Element]:
    hf, party = root.findall("tns:PartyInfo", CPA_NS)
    return hf, party


def roles(party_info: etree._Element) -> dict[tuple[str, str], etree._Element]:
    """(role name, process version) -> CollaborationRole."""
    found = {}
    for role in party_info.findall("tns:CollaborationRole", CPA_NS):
        name = role.find("tns:Role", CPA_NS).get(f"{{{cpa.NS}}}name")
        version = role.find("tns:ProcessSpecification", CPA_NS).get(f"{{{cpa.NS}}}version")
        key = (name, version)
        assert key not in found, f"role {key} twice"
        found[key] = role
    return found


def bindings(role: etree._Element, kind: str) -> list[tuple[str, str]]:
    """(action, packageId) of the role's CanSend or CanReceive bindings."""
    return [
        (b.get(f"{{{cpa.NS}}}action"), b.get(f"{{{cpa.NS}}}packageId"))
        for b in role.findall(f"tns:ServiceBinding/tns:{kind}/tns:ThisPartyActionBinding", CPA_NS)
    ]


def rendered(declarations: DeclarationSet, schemas: SchemaSet | None = None) -> dict[str, bytes]:
    """What the agreements generator yields, by path under generated/."""
    files: dict[str, bytes] = {}
    for path, content in render(declarations, RenderContext(schemas)):
        assert path not in files, f"{path} twice"
        files[path] = content
    return files
