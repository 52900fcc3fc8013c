"""Reading the AR snapshot: ``{repository-relative path: bytes}`` under ``partners/ar/`` -> a typed
snapshot, and the files it refused as problems (path, line, column, message).

Every file offered is read or refused, never skipped: a file in an unknown place, one that is not
strict JSON, one that does not match its shape, a HER-id in the body that is not the one in the
file name, a party in both shapes, a certificate whose party has no file, a ``certificateValue``
that is not a certificate. Problems are plain values; the rules (R-K3) make findings, both of
them and of what the snapshot says.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from pipeline.ar import jsontext, paths, shapes
from pipeline.ar.certificates import CertificateError, ParsedCertificate, parse_certificate
from pipeline.ar.jsontext import JsonError, JsonPath, JsonText
from pipeline.ar.paths import Entry, Kind
from pipeline.i18n import N_, _, library_texts

M = TypeVar("M", bound=BaseModel)

EDI = "E_EDI"  # kodeverk 9044: ebXML over SMTP


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class Shape(enum.StrEnum):
    V1 = "v1"
    LEGACY = "legacy"


@dataclass(frozen=True)
class Parent:
    her_id: int | None
    name: str | None
    organization_number: str | None


@dataclass(frozen=True)
class CertificateFile:
    """One of ``certificate/<herId>/signing.json`` and ``encryption.json``."""

    path: str
    kind: Kind
    # The thumbprint AR states beside the DER (``Certificate.thumbprint``). The body itself is not
    # kept: its base64 text was a third copy of each certificate, with the file's bytes and the DER.
    thumbprint: str | None
    certificate: ParsedCertificate | None  # None: AR states no certificate (certificateValue null)
    document: JsonText = field(repr=False, compare=False)

    def at(self, *json_path: str | int) -> tuple[int, int]:
        return self.document.locate(json_path)


@dataclass(frozen=True)
class Party:
    her_id: int
    path: str
    shape: Shape
    type: str | None
    name: str | None
    display_name: str | None
    parent: Parent | None
    # The organisation the party belongs to: its parent's, or its own when it is one.
    organization_number: str | None
    edi_address: str | None
    valid_from: dt.datetime | None  # timezone-aware
    valid_to: dt.datetime | None
    # Thumbprints the party states for its current certificates (v1 only; legacy has an LDAP pointer).
    signing_thumbprint: str | None
    encryption_thumbprint: str | None
    # Positions only: the answer's model is read into the fields above and not kept (at 4x, a
    # pydantic tree per party was 30 MB held through the whole render).
    document: JsonText = field(repr=False, compare=False)
    signing: CertificateFile | None = None
    encryption: CertificateFile | None = None
    enveloped: bool = False  # a legacy party inside the envelope (``communicationParty``)

    def at(self, *json_path: str | int) -> tuple[int, int]:
        """Line and column of a field of the party file, as the file's own shape spells it."""
        prefix: JsonPath = ("communicationParty",) if self.enveloped else ()
        return self.document.locate((*prefix, *json_path) if self.shape is Shape.LEGACY else json_path)

    def certificate(self, kind: Kind) -> CertificateFile | None:
        return self.signing if kind is Kind.SIGNING else self.encryption


@dataclass(frozen=True)
class Snapshot:
    parties: Mapping[int, Party]

    def party(self, her_id: int) -> Party | None:
        return self.parties.get(her_id)

    def __iter__(self) -> Iterator[Party]:
        return iter(self.parties[h] for h in sorted(self.parties))

    def __len__(self) -> int:
        return len(self.parties)


@dataclass(frozen=True)
class Reading:
    snapshot: Snapshot
    problems: tuple[Problem, ...]

    @classmethod
    def empty(cls) -> Reading:
        return cls(Snapshot({}), ())

    def forget_positions(self) -> None:
        """Once the findings are made: the files' bytes and positions are let go."""
        for party in self.snapshot.parties.values():
            for held in (party, party.signing, party.encryption):
                if held is not None:
                    held.document.forget_positions()

    def refused(self, her_id: int) -> tuple[Problem, ...]:
        """The problems of the files of one HER-id (a party whose file is refused is not in ``snapshot``)."""
        mine = {e.path for e in paths.entries(her_id)}
        return tuple(p for p in self.problems if p.path in mine)


