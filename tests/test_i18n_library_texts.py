"""Norwegian first, down to the libraries' words (issue 17): pydantic's validation messages and
the YAML parser's problems inside S1/S5 findings read in Norwegian with nb and in English with en
(``pipeline.i18n.library_texts``); what a library says that the table does not know is kept in
the library's English."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from conftest import TODAY, Repo
from pydantic import BaseModel, TypeAdapter, ValidationError

from pipeline.i18n import catalog, library_texts, use
from pipeline.model import loader
from pipeline.model.models import Helseforetak, Kommune

STJORDAL = "partners/kommuner/5035-stjordal.yaml"
LANGS = ("nb", "en")

# (what is written wrong: the edit, the rule, Norwegian and English that must be said, and the
# library's own English that must not be left in the Norwegian).
CASES: dict[str, tuple[tuple[str, str], str, str, str, str]] = {
    "unquoted version": (
        ('svarrapport: "1.4"', "svarrapport: 1.4"),
        "S1",
        'verdien skal være tekst (fikk 1.4): skriv "1.4" i anførselstegn',
        'input should be text (got 1.4): write "1.4" in quotes',
        "Input should be a valid string",
    ),
    "unquoted kommunenummer": (
        ('kommune: "5035"', "kommune: 5035"),
        "S1",
        "'kommune': verdien skal være tekst (fikk 5035): skriv \"5035\" i anførselstegn",
        "'kommune': input should be text (got 5035): write \"5035\" in quotes",
        "Input should be a valid string",
    ),
    "missing field": (
        ("name: Stjørdal\n", ""),
        "S1",
        "det påkrevde feltet 'name' mangler",
        "required field 'name' is missing",
        "Field required",
    ),
    "unknown field": (
        ("name: Stjørdal\n", "name: Stjørdal\nnavn: Stjørdal\n"),
        "S1",
        "ukjent nøkkel 'navn'",
        "unknown key 'navn'",
        "Extra inputs are not permitted",
    ),
    "impossible date": (
        ("agreed_on: 2026-11-02", "agreed_on: 2026-13-02"),
        "S1",
        "2026-13-02 er ikke en dato: det finnes ingen måned 13",
        "2026-13-02 is not a date: there is no month 13",
        "month must be in 1..12",
    ),
    "unknown status": (
        ("status: ordered ", "status: bestilt "),
        "S1",
        "'status': verdien skal være 'planned', 'ordered', 'testing', 'active', 'paused' eller 'withdrawn'"
        " (fikk 'bestilt')",
        "'status': input should be 'planned', 'ordered', 'testing', 'active', 'paused' or 'withdrawn' (got 'bestilt')",
        "Input should be",
    ),
    "empty text": (
        ("reference: HEMIT-4711", 'reference: ""'),
        "S1",
        "'order.reference': teksten skal ha minst 1 tegn (fikk '')",
        "'order.reference': text should have at least 1 character(s) (got '')",
        "String should have",
    ),
    "HER-id out of range": (
        ("her_id: 8170001", "her_id: 0"),
        "S5",
        "'parties.0.her_id': verdien skal være større enn eller lik 1 (fikk 0)",
        "'parties.0.her_id': input should be greater than or equal to 1 (got 0)",
        "Input should be greater",
    ),
    "tab character": (
        ("  date: 2027-03-02", "\tdate: 2027-03-02"),
        "S1",
        "syntaksfeil i YAML: tabulatortegn er ikke tillatt som innrykk",
        "YAML syntax error: tab characters are not allowed for indentation",
        "cannot start any token",
    ),
    "colon in a value": (
        ("name: Stjørdal\n", "name: Stjørdal: Helse\n"),
        "S1",
        "syntaksfeil i YAML: et kolon (:) der det skulle stå en verdi",
        "YAML syntax error: a colon (:) where a value was expected",
        "mapping values are not allowed here",
    ),
    "broken indentation": (
        ("  agreed_on: 2026-11-02", " agreed_on: 2026-11-02"),
        "S1",
        "syntaksfeil i YAML: innrykket er feil: en blokk slutter der en nøkkel ble funnet",
        "YAML syntax error: the indentation is wrong: a block ends where a key was found",
        "expected <block end>",
    ),
    "duplicate key": (
        ("name: Stjørdal\n", "name: Stjørdal\nname: Stjørdal\n"),
        "S1",
        "nøkkelen 'name' står to ganger (først på linje 5)",
        "duplicate key 'name' (first at line 5)",
        "found duplicate key",
    ),
}


def _json(repo: Repo, lang: str) -> dict[str, Any]:
    result = repo.call("validate", "--today", TODAY, "--format", "json", "--lang", lang, STJORDAL)
    assert result.code == 1, result
    doc: dict[str, Any] = json.loads(result.out)
    return doc


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_library_text_in_a_finding_reads_in_either_language(repo: Repo, case: str) -> None:
    (old, new), rule, norwegian, english, library = CASES[case]
    repo.edit(STJORDAL, old, new)
    out = {lang: repo.call("validate", "--today", TODAY, "--lang", lang, STJORDAL) for lang in LANGS}
    assert out["nb"].code == out["en"].code == 1
    assert f"feil {rule} " in out["nb"].out and norwegian in out["nb"].out, out["nb"].out
    assert f"error {rule} " in out["en"].out and english in out["en"].out, out["en"].out
    assert library not in out["nb"].out and library not in out["en"].out
    docs = {lang: _json(repo, lang) for lang in LANGS}
    messages = {lang: [f.pop("message") for f in doc["findings"]] for lang, doc in docs.items()}
    assert docs["nb"] == docs["en"]  # rule, severity, file, line, column, the summary
    assert any(norwegian in m for m in messages["nb"]) and any(english in m for m in messages["en"])


def test_the_environment_chooses_the_language_of_a_schema_finding(repo: Repo) -> None:
    """The real command in its own process, as a person runs it: $OPPKOBLING_LANG decides."""
    repo.edit(STJORDAL, 'svarrapport: "1.4"', "svarrapport: 1.4")
    nb = repo.run("validate", "--today", TODAY, STJORDAL, env={"OPPKOBLING_LANG": "nb"})
    en = repo.run("validate", "--today", TODAY, STJORDAL, env={"OPPKOBLING_LANG": "en"})
    assert nb.code == en.code == 1
    where = f"{STJORDAL}:23:20: "
    assert f"{where}feil S1 'parties.0.messages.svarrapport': verdien skal være tekst (fikk 1.4)" in nb.out
    assert f"{where}error S1 'parties.0.messages.svarrapport': input should be text (got 1.4)" in en.out


def _errors(model: type[BaseModel], data: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [dict(e) for e in exc.errors(include_url=False)]
    raise AssertionError(f"{data} is valid")


def _kommune(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kommune": "5035",
        "name": "Stjørdal",
        "org_number": "939958851",
        "status": "ordered",
        "activation": {"date": dt.date(2027, 3, 2), "agreed_on": dt.date(2026, 11, 2)},
        "parties": [{"her_id": 8170001, "name": "Helse", "edi_address": "a@edi.nhn.no", "messages": {}}],
    }
    base.update(changes)
    return base


PARTY = {"her_id": 8170001, "name": "Helse", "edi_address": "a@edi.nhn.no", "messages": {}}
WRONG: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (Kommune, _kommune(kommune=5035)),
    (Kommune, _kommune(kommune="50")),
    (Kommune, _kommune(name="")),
    (Kommune, _kommune(name="x" * 201)),
    (Kommune, _kommune(status="bestilt")),
    (Kommune, _kommune(extra=1)),
    (Kommune, {k: v for k, v in _kommune().items() if k != "name"}),
    (Kommune, _kommune(parties={})),
    (Kommune, _kommune(parties=["x"])),
    (Kommune, _kommune(activation={"date": "2027-03-02"})),
    (Kommune, _kommune(activation={"date": dt.date(9999, 1, 1)})),
    (Kommune, _kommune(parties=[{**PARTY, "her_id": "8170001"}])),
    (Kommune, _kommune(parties=[{**PARTY, "her_id": 0}])),
    (Kommune, _kommune(parties=[{**PARTY, "her_id": 2**31}])),
    (Kommune, _kommune(parties=[{**PARTY, "messages": []}])),
    (Kommune, _kommune(parties=[{**PARTY, "messages": {"epikrise": "1"}}])),
    (Kommune, _kommune(tests={"st-olavs": {"8170001": {"pretest": {"kind": "x"}}}})),
    (Kommune, _kommune(tests={"st-olavs": {"8170001": {"dialog": {"sent_at": "noon"}}}})),
    (Kommune, _kommune(tests={"st-olavs": {"8170001": {"dialog": {"sent_at": "2027-03-02T09:00:00"}}}})),
    (Kommune, _kommune(tests={"st-olavs": {"8170001": {"dialog": {"sent_at": "2027-03-02T25:00:00+01:00"}}}})),
    (Kommune, _kommune(tests={"st-olavs": {"8170001": {"pretest": {"transport_receipt": "bad"}}}})),
    (Kommune, _kommune(deviations=[{"open": "yes"}])),
    (Helseforetak, {"key": "St Olavs", "name": "x", "supports": {"epikrise": [1.2]}}),
    (Helseforetak, {"key": "st-olavs", "name": "x", "supports": {}, "deploy": {"keep_releases": 0}}),
]


def test_every_error_type_the_models_produce_is_translated_with_its_context() -> None:
    """Each type is in the table, and its placeholders are the context pydantic gives (a wrong
    one would fall back to the English ``msg``)."""
    seen: set[str] = set()
    for model, data in WRONG:
        for error in _errors(model, data):
            seen.add(error["type"])
            assert error["type"] in library_texts.PYDANTIC or error["type"] == "date_out_of_scope", error
            with use("en"):
                english = library_texts.pydantic_message(error)
            with use("nb"):
                norwegian = library_texts.pydantic_message(error)
            assert english != error["msg"] or error["type"] == "date_out_of_scope", error
            assert norwegian != english or error["type"] == "date_out_of_scope", error
    assert {"string_type", "int_type", "missing", "extra_forbidden", "enum", "string_pattern_mismatch"} <= seen
    assert {"string_too_short", "string_too_long", "greater_than_equal", "less_than_equal", "list_type"} <= seen
    assert {
        "dict_type",
        "literal_error",
        "date_type",
        "datetime_from_date_parsing",
        "timezone_aware",
        "model_type",
    } <= seen


def test_our_own_validators_message_is_said_through_the_catalog() -> None:
    outside = _kommune(activation={"date": dt.date(9999, 1, 1)})
    said = {}
    for lang in LANGS:
        with use(lang):
            error = _errors(Kommune, outside)[0]
            said[lang] = library_texts.pydantic_message(error)
        assert error["type"] == "date_out_of_scope" and said[lang] == error["msg"]
    assert said["en"].startswith("9999-01-01 is outside the years 1900 to 9899")
    assert said["nb"].startswith("9999-01-01 ") and said["nb"] != said["en"]
    value_error = {"type": "value_error", "msg": "Value error, x", "ctx": {"error": ValueError("sagt på norsk")}}
    assert library_texts.pydantic_message(value_error) == "sagt på norsk"  # no English "Value error, "


def test_a_pydantic_type_the_table_does_not_know_keeps_pydantics_english() -> None:
    try:
        TypeAdapter(uuid.UUID).validate_python("not a uuid")
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
    assert error["type"] not in library_texts.PYDANTIC
    with use("nb"):
        assert library_texts.pydantic_message(error) == error["msg"]
    assert error["msg"].startswith("Input should be a valid UUID")


def test_a_yaml_problem_the_table_does_not_know_keeps_the_parsers_words() -> None:
    with use("nb"), pytest.raises(loader.LoadError) as raised:
        loader.load_text("a: !x!y b\n")
    assert raised.value.message == "syntaksfeil i YAML: found undefined tag handle '!x!'"
    with use("nb"):
        assert library_texts.yaml_problem("a problem no parser has yet") == "a problem no parser has yet"


@pytest.mark.parametrize(
    ("text", "norwegian", "english"),
    [
        ("a: [1, 2\n", "forventet ',' eller ']', men fant slutten av filen", "expected ',' or ']', but found the end"),
        ("a: 'x\n", "et avsluttende anførselstegn mangler", "a closing quote is missing"),
        ('a: "\\q"\n', "ukjent escape-tegn 'q'", "unknown escape character 'q'"),
        ("a: @x\n", "tegnet '@' kan ikke innlede en verdi", "the character '@' cannot start a value"),
        ("a:\n  - 1\n - 2\n", "der et listeelement ble funnet", "where a list item was found"),
        ("a: 2026-02-30\n", "2026-02-30 er ikke en dato: februar 2026 har 28 dager", "February 2026 has 28 days"),
        ("a: 2026-02-03T25:00:00\n", "timen må være 0 til 23", "the hour must be 0 to 23"),
    ],
)
def test_the_parsers_problems_read_in_either_language(text: str, norwegian: str, english: str) -> None:
    said = {}
    for lang in LANGS:
        with use(lang), pytest.raises(loader.LoadError) as raised:
            loader.load_text(text)
        said[lang] = raised.value.message
    assert norwegian in said["nb"] and english in said["en"], said


def test_every_table_entry_is_a_message_of_the_catalog() -> None:
    ids = {m.id for m in catalog.template() if m.id}
    assert set(library_texts.PYDANTIC.values()) <= ids
    assert set(library_texts.YAML_PROBLEMS.values()) <= ids
