"""Property-based tests over generated kommune declarations (hypothesis).

A strategy builds declarations that follow the routine -- every status, one to three parties
with names full of markup and non-ASCII letters, message types and versions the HFs support,
the dates and evidence each status needs -- and, for "near-valid" ones, breaks them in one of
the ways people do (a wrong type, a missing or unknown key, an impossible or misspelt date, a
hidden control character, a weekend T, a HER-id taken by someone else). Each is written as YAML
and read back like a file in ``partners/``.

- validate never crashes: only Finding values, each located in an offered file;
- everything generated from a valid declaration is valid against its schema: CPAs against the
  official OASIS XSD, partner indexes against ``schemas/partner-index.xsd``, test messages
  against their official XSDs, schedules against ``schemas/schedule.schema.json``, and the
  declaration itself against ``schemas/kommune.schema.json``;
- markup in names comes out as text: XML round-trips it exactly, HTML and Markdown escape it;
- rendering is deterministic: twice, and from files offered in another order, byte-identical.
"""

from __future__ import annotations

import datetime as dt
import functools
import html.parser
import io
import json
from typing import Any

import jsonschema
import pytest
from ar import make_example_snapshot as maker
from conftest import REPO, TODAY, xsd_dir
from fixtures.fixtures_support import official_errors
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from pipeline.agreements.agreement import why_none
from pipeline.agreements.states import has_agreement
from pipeline.ar import paths as ar_paths
from pipeline.findings import Finding, Severity
from pipeline.io.partners import read_tree
from pipeline.model.declarations import parse
from pipeline.model.kommuner import register
from pipeline.model.loader import LoadError, load_bytes
from pipeline.render.context import RenderContext
from pipeline.render.generators import render_all
from pipeline.render.xml import safe_parser
from pipeline.render.xsd import SchemaSet
from pipeline.routine import calendar
from pipeline.rules import RULES, Context, evaluate

DAY = dt.date.fromisoformat(TODAY)
HF_FILES = {
    p.relative_to(REPO).as_posix(): p.read_bytes() for p in sorted((REPO / "partners" / "helseforetak").glob("*.yaml"))
}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _supported() -> dict[str, list[str]]:
    """(type -> versions) every shipped HF supports."""
    yaml = YAML(typ="safe", pure=True)
    sets = [yaml.load(content)["supports"] for content in HF_FILES.values()]
    return {t: sorted(set.intersection(*(set(s.get(t, [])) for s in sets))) for t in sets[0]}


SUPPORTED = _supported()
# Kommuner of the catchment that the examples do not use (their numbers and HER-ids are free).
CATCHMENT = sorted(
    (
        e
        for e in register().values()
        if e.hmn_catchment and e.org_number and not list((REPO / "partners" / "kommuner").glob(f"{e.number}-*"))
    ),
    key=lambda e: e.number,
)
HF_KEYS = ("st-olavs", "helse-more-og-romsdal", "helse-nord-trondelag")

# Names people write: Norwegian letters, markup, quotes, ampersands, YAML indicators.
NAME_TEXT = (
    st.lists(
        st.sampled_from([*"abcæøåÆØÅ ÄÖŠČé-&<>\"'#:|*[]{}!%@`/\\().,;?=+", "&amp;", "]]>", "<!--", "{{ x }}"]),
        min_size=1,
        max_size=30,
    )
    .map(lambda parts: " ".join("".join(parts).split()) or "x")
    .filter(lambda s: len(s) <= 200)
)


def _working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days, d = [], start
    while d <= end:
        if calendar.is_working_day(d):
            days.append(d)
        d += dt.timedelta(days=1)
    return days


PAST_T = _working_days(DAY - dt.timedelta(days=400), DAY - dt.timedelta(days=1))
FUTURE_T = _working_days(DAY + dt.timedelta(days=21), DAY + dt.timedelta(days=500))


