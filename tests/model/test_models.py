"""schemas/*.schema.json: generated from the pydantic models, committed up to date, and the
shipped declarations validate against them with the `jsonschema` library (what an editor or
another tool would use)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from conftest import REPO, Repo
from jsonschema import Draft202012Validator, FormatChecker

from pipeline.app.schema import render
from pipeline.model.loader import load_bytes
from pipeline.model.models import MODELS

KINDS = {"partners/kommuner": "kommune", "partners/helseforetak": "helseforetak"}
SHIPPED = sorted(p.relative_to(REPO).as_posix() for d in KINDS for p in (REPO / d).glob("*.yaml"))


def as_json(value: Any) -> Any:
    """YAML data as JSON sees it: dates and times become ISO strings, mapping keys text
    (an unquoted HER-id key is an int in YAML)."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def validator(kind: str) -> Draft202012Validator:
    schema = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_committed_schema_is_what_the_model_produces(name: str) -> None:
    assert (REPO / "schemas" / f"{name}.schema.json").read_text("utf-8") == render(name)


def test_schema_check_passes_on_the_committed_schemas(repo: Repo) -> None:
    result = repo.call("schema", "--check")
    assert result.code == 0, result.out + result.err
    assert "up to date" in result.out


def test_a_stale_schema_fails_the_check_and_schema_rewrites_it(repo: Repo) -> None:
    path = repo.path("schemas/kommune.schema.json")
    stale = path.read_text("utf-8").replace('"Kommunenummer, 4 digits, as a string"', '"Kommunenummer"')
    path.write_text(stale, "utf-8")
    checked = repo.call("schema", "--check")
    assert checked.code == 1
    assert "schemas/kommune.schema.json: stale" in checked.out
    assert path.read_text("utf-8") == stale, "--check must not write"
    assert repo.call("schema").code == 0
    assert path.read_text("utf-8") == render("kommune")
    assert repo.call("schema", "--check").code == 0


def test_a_missing_schema_fails_the_check(repo: Repo) -> None:
    repo.path("schemas/helseforetak.schema.json").unlink()
    result = repo.call("schema", "--check")
    assert result.code == 1
    assert "schemas/helseforetak.schema.json: stale" in result.out


@pytest.mark.parametrize("path", SHIPPED)
def test_shipped_declaration_validates_against_its_schema(path: str) -> None:
    kind = KINDS[path.rpartition("/")[0]]
    raw = (REPO / path).read_bytes()
    errors = list(validator(kind).iter_errors(as_json(load_bytes(raw).data)))
    assert errors == [], [e.message for e in errors]
    # The editor hint at the top of each example points at that schema.
    hint = re.search(rb"yaml-language-server: \$schema=(\S+)", raw)
    assert hint is not None
    assert ((REPO / path).parent / hint[1].decode()).resolve() == REPO / "schemas" / f"{kind}.schema.json"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('kommune: "5035"', "kommune: 5035"),
        ("status: ordered ", "status: live    "),
        ("name: Stjørdal\n", "name: Stjørdal\ntelefon: x\n"),
        ("her_id: 8170001", "her_id: 0"),
        ('epikrise: "1.2"', "epikrise: 1.2"),
    ],
    ids=["unquoted-kommunenummer", "unknown-status", "unknown-key", "her-id-zero", "unquoted-version"],
)
def test_schema_rejects_what_the_model_rejects(old: str, new: str) -> None:
    text = (REPO / "partners/kommuner/5035-stjordal.yaml").read_text("utf-8")
    assert old in text
    data = as_json(load_bytes(text.replace(old, new).encode()).data)
    assert list(validator("kommune").iter_errors(data)) != []