class _Refused(Exception):
    def __init__(self, *problems: Problem) -> None:
        super().__init__(problems)
        self.problems = problems


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else _("{start}... ({n} characters)").format(start=text[:50], n=len(text))


def _validation_problems(path: str, doc: JsonText, exc: ValidationError, shape_name: str) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc: JsonPath = tuple(error["loc"])
        dotted = ".".join(str(p) for p in loc)
        kind = error["type"]
        if kind == "missing":
            line, column = doc.locate(loc[:-1])
            message = _("required field {loc!r} is missing").format(loc=dotted)
        elif kind == "extra_forbidden":
            line, column = doc.locate(loc, key=True)
            message = _("unknown key '{dotted}' ({shape_name} has no such field)").format(
                dotted=dotted, shape_name=_(shape_name)
            )
        else:
            line, column = doc.locate(loc)
            got = error.get("input")
            problem = library_texts.pydantic_message(error)
            if isinstance(got, str | int | float | bool) or got is None:
                message = (
                    _("'{loc}': {problem} (got {shown})").format(loc=dotted, problem=problem, shown=_shown(got))
                    if dotted
                    else _("{problem} (got {shown})").format(problem=problem, shown=_shown(got))
                )
            else:
                message = _("'{loc}': {problem}").format(loc=dotted, problem=problem) if dotted else problem
        problems.append(Problem(path, line, column, message))
    return problems


def _load(path: str, raw: bytes) -> JsonText:
    try:
        doc = jsontext.load(raw)
    except JsonError as exc:
        raise _Refused(Problem(path, exc.line, exc.column, exc.message)) from None
    if not isinstance(doc.data, dict):
        raise _Refused(Problem(path, *doc.locate(()), _("expected a JSON object, the body of the API's answer")))
    return doc


def _validate(path: str, doc: JsonText, model: type[M], shape_name: str) -> M:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise _Refused(*_validation_problems(path, doc, exc, shape_name)) from None


def _her_id_matches(entry: Entry, doc: JsonText, stated: int | None, json_path: JsonPath) -> None:
    if stated != entry.her_id:
        where = "is missing" if stated is None else f"is {stated}"
        raise _Refused(
            Problem(entry.path, *doc.locate(json_path), f"herId {where}, but the file is for HER-id {entry.her_id}")
        )


def _v1_party(entry: Entry, doc: JsonText) -> Party:
    model = _validate(entry.path, doc, shapes.CommunicationParty, N_("the API's CommunicationParty"))
    _her_id_matches(entry, doc, model.her_id, ("herId",))
    details = model.service_details or model.person_details
    parent_model = details.parent_organization if details else None
    parent = Parent(parent_model.her_id, parent_model.name, parent_model.organization_number) if parent_model else None
    if model.type == "Organization":
        number = model.organization_details.organization_number if model.organization_details else None
    else:
        number = parent.organization_number if parent else None
    signing, encryption = model.current_signing_certificate, model.current_encryption_certificate
    return Party(
        her_id=model.her_id,
        path=entry.path,
        shape=Shape.V1,
        type=model.type,
        name=model.name,
        display_name=model.display_name,
        parent=parent,
        organization_number=number,
        edi_address=model.edi_address,
        valid_from=model.valid_from,
        valid_to=model.valid_to,
        signing_thumbprint=signing.thumbprint if signing else None,
        encryption_thumbprint=encryption.thumbprint if encryption else None,
        document=doc.forget_data(),
    )


