"""A set of loaded declarations: the pure core's input.

``parse`` turns ``{relative path: bytes}`` (read by ``pipeline.io.partners`` from a work tree or a
git revision) into typed declarations, each remembering its file and the position of every value.
A file that cannot be loaded or does not match the schema gives a ``LoadProblem`` and no model;
rules S1 and S5 report those.

What lives where under ``partners/`` is decided here, once, for the work tree and a revision alike:

=============================== =========================================== ==================
path                            read by                                     refused by
=============================== =========================================== ==================
``partners/kommuner/*``         the kommune model                           S1, S2, S5
``partners/helseforetak/*``     the HF model                                S1, S2, S5
``partners/ar/<AR file>``       ``pipeline.ar.snapshot`` (NHN's AR answers) R-K3 (its problems)
anything else                   nothing (refused, and listed in ``files``)  S1, S2
=============================== =========================================== ==================
"""

from __future__ import annotations

import copy
import enum
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from pipeline import layout
from pipeline.ar import paths as ar_paths
from pipeline.ar import snapshot as ar_snapshot
from pipeline.findings import Location
from pipeline.i18n import _, library_texts
from pipeline.model import mistakes, names
from pipeline.model.loader import Document, LoadError, YamlPath, load_bytes
from pipeline.model.models import SHAPE_TAGS, Helseforetak, Kommune

M = TypeVar("M", bound=BaseModel)


class Problem(enum.Enum):
    """Which rule reports a file that could not be read or loaded."""

    STRUCTURE = "structure"  # S1: not a regular file we can read, not YAML of the schema
    NAME = "name"  # S2: a name or place nothing under partners/ may have
    IDENTITY = "identity"  # S5: an identity out of its range
    SCOPE = "scope"  # S6: a date beyond what the routine (and the pipeline) can compute


@dataclass(frozen=True)
class LoadProblem:
    """Why a file under partners/ is not an input, or not a declaration; which rule says so."""

    location: Location
    message: str
    kind: Problem = Problem.STRUCTURE


@dataclass(frozen=True)
class Declaration(Generic[M]):
    path: str
    document: Document
    model: M

    def at(self, *path: str | int, key: bool = False) -> Location:
        line, column = self.document.position(as_written(self.document, path), key=key)
        return Location(self.path, line, column)


def as_written(doc: Document, path: YamlPath) -> YamlPath:
    """``path`` as the file spells it: HER-ids are mapping keys the model keeps as text, while
    the file may have them unquoted (an int key). Each digit-only step is taken as an int where
    the document has that int key, so positions below an unquoted HER-id are found too."""
    doc.ensure_positions()
    written: list[str | int] = []
    for part in path:
        if isinstance(part, str) and part.isdigit():
            probe = (*written, int(part))
            if probe in doc.positions or probe in doc.key_positions:
                written.append(int(part))
                continue
        written.append(part)
    return tuple(written)


KommuneDecl = Declaration[Kommune]
HfDecl = Declaration[Helseforetak]


