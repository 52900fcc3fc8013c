"""Kodeverk 8221 and 8258: every code the official examples and NHN's EDI 2.0 samples use is
explained (read from ../shared, which must be there), each explanation points at a routine step."""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree
from receipts_support import shared

from pipeline.receipts import codes
from pipeline.receipts.model import AppRecStatus
from pipeline.render.xml import safe_parser

APPREC_NAMESPACES = ("http://www.kith.no/xmlstds/apprec/2004-11-21", "http://www.kith.no/xmlstds/apprec/2012-02-15")


def _official_apprec_errors() -> dict[str, str | None]:
    """8221 code -> DN, from every Error in the official AppRec examples."""
    found: dict[str, str | None] = {}
    files = sorted(shared("standards", "examples", "apprec").rglob("*.xml"))
    assert len(files) == 5
    for file in files:
        root = etree.parse(str(file), safe_parser()).getroot()
        for ns in APPREC_NAMESPACES:
            for error in root.iterfind(f"{{{ns}}}Error"):
                if error.get("S") == codes.OID_8221:
                    found[error.get("V", "")] = error.get("DN")
    return found


def _edi2_errors() -> dict[str, str | None]:
    """errorCode -> details, from NHN's EDI 2.0 sample responses and the OpenAPI's examples."""
    found: dict[str, str | None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("errorCode"), str):
                found.setdefault(node["errorCode"], node.get("details"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    files = sorted(shared("standards", "edi2").glob("*.json"))
    assert len(files) >= 9
    for file in files:
        walk(json.loads(file.read_text("utf-8")))
    return found


def test_official_codes_are_explained() -> None:
    used = {**_official_apprec_errors(), **_edi2_errors()}
    assert {"E10", "E20", "E30", "E31", "E36"} <= set(used)  # what the examples held when this was written
    for code in used:
        explanation = codes.explain(code)
        assert explanation.listed, f"{code} used by the official examples has no explanation"
        assert explanation.meaning and explanation.cause and explanation.fix


def test_meanings_are_the_official_texts() -> None:
    for code, text in _official_apprec_errors().items():
        assert text is not None
        assert codes.explain(code).meaning == text.strip()
    for code in ("E10", "E31"):  # in the EDI 2.0 samples "details" carries the code's text
        assert codes.explain(code).meaning == _edi2_errors()[code]


def test_every_step_is_a_routine_step() -> None:
    rules = shared("routine", "RULES.md").read_text("utf-8")
    steps = set(re.findall(r"\b[KH][0-9]\b", rules))
    for explanation in codes.CODES_8221.values():
        for step in explanation.step.split("/"):
            assert step in steps, (explanation.code, step)
        assert explanation.code in str(explanation) and explanation.step in str(explanation)


def test_the_codes_the_brief_names() -> None:
    listed = set(codes.CODES_8221)
    assert {
        "E10",
        "E20",
        "E21",
        "E30",
        "E31",
        "E32",
        "E35",
        "E36",
        "S01",
        "S02",
        "S03",
        "T01",
        "T02",
        "T10",
        "X99",
    } <= listed
    assert codes.explain("E21").step == codes.K3 and "AR" in codes.explain("E21").fix
    assert codes.explain("T02").step == codes.K2 and codes.explain("T10").step == codes.K2
    assert codes.explain("S02").step == codes.K3 and "certificate" in codes.explain("S03").cause
    assert codes.explain("E35").step == codes.K5 and "test patient" in codes.explain("E35").cause


def test_unlisted_and_foreign_codes() -> None:
    e33 = codes.explain("e33")
    assert not e33.listed and e33.code == "E33" and "volven" in e33.meaning and e33.step == codes.K3
    assert codes.explain("T55").step == codes.K2
    assert codes.explain("Q1").step == "H3"
    lom = codes.explain("07", "2.16.578.1.12.4.1.1.8223", "Feilbruk av kveldstakst")
    assert not lom.listed and lom.meaning == "Feilbruk av kveldstakst" and "8223" in lom.cause


def test_kodeverk_8258() -> None:
    assert {k: v[0] for k, v in codes.STATUS_8258.items()} == {
        "1": AppRecStatus.OK,
        "2": AppRecStatus.REJECTED,
        "3": AppRecStatus.OK_WITH_ERRORS,
    }
    assert [v[1] for v in codes.STATUS_8258.values()] == ["OK", "Avvist", "OK, feil i delmelding"]


def test_edi2_enumerations_match_the_openapi() -> None:
    spec = json.loads(shared("standards", "edi2", "msh-api-v2.json").read_text("utf-8"))
    schemas = spec["components"]["schemas"]
    assert set(schemas["AppRecStatus"]["enum"]) == set(codes.EDI2_APPREC_STATUS)
    assert set(schemas["DeliveryState"]["enum"]) == set(codes.EDI2_DELIVERY_STATE)


def test_ebms_error_codes_explained() -> None:
    for code in ("SecurityFailure", "DeliveryFailure", "Inconsistent", "MimeProblem"):
        assert code in codes.explain_transport(code) and "routine step" in codes.explain_transport(code)
    assert "K3" in codes.explain_transport("SecurityFailure")


def test_every_official_code_in_a_rejected_apprec_becomes_an_explained_finding() -> None:
    """Must show 5, through the rule's words: each code the official AppRec examples and NHN's
    EDI 2.0 samples use, recorded in a rejected AppRec, is said with its meaning, cause, fix and
    routine step (a code without an explanation of its own fails here)."""
    from pipeline.model.models import Receipt

    used = {**_official_apprec_errors(), **_edi2_errors()}
    for code in sorted(used):
        receipt = Receipt(kind="apprec", test="epikrise", message="m", result="rejected", errors=[code], id="r")
        [said] = codes.describe_negative(receipt)
        e = codes.explain(code)
        assert e.listed, f"{code} has no explanation of its own"
        assert f"{code} {e.meaning}: {e.cause} Fix: {e.fix} (routine step {e.step})" in said
    ok = Receipt(kind="apprec", test="epikrise", message="m", result="ok", id="r")
    assert codes.describe_negative(ok) == []