def _legacy_party(entry: Entry, doc: JsonText) -> Party:
    prefix: JsonPath = ()
    if "communicationParty" in doc.data:
        envelope = _validate(entry.path, doc, shapes.LegacyEnvelope, N_("the legacy envelope"))
        _her_id_matches(entry, doc, envelope.her_id, ("herId",))
        model, prefix = envelope.communication_party, ("communicationParty",)
        for outer, inner, name in (
            (envelope.parent_her_id, model.parent_her_id, "ParentHerId"),
            (envelope.type, model.type, "Type"),
        ):
            if outer != inner:
                message = f"{name} is {inner!r} but the envelope says {outer!r}"
                raise _Refused(Problem(entry.path, *doc.locate((*prefix, name)), message))
    else:
        model = _validate(entry.path, doc, shapes.CommunicationPartyLegacy, "CommunicationParty_Legacy")
    _her_id_matches(entry, doc, model.her_id, (*prefix, "HerId"))
    edi = [(i, a) for i, a in enumerate(model.electronic_addresses or ()) if a.code == EDI]
    if len(edi) > 1:
        where = doc.locate((*prefix, "ElectronicAddresses", edi[1][0]))
        raise _Refused(Problem(entry.path, *where, f"more than one {EDI} address; AR gives a party one"))
    parent_number = None if model.parent_organization_number is None else str(model.parent_organization_number)
    parent = (
        Parent(model.parent_her_id, model.parent_name, parent_number)
        if model.parent_her_id is not None or parent_number is not None
        else None
    )
    own_number = None if model.organization_number is None else str(model.organization_number)
    return Party(
        her_id=entry.her_id,
        path=entry.path,
        shape=Shape.LEGACY,
        type=model.type,
        name=model.name,
        display_name=model.display_name,
        parent=parent,
        organization_number=own_number if model.type == "Organization" else parent_number,
        edi_address=edi[0][1].address if edi else None,
        valid_from=model.valid.from_ if model.valid else None,
        valid_to=model.valid.to if model.valid else None,
        signing_thumbprint=None,
        encryption_thumbprint=None,
        document=doc.forget_data(),
        enveloped=bool(prefix),
    )


def _certificate(entry: Entry, doc: JsonText, known: dict[bytes, ParsedCertificate]) -> CertificateFile:
    body = _validate(entry.path, doc, shapes.Certificate, N_("the API's Certificate"))
    der = body.der()
    parsed = None
    if der is not None:
        try:
            # One organisation's certificate often serves many of its parties: parsed once.
            parsed = known.get(der) or known.setdefault(der, parse_certificate(der))
        except CertificateError as exc:
            raise _Refused(Problem(entry.path, *doc.locate(("certificateValue",)), str(exc))) from None
    return CertificateFile(entry.path, entry.kind, body.thumbprint, parsed, doc.forget_data())


def read(files: Mapping[str, bytes]) -> Reading:
    """The snapshot in ``files`` (every file under ``partners/ar/``), in path order."""
    problems: list[Problem] = []
    parties: dict[int, Party] = {}
    certificates: dict[Entry, CertificateFile] = {}
    parsed: dict[bytes, ParsedCertificate] = {}
    offered: set[Entry] = set()
    for path in sorted(files):
        entry = paths.parse_path(path)
        if entry is None:
            problems.append(Problem(path, 1, 1, f"not a place of the AR snapshot; files there are {paths.EXPECTED}"))
            continue
        offered.add(entry)
        try:
            doc = _load(path, files[path])
            if entry.kind is Kind.PARTY:
                parties[entry.her_id] = _v1_party(entry, doc)
            elif entry.kind is Kind.LEGACY:
                if Entry(entry.her_id, Kind.PARTY) in offered:
                    other = Entry(entry.her_id, Kind.PARTY).path
                    raise _Refused(Problem(path, 1, 1, f"HER-id {entry.her_id} is also in {other}; keep one shape"))
                parties[entry.her_id] = _legacy_party(entry, doc)
            else:
                certificates[entry] = _certificate(entry, doc, parsed)
        except _Refused as refused:
            problems.extend(refused.problems)
    with_certificates: dict[int, Party] = {}
    for her_id, party in parties.items():
        signing = certificates.pop(Entry(her_id, Kind.SIGNING), None)
        encryption = certificates.pop(Entry(her_id, Kind.ENCRYPTION), None)
        with_certificates[her_id] = replace(party, signing=signing, encryption=encryption)
    for entry in sorted(certificates):
        if not {Entry(entry.her_id, Kind.PARTY), Entry(entry.her_id, Kind.LEGACY)} & offered:
            message = f"certificate of HER-id {entry.her_id}, which has no party file in the snapshot"
            problems.append(Problem(entry.path, 1, 1, message))
    return Reading(Snapshot(with_certificates), tuple(sorted(problems)))