@dataclass
class DeclarationSet:
    kommuner: list[KommuneDecl] = field(default_factory=list)
    helseforetak: list[HfDecl] = field(default_factory=list)
    # Files that could not be read or turned into models, and why.
    problems: list[LoadProblem] = field(default_factory=list)
    # Every file that was offered, loadable or not (for S2 and "only these files" filtering).
    files: list[str] = field(default_factory=list)
    # NHN's address register as partners/ar/ mirrors it, and the files it refused (R-K3).
    ar: ar_snapshot.Reading = field(default_factory=ar_snapshot.Reading.empty)
    # The sha256 of every file offered, as parsed: what a remembered render part is keyed on.
    digests: dict[str, str] = field(default_factory=dict)
    # Kommune declarations left unparsed (``parse_except``) because a remembered render part of
    # exactly their inputs stands in for them: only a render that takes those parts may use the set.
    unparsed: list[str] = field(default_factory=list)

    def hf(self, key: str) -> HfDecl | None:
        return next((h for h in self.helseforetak if h.model.key == key), None)

    def kommune(self, number_or_name: str) -> KommuneDecl | None:
        """The kommune named by its number, its name, its slug or its file's stem (case and
        diacritics do not matter: ``pipeline.model.names``)."""
        for k in self.kommuner:
            if names.matches(number_or_name, k.model.kommune, k.model.name, layout.stem(k.path)):
                return k
        return None

    def by_number(self) -> dict[str, KommuneDecl]:
        return {k.model.kommune: k for k in self.kommuner}

    def forget_positions(self) -> None:
        """Once the findings are made, the position tables of every declaration are freed (read
        again from the text if a position is ever asked for) and the AR files' bytes let go (no rule
        runs after this): what is rendered reads the models."""
        for k in self.kommuner:
            k.document.forget_positions()
        for h in self.helseforetak:
            h.document.forget_positions()
        self.ar.forget_positions()


def _problem(path: str, line: int, column: int, message: str) -> LoadProblem:
    return LoadProblem(Location(path, line, column), message)


def _loc(error: Mapping[str, Any]) -> tuple[str | int, ...]:
    """The error's path in the document: validation-only tags left out."""
    return tuple(p for p in error["loc"] if p not in SHAPE_TAGS)


def _describe(error: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in _loc(error))
    kind = error["type"]
    if kind == "missing":
        return _("required field {loc!r} is missing").format(loc=loc)
    if kind == "extra_forbidden":
        return _("unknown key {loc!r}").format(loc=loc)
    got = error.get("input")
    shown = repr(got) if isinstance(got, str | int | float | bool) or got is None else ""
    if isinstance(got, str) and len(shown) > 60:
        shown = shown[:57] + "...'"
    problem = library_texts.pydantic_message(error)
    if loc and shown:
        return _("'{loc}': {problem} (got {shown})").format(loc=loc, problem=problem, shown=shown)
    if loc:
        return _("'{loc}': {problem}").format(loc=loc, problem=problem)
    if shown:
        return _("{problem} (got {shown})").format(problem=problem, shown=shown)
    return problem


# Range and digit-count checks on identities are S5 in RULES.md ("9 digits, MOD11"; "HER-ids are
# positive 32-bit integers"), even though the schema states them; a wrong type stays S1.
_S5_CONSTRAINTS = {
    ("her_id", "greater_than_equal"),
    ("her_id", "less_than_equal"),
    ("org_number", "string_pattern_mismatch"),
}
_SCOPE_ERROR = "date_out_of_scope"  # pipeline.model.models: a date the pipeline cannot compute with


def _kind(loc: YamlPath, error_type: str) -> Problem:
    if error_type == _SCOPE_ERROR:
        return Problem.SCOPE
    if bool(loc) and (loc[-1], error_type) in _S5_CONSTRAINTS:
        return Problem.IDENTITY
    return Problem.STRUCTURE


def _validation_problems(
    path: str, doc: Document, exc: ValidationError
) -> tuple[list[LoadProblem], list[tuple[YamlPath, Any]]]:
    """The problems, and for the usual YAML slips (``mistakes``) the value meant at each
    path, so the caller can still check the rest of the file."""
    problems = []
    repairs: list[tuple[YamlPath, Any]] = []
    for error in exc.errors(include_url=False):
        loc: YamlPath = as_written(doc, _loc(error))
        if error["type"] == "missing":
            line, col = doc.position(loc[:-1])
        else:
            line, col = doc.position(loc, key=error["type"] == "extra_forbidden")
        message = _describe(error)
        mistake = mistakes.explain(loc, error["type"], error.get("input"), _written(doc, line, col))
        if mistake is not None:
            message = f"{message}: {mistake.fix}"
            if mistake.meant is not None:
                repairs.append((loc, mistake.meant))
        problems.append(LoadProblem(Location(path, line, col), message, _kind(loc, error["type"])))
    return problems, repairs


