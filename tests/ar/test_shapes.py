"""The models against NHN's OpenAPI extract, read from ../shared: every schema modelled, every
property known, required fields required, types and enum values as the extract gives them."""

from __future__ import annotations

import json
import typing
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ar.conftest import EXTRACT, LEGACY_FILE, shared_ar
from pipeline.ar import shapes


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = json.loads(shared_ar(EXTRACT).read_text(encoding="utf-8"))["components"]["schemas"]
    return schemas


SCHEMAS = _schemas()
OBJECTS = sorted(n for n, s in SCHEMAS.items() if s.get("type") == "object")
ENUMS = sorted(n for n, s in SCHEMAS.items() if "enum" in s)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    return SCHEMAS[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema


def example(schema: dict[str, Any], *, complete: bool = True) -> Any:
    """A valid instance of ``schema``, made from the extract alone."""
    schema = _resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema["type"]
    if kind == "object":
        wanted = schema["properties"] if complete else {p: schema["properties"][p] for p in schema.get("required", [])}
        return {p: example(s, complete=complete) for p, s in wanted.items()}
    if kind == "array":
        return [example(schema["items"], complete=complete)]
    if kind == "integer":
        return 1
    if kind == "boolean":
        return True
    return {"date-time": "2026-01-02T03:04:05Z", "byte": "AQID"}.get(schema.get("format", ""), "0110")


def wrong_type(schema: dict[str, Any]) -> Any:
    kind = _resolve(schema).get("type")
    return {"string": 12345, "integer": "1", "boolean": "true", "array": {}, "object": "x"}[kind]


def model(name: str) -> type[BaseModel]:
    return shapes.V1_SCHEMAS[name]


def refused(name: str, data: Any) -> list[Any]:
    with pytest.raises(ValidationError) as exc:
        model(name).model_validate(data)
    return exc.value.errors()


def test_every_schema_of_the_extract_is_modelled() -> None:
    assert set(OBJECTS) == set(shapes.V1_SCHEMAS)
    assert set(ENUMS) == set(shapes.V1_ENUMS)


@pytest.mark.parametrize("name", ENUMS)
def test_enum_values_are_the_extracts(name: str) -> None:
    assert typing.get_args(shapes.V1_ENUMS[name]) == tuple(SCHEMAS[name]["enum"])


@pytest.mark.parametrize("name", OBJECTS)
def test_properties_are_the_extracts(name: str) -> None:
    aliases = {field.alias for field in model(name).model_fields.values()}
    assert aliases == set(SCHEMAS[name]["properties"])


@pytest.mark.parametrize("name", OBJECTS)
def test_complete_and_minimal_instances_are_accepted(name: str) -> None:
    model(name).model_validate(example(SCHEMAS[name]))
    model(name).model_validate(example(SCHEMAS[name], complete=False))


@pytest.mark.parametrize("name", OBJECTS)
def test_required_fields_are_required(name: str) -> None:
    for prop in SCHEMAS[name].get("required", []):
        data = example(SCHEMAS[name])
        del data[prop]
        assert [(e["loc"], e["type"]) for e in refused(name, data)] == [((prop,), "missing")]


@pytest.mark.parametrize("name", OBJECTS)
def test_unknown_keys_are_refused_as_the_extract_says(name: str) -> None:
    assert SCHEMAS[name]["additionalProperties"] is False
    errors = refused(name, {**example(SCHEMAS[name]), "notInTheApi": 1})
    assert [(e["loc"], e["type"]) for e in errors] == [(("notInTheApi",), "extra_forbidden")]


@pytest.mark.parametrize("name", OBJECTS)
def test_types_and_nullability_are_the_extracts(name: str) -> None:
    for prop, schema in SCHEMAS[name]["properties"].items():
        data = example(SCHEMAS[name])
        data[prop] = wrong_type(schema)
        assert [e["loc"][0] for e in refused(name, data)] == [prop], f"{name}.{prop} took {data[prop]!r}"
        data[prop] = None
        # OpenAPI 3.0 cannot mark a $ref nullable: a reference to an object takes null as "absent"
        # (shapes.py); a reference to an enum does not.
        if schema.get("nullable") or ("$ref" in schema and _resolve(schema)["type"] == "object"):
            model(name).model_validate(data)
        else:
            assert [e["loc"][0] for e in refused(name, data)] == [prop], f"{name}.{prop} took null"


@pytest.mark.parametrize("name", OBJECTS)
def test_int32_and_int64_ranges(name: str) -> None:
    limits = {"int32": 2**31, "int64": 2**63}
    for prop, schema in SCHEMAS[name]["properties"].items():
        items = schema.get("items", {})
        for where, fmt in ((prop, schema.get("format")), ((prop, 0), items.get("format"))):
            if fmt not in limits:
                continue
            data = example(SCHEMAS[name])
            if isinstance(where, tuple):
                data[prop] = [limits[fmt]]
            else:
                data[prop] = limits[fmt]
            assert refused(name, data), f"{name}.{prop} took {limits[fmt]}"
            data[prop] = [limits[fmt] - 1] if isinstance(where, tuple) else limits[fmt] - 1
            model(name).model_validate(data)


def test_postal_code_pattern_and_base64() -> None:
    assert refused("PostalAddress", {"postalCode": "110", "city": "OSLO"})
    for bad in ("not base64!", "MIIB==", "AQI=\n", "AQJ="):
        assert refused("Certificate", {"thumbprint": None, "certificateValue": bad})
    shapes.Certificate.model_validate({"thumbprint": None, "certificateValue": "AQI="})


def test_date_times_with_and_without_offset() -> None:
    base = {"thumbprint": "AB"}
    naive = shapes.CertificateMetadata.model_validate({**base, "validFrom": "2023-04-04T09:59:57.8712345"})
    assert naive.valid_from is not None and naive.valid_from.utcoffset() is not None
    assert naive.valid_from.isoformat() == "2023-04-04T09:59:57.871234+02:00"  # Oslo summer time
    utc = shapes.CertificateMetadata.model_validate({**base, "validFrom": "2023-04-04T07:59:57Z"})
    assert utc.valid_from is not None and utc.valid_from.isoformat() == "2023-04-04T07:59:57+00:00"
    for bad in ("2023-04-04", "2023-13-01T00:00:00", "yesterday", 1680595197):
        with pytest.raises(ValidationError):
            shapes.CertificateMetadata.model_validate({**base, "validFrom": bad})


def test_nhns_legacy_test_file_fits_the_legacy_models() -> None:
    data = json.loads(shared_ar(LEGACY_FILE).read_text(encoding="utf-8"))
    envelope = shapes.LegacyEnvelope.model_validate(data)
    party = envelope.communication_party
    assert (envelope.her_id, party.her_id, party.parent_her_id) == (8141705, 8141705, 8141703)
    assert party.parent_organization_number == 999988891  # an integer in the legacy model
    assert [a.code for a in party.electronic_addresses or []] == [
        "E_DS",
        "E_SB_ERROR",
        "E_SB_SYNC",
        "E_SB_ASYNC",
        "E_SB_SYNCREPLY",
    ]
    # Keys the legacy schema does not name are allowed there, and kept.
    assert party.model_extra == {"Active": True, "ServerTime": "2024-06-13T11:43:37.681664+02:00"}
    # The bare CommunicationParty_Legacy (the specification's /legacy answer) reads the same.
    assert shapes.CommunicationPartyLegacy.model_validate(data["communicationParty"]) == party