@st.composite
def declarations(draw: st.DrawFn) -> dict[str, Any]:
    """A kommune declaration that follows the routine for its status (as plain YAML data)."""
    entry = draw(st.sampled_from(CATCHMENT))
    status = draw(st.sampled_from(["planned", "ordered", "testing", "active", "paused", "withdrawn"]))
    paused_from = draw(st.sampled_from(["ordered", "testing"])) if status == "paused" else None
    stage = paused_from or status
    t = draw(st.sampled_from(PAST_T if stage == "active" else FUTURE_T))
    data: dict[str, Any] = {
        "kommune": entry.number,
        "name": entry.short_name,
        "org_number": entry.org_number,
        "contact": "meldingsansvarlig@kommune-x.kommune.no",
        "status": status,
    }
    if paused_from:
        data["paused_from"] = paused_from
    if stage != "withdrawn" or draw(st.booleans()):
        data["activation"] = {"date": t, "agreed_on": t - dt.timedelta(days=draw(st.integers(60, 200)))}
    if stage != "planned":
        data["order"] = {"sent_on": t - dt.timedelta(days=draw(st.integers(30, 59)))}
        if draw(st.booleans()):
            data["order"]["reference"] = draw(NAME_TEXT)
    parties = []
    for i in range(draw(st.integers(1, 3))):
        types = draw(st.lists(st.sampled_from(sorted(SUPPORTED)), min_size=1, max_size=4, unique=True))
        party: dict[str, Any] = {
            "her_id": 8_400_000 + int(entry.number) * 10 + i,
            "name": draw(NAME_TEXT),
            "edi_address": f"party{i}@edi.nhn.no",
            "messages": {m: draw(st.sampled_from(SUPPORTED[m])) for m in types},
        }
        if stage in ("testing", "active") or (stage == "ordered" and draw(st.booleans())):
            party["ar_published_on"] = calendar.ar_deadline(t) - dt.timedelta(days=draw(st.integers(0, 20)))
        parties.append(party)
    data["parties"] = parties
    if stage in ("testing", "active"):
        sent = calendar.dialog_at(t)
        data["tests"] = {
            hf: {
                str(p["her_id"]): {
                    "pretest": {"sent_on": calendar.pretest_day(t), "transport_receipt": "ok", "apprec": "ok"},
                    **(
                        {
                            "dialog": {
                                "sent_at": sent.isoformat(),
                                "answered_at": (sent + dt.timedelta(hours=1)).isoformat(),
                            }
                        }
                        if stage == "active"
                        else {}
                    ),
                }
                for p in parties
            }
            for hf in HF_KEYS
        }
    if stage in ("testing", "active") and draw(st.booleans()):
        opened = calendar.pretest_day(t)
        data["deviations"] = [
            {
                "opened_on": opened,
                "hf": draw(st.sampled_from(HF_KEYS)),
                "description": draw(NAME_TEXT),
                "resolved_on": opened + dt.timedelta(days=1),
            }
        ]
    return data


def _break(data: dict[str, Any], how: str, value: str) -> None:
    """Break a valid declaration the way ``how`` says (``value``: some text to put in)."""
    party = data["parties"][0]
    if how == "wrong type":
        party["her_id"] = str(party["her_id"])
    elif how == "missing key":
        del data["name"]
    elif how == "unknown key":
        party["telefon"] = value
    elif how == "misspelt date":
        data["activation"] = {"date": "01.04.18", "agreed_on": "2026-02-30"}
    elif how == "control character":
        party["name"] = value + "\u202e"
    elif how == "weekend T":
        data["activation"] = {"date": dt.date(2027, 3, 6), "agreed_on": dt.date(2026, 11, 2)}
    elif how == "HER-id taken":
        party["her_id"] = 9990001  # St. Olavs' own HER-id
    elif how == "empty name":
        party["name"] = ""
    elif how == "list for a mapping":
        data["order"] = [value]


BREAKS = (
    "wrong type",
    "missing key",
    "unknown key",
    "misspelt date",
    "control character",
    "weekend T",
    "HER-id taken",
    "empty name",
    "list for a mapping",
)


def _dump(data: dict[str, Any], flow: bool) -> bytes:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.allow_unicode = True
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue().encode("utf-8")


def _ruamel_reads(raw: bytes) -> Any:
    """What ruamel's own safe loader makes of ``raw``, or a marker when it cannot read it: its
    emitter writes a few flow-style plain scalars (``name: :a}``) that its parser rejects."""
    try:
        return YAML(typ="safe", pure=True).load(raw.decode("utf-8"))
    except YAMLError:
        return UNREADABLE


UNREADABLE = object()


def _path(data: dict[str, Any]) -> str:
    return f"partners/kommuner/{data['kommune']}-kommune.yaml"


@functools.cache
def _hf_ar() -> dict[str, bytes]:
    """The shipped AR snapshot files of the three HFs."""
    files = read_tree(REPO).files
    her_ids = {YAML(typ="safe", pure=True).load(content)["her_id"] for content in HF_FILES.values()}
    return {p: b for p, b in files.items() if (e := ar_paths.parse_path(p)) is not None and e.her_id in her_ids}


def _ar(data: dict[str, Any]) -> dict[str, bytes]:
    """AR as it would be for this declaration: the HFs and its parties past planned (one test key)."""
    return {**_hf_ar(), **maker.files_for(maker.specs([], [data], examples=False), shared_key=True)}


def _files(data: dict[str, Any], flow: bool = False, ar: dict[str, bytes] | None = None) -> dict[str, bytes]:
    return {**HF_FILES, **(_ar(data) if ar is None else ar), _path(data): _dump(data, flow)}


def _findings(files: dict[str, bytes]) -> list[Finding]:
    return evaluate(Context(parse(files), DAY, None))


@functools.cache
def _schemas() -> SchemaSet:
    return SchemaSet.open(xsd_dir())


