"""The per-HF partner index ``generated/<hf-key>/partner-index.xml``: the message server's view of
every agreement of one HF (kommune, party, CPA, CPA status, and per message type its version and
state), valid against the project's own ``schemas/partner-index.xsd``.

The schema is read from the copy shipped as package data (``pipeline/data/partner-index.xsd``),
so validation works wherever the package is installed; a test keeps the copy identical to
``schemas/partner-index.xsd``. It is always available, so every index is validated before it is
returned, with or without the official schema directory.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import resources

from lxml import etree

from pipeline.agreements.agreement import Agreement
from pipeline.agreements.states import AgreementState
from pipeline.errors import XmlValidationError
from pipeline.generate import HEADER
from pipeline.model.models import Helseforetak
from pipeline.xsd import safe_parser

NS = "https://oppkobling.example/schemas/partner-index"
SCHEMA_FILE = "partner-index.xsd"
INDEX_FILE = "partner-index.xml"
CPA_DIR = "cpa"
FORMAT_VERSION = "1"


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _sub(parent: etree._Element, tag: str, /, **attrs: str) -> etree._Element:
    """An element with unqualified attributes; ``org_number`` is written ``org-number``."""
    element = etree.SubElement(parent, _q(tag))
    for key, value in attrs.items():
        element.set(key.replace("_", "-"), value)
    return element


def schema_bytes() -> bytes:
    return resources.files("pipeline").joinpath("data", SCHEMA_FILE).read_bytes()


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(schema_bytes(), safe_parser()))


def validate(document: etree._ElementTree, *, what: str) -> None:
    checker = schema()
    if not checker.validate(document):
        entries = [(e.line, e.message) for e in checker.error_log]  # type: ignore[attr-defined]
        errors = "; ".join(f"line {line}: {message}" for line, message in entries[:5])
        raise XmlValidationError(f"{what} is not valid against {SCHEMA_FILE}: {errors}")


def cpa_path(agreement: Agreement) -> str:
    """The CPA's path relative to the index (and to ``generated/<hf-key>/``)."""
    return f"{CPA_DIR}/{agreement.file_name}"


def _agreement(root: etree._Element, a: Agreement) -> None:
    k, party, state = a.kommune, a.party, a.state
    attrs = {
        "cpaid": a.cpaid,
        "cpa": cpa_path(a),
        "cpa_status": a.cpa_status,
        "state": str(state),
        "start": a.start.isoformat(),
        "end": a.end.isoformat(),
    }
    if state is AgreementState.ACTIVE:
        attrs["fallback"] = "none"
    entry = _sub(root, "agreement", **attrs)
    t = k.t
    _sub(
        entry,
        "kommune",
        number=k.kommune,
        name=k.name,
        org_number=k.org_number,
        status=str(k.status),
        activation_date=t.isoformat() if t else "",
    )
    _sub(entry, "party", her_id=str(party.her_id), name=party.name, edi_address=party.edi_address)
    states = a.message_states
    for message in a.messages:
        v = message.version
        element = _sub(
            entry,
            "message",
            type=message.key,
            version=v.version,
            apprec=v.apprec,
            direction="both" if message.kommune_sends else "hf-to-kommune",
            state=str(states[message.key]),
        )
        for p in v.processes:
            _sub(element, "action", name=p.action, service=p.service, process=p.process)


def build(hf: Helseforetak, agreements: Iterable[Agreement]) -> etree._ElementTree:
    """The index of ``hf`` over its agreements, validated against the partner-index schema."""
    # A default namespace: lxml takes None as its prefix, which lxml-stubs does not allow for.
    root = etree.Element(_q("partner-index"), nsmap={None: NS})  # type: ignore[dict-item]
    root.set("version", FORMAT_VERSION)
    _sub(
        root,
        "helseforetak",
        key=hf.key,
        name=hf.name,
        her_id=str(hf.her_id),
        org_number=hf.org_number,
        edi_address=hf.edi_address,
    )
    for a in sorted(agreements, key=lambda a: (a.kommune.kommune, a.party.her_id)):
        if a.hf.key != hf.key:
            raise ValueError(f"agreement of {a.hf.key} in the index of {hf.key}")
        _agreement(root, a)
    root.addprevious(etree.Comment(f" {HEADER} "))
    document = root.getroottree()
    validate(document, what=f"{hf.key}/{INDEX_FILE}")
    return document