def _written(doc: Document, line: int, column: int) -> str | None:
    return mistakes.scalar_text(doc.text, line, column)


def _repaired(data: Any, repairs: list[tuple[YamlPath, Any]]) -> Any:
    """A copy of ``data`` with the meant values put in place."""
    copied = copy.deepcopy(data)
    for loc, value in repairs:
        node = copied
        for key in loc[:-1]:
            node = node[key]
        node[loc[-1]] = value
    return copied


def _model(path: str, raw: bytes, model: type[M]) -> tuple[Declaration[M] | None, list[LoadProblem]]:
    try:
        doc = load_bytes(raw)
    except LoadError as exc:
        return None, [_problem(path, exc.line, exc.column, exc.message)]
    if doc.data is None:
        return None, [_problem(path, 1, 1, _("file is empty; a declaration is a YAML mapping"))]
    if not isinstance(doc.data, dict):
        return None, [_problem(path, 1, 1, _("a declaration is a YAML mapping at the top level"))]
    try:
        value = model.model_validate(doc.data)
    except ValidationError as exc:
        problems, repairs = _validation_problems(path, doc, exc)
        if not repairs or len(repairs) < len(problems):
            return None, problems
        # Every problem was a known slip: check the rest of the file as if it were written as
        # meant (the S1 errors stay, so nothing is generated from it).
        try:
            value = model.model_validate(_repaired(doc.data, repairs))
        except (ValidationError, KeyError, IndexError, TypeError):
            return None, problems
        return Declaration(path, doc, value), problems
    return Declaration(path, doc, value), []


class Parsed(dict[tuple[str, str], tuple[Declaration[Any] | None, list[LoadProblem]]]):
    """What one declaration file parsed to, by (path, sha256): ``parse(..., reuse=)`` shares it
    between the parses of one run (validation by parts parses the changed files for their
    identities, then everything when the rest must be evaluated). With ``readings``, each AR
    snapshot read is kept by the sha256 of its files' paths and contents, so that the base
    revision and the work tree, when they hold the same partners/ar/, read and hold it once
    (not by default: validation by parts parses a small set per kommune, which it need not keep)."""

    def __init__(self, *, readings: bool = False) -> None:
        super().__init__()
        self.readings: dict[str, ar_snapshot.Reading] | None = {} if readings else None

    def reading(self, files: Mapping[str, bytes], digests: Mapping[str, str]) -> ar_snapshot.Reading:
        if self.readings is None:
            return ar_snapshot.read(files)
        key = hashlib.sha256("".join(f"{path}\0{digests[path]}\0" for path in sorted(files)).encode()).hexdigest()
        if key not in self.readings:
            self.readings[key] = ar_snapshot.read(files)
        return self.readings[key]


def _reused(
    reuse: Parsed | None, path: str, digest: str, raw: bytes, model: type[M]
) -> tuple[Declaration[M] | None, list[LoadProblem]]:
    if reuse is None:
        return _model(path, raw, model)
    if (path, digest) not in reuse:
        reuse[path, digest] = _model(path, raw, model)
    return reuse[path, digest]