@functools.cache
def _cpa_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(xsd_dir() / "ebxml-cppa" / "cpp-cpa-2_0.xsd"), safe_parser()))


@functools.cache
def _index_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(REPO / "schemas" / "partner-index.xsd"), safe_parser()))


@functools.cache
def _json_schema(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((REPO / "schemas" / name).read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _as_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


class _Cells(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "td" and ("class", "party") in attrs:
            self._in = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._in is not None:
            self.cells.append(self._in)
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._in += data


def _party_cells(page: str) -> set[str]:
    """The text of every party cell of status.html, as a browser shows it."""
    parser = _Cells()
    parser.feed(page)
    parser.close()
    return set(parser.cells)


# -- validate never crashes --------------------------------------------------------------------


@SETTINGS
@given(data=declarations(), how=st.sampled_from((None, *BREAKS)), value=NAME_TEXT, flow=st.booleans())
def test_validate_never_crashes_and_locates_every_finding(
    data: dict[str, Any], how: str | None, value: str, flow: bool
) -> None:
    ar = _ar(data)  # AR as it was before the declaration was broken
    if how is not None:
        _break(data, how, value)
    files = _files(data, flow, ar)
    findings = _findings(files)
    for f in findings:
        assert isinstance(f, Finding)
        assert f.rule in RULES, f
        assert f.file in files and f.line >= 1 and f.column >= 1, f
        assert 0 < len(f.message) <= 300, f
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if how is None and _ruamel_reads(files[_path(data)]) is not UNREADABLE:
        assert not errors, [f"{f.location} {f.rule} {f.message}" for f in errors]
    elif how != "weekend T" or data["status"] != "withdrawn":
        assert errors, f"breaking it by {how!r} went unnoticed"


@SETTINGS
@given(data=declarations(), flow=st.booleans())
def test_what_is_written_is_what_is_read(data: dict[str, Any], flow: bool) -> None:
    """The loader reads what a YAML library writes exactly as that library does (and refuses,
    never crashes, where the library cannot read its own output)."""
    raw = _dump(data, flow)
    expected = _ruamel_reads(raw)
    if expected is UNREADABLE:
        with pytest.raises(LoadError):
            load_bytes(raw)
        return
    assert expected == data
    assert load_bytes(raw).data == data


# -- generated output is schema-valid, escaped and deterministic -------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=declarations())
def test_generated_files_are_valid_escaped_and_deterministic(data: dict[str, Any]) -> None:
    xsd_dir()  # the official XSDs: missing fails in CI, skips elsewhere
    files = _files(data)
    findings = _findings(files)
    assume(not any(f.severity is Severity.ERROR for f in findings))
    event(f"status {data['status']}")

    assert not list(_json_schema("kommune.schema.json").iter_errors(_as_json(data)))
    declarations_ = parse(files)
    out = render_all(declarations_, RenderContext(_schemas()))
    # Deterministic: again, and from the files offered in the other order.
    assert render_all(declarations_, RenderContext(_schemas())) == out
    assert render_all(parse(dict(reversed(list(files.items())))), RenderContext(None)) == out

    names = {p["name"] for p in data["parties"]}
    (kommune,) = [k.model for k in declarations_.kommuner]
    indexed = {p.name for p in kommune.parties if has_agreement(kommune) and why_none(kommune, p) is None}
    seen_in_index = set()
    for path, content in out.items():
        if path.endswith(".xml"):
            assert b"<!DOCTYPE" not in content, path
            root = etree.fromstring(content, safe_parser())
            if "/cpa/" in path:
                schema = _cpa_schema()
                assert schema.validate(root), (path, schema.error_log)
            elif path.endswith("partner-index.xml"):
                schema = _index_schema()
                assert schema.validate(root), (path, schema.error_log)
                seen_in_index |= {e.get("name") for e in root.iter() if etree.QName(e).localname == "party"}
            else:
                assert official_errors(root) == [], path
        elif path.endswith("schedule.json"):
            assert not list(_json_schema("schedule.schema.json").iter_errors(json.loads(content))), path
        elif path == "status.html":
            # Read as a browser would: each name must come back as the text of its cell.
            assert names <= _party_cells(content.decode("utf-8")), path
    assert seen_in_index == indexed, "party names come back exactly from the partner index"


@pytest.mark.parametrize("status", ["planned", "ordered", "testing", "active", "paused", "withdrawn"])
def test_each_status_can_be_generated_valid(status: str) -> None:
    """The strategy really produces valid declarations of every status (else the render test
    above would silently assume most examples away)."""

    @settings(max_examples=5, deadline=None)
    @given(data=declarations().filter(lambda d: d["status"] == status))
    def one(data: dict[str, Any]) -> None:
        errors = [f for f in _findings(_files(data)) if f.severity is Severity.ERROR]
        assert not errors, [f"{f.location} {f.rule} {f.message}" for f in errors]

    one()