def parse(
    files: Mapping[str, bytes],
    refused: Iterable[LoadProblem] = (),
    *,
    reuse: Parsed | None = None,
    shas: Mapping[str, str] | None = None,
) -> DeclarationSet:
    """Turn ``{repository-relative path: content}`` into a declaration set, in path order
    (so the result never depends on the order files were listed in). ``refused``: what the
    reader of partners/ refused (``pipeline.io.partners``), reported by S1 and S2. ``reuse``:
    declarations already parsed from the same bytes in this run, and where to keep new ones.
    ``shas``: the sha256 of these very bytes where the caller has it already."""
    known = shas or {}
    result = DeclarationSet()
    result.problems.extend(refused)
    result.files.extend(p.location.file for p in result.problems)
    ar_files: dict[str, bytes] = {}
    for path in sorted(files):
        digest = result.digests[path] = known.get(path) or hashlib.sha256(files[path]).hexdigest()
        what = layout.classify(path)
        result.files.append(path)
        if what is layout.Input.AR_SNAPSHOT and ar_paths.parse_path(path) is None:
            what = f"not a place of the AR snapshot; its files are {ar_paths.EXPECTED}"
        if what is layout.Input.KOMMUNE:
            kdecl, problems = _reused(reuse, path, digest, files[path], Kommune)
            if kdecl:
                result.kommuner.append(kdecl)
        elif what is layout.Input.HF:
            hdecl, problems = _reused(reuse, path, digest, files[path], Helseforetak)
            if hdecl:
                result.helseforetak.append(hdecl)
        elif what is layout.Input.AR_SNAPSHOT:
            ar_files[path] = files[path]
            continue
        else:
            # Offered but no input (the reader refuses these first): never ignored silently.
            result.problems.append(LoadProblem(Location(layout.printable(path)), what, Problem.NAME))
            continue
        result.problems.extend(problems)
    result.ar = ar_snapshot.read(ar_files) if reuse is None else reuse.reading(ar_files, result.digests)
    return result


# Whether a kommune file need not be parsed: (its path, the sha256 of every file, the HF
# declarations' paths) -> True when what it would render is remembered for exactly these inputs.
Remembers = Callable[[str, Mapping[str, str], list[str]], bool]


def parse_except(
    files: Mapping[str, bytes],
    refused: Iterable[LoadProblem],
    remembers: Remembers,
    *,
    shas: Mapping[str, str] | None = None,
    more: Callable[[list[str]], Mapping[str, bytes]] | None = None,
) -> DeclarationSet:
    """``parse`` for a render that takes remembered parts: the kommune files ``remembers`` vouches
    for are not parsed (listed in ``unparsed``), and of the AR snapshot only the files of the
    HER-ids the parsed declarations name are read (a party's records depend on its own files
    alone). ``digests`` holds every file's sha256, as ``parse`` gives it. ``shas``: the sha256 of
    every input, where ``files`` holds the bytes of some and ``more`` reads the others' when they
    are wanted (``pipeline.io.partners.Partners.some``)."""
    refused = list(refused)
    digests = dict(shas) if shas is not None else {path: hashlib.sha256(raw).hexdigest() for path, raw in files.items()}

    def some(paths: list[str]) -> dict[str, bytes]:
        found = {p: files[p] for p in paths if p in files}
        missing = [p for p in paths if p not in found]
        if missing and more is not None:
            found.update(more(missing))
        return found

    kinds = {path: layout.classify(path) for path in digests}
    hf_paths = sorted(p for p, what in kinds.items() if what is layout.Input.HF)
    skipped = {p for p, what in kinds.items() if what is layout.Input.KOMMUNE and remembers(p, digests, hf_paths)}
    rest = some(sorted(p for p in digests if p not in skipped and kinds[p] is not layout.Input.AR_SNAPSHOT))
    result = parse(rest, refused, shas=digests)
    if sorted(h.path for h in result.helseforetak) != hf_paths:  # an HF that did not parse: no shortcut
        return parse(some(sorted(digests)), refused, shas=digests)
    her_ids = {
        *(p.her_id for k in result.kommuner for p in k.model.parties),
        *(h.model.her_id for h in result.helseforetak),
    }
    wanted = {e.path for h in her_ids for e in ar_paths.entries(h)}
    result.ar = ar_snapshot.read(some(sorted(p for p in digests if p in wanted)))
    result.files = [*(p.location.file for p in result.problems), *sorted(digests)]
    result.digests = dict(sorted(digests.items()))
    result.unparsed = sorted(skipped)
    return result
