"""Reading the declarations and running every rule on them, or, when partners/ (the AR snapshot
in partners/ar/ included), today, the base revision, the certificate margin and the tool are what
they were, answering from the cache.

Every input is read once: partners/ (``pipeline.io.partners``, which also records exactly what
it read for the cache; the AR snapshot is part of it) and the base revision. The rules judge those bytes, the
cache keys on those bytes, and a render made next renders those bytes: an edit made meanwhile is
never mistaken for what was judged.

Parsing, models and rules (pydantic, the YAML parsers, holidays) are imported inside the
functions that need them, so that a command answered from the cache starts quickly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import i18n, layout
from pipeline.app import inputs
from pipeline.errors import UsageError
from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.io import answers, cache, git, partners

if TYPE_CHECKING:
    from pipeline.model.declarations import DeclarationSet, KommuneDecl, Parsed, Remembers


@dataclass
class Loaded:
    root: Path
    declarations: DeclarationSet
    findings: list[Finding]
    base: DeclarationSet | None = None
    # What was read from partners/, as the cache records it: the render of these declarations is
    # remembered under exactly this.
    tree: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Base:
    """The base revision a change is judged against: its commit, partners/ there, and the day it
    was committed (Europe/Oslo), which dates what a change adds (``pipeline.routine.lifecycle``)."""

    ref: str
    commit: str
    tree: str
    day: dt.date


def base(root: Path, ref: str | None) -> Base | None:
    if ref is None:
        return None
    from pipeline.routine.calendar import OSLO

    if not ref.strip() or ref.startswith("-"):
        raise UsageError(_("{ref!r} is not a git revision").format(ref=ref))
    try:
        commit = git.commit(root, ref)
        when = git.committed_at(root, commit)
    except git.GitError as exc:
        raise UsageError(_("cannot read revision '{ref}': {message}").format(ref=ref, message=exc.message)) from None
    tree = git.tree_id(root, commit, layout.PARTNERS) or "-"  # no partners/ there: read as empty
    return Base(ref, commit, tree, when.astimezone(OSLO).date())


def load(
    root: Path,
    *,
    today: dt.date,
    base_ref: str | None = None,
    at: Base | None = None,
) -> Loaded:
    """Read partners/, parse it, and run every rule (with L1-L3 when a base is given)."""
    from pipeline.model.declarations import Parsed, parse
    from pipeline.rules import Context, evaluate

    read = partners.read_tree(root)
    # A file the base holds unchanged is the same declaration, and the same AR snapshot files
    # the same snapshot: parsed once, held once.
    reuse = Parsed(readings=True)
    decls = parse(read.files, read.problems(), reuse=reuse)
    against = at or base(root, base_ref)
    before = _revision(root, against, reuse)
    context = Context(
        decls,
        today,
        before,
        certificate_margin=inputs.certificate_margin(),
        base_date=against.day if against else None,
    )
    assert read.tree is not None
    return Loaded(root, decls, evaluate(context), before, read.tree)


def _revision(root: Path, at: Base | None, reuse: Parsed | None = None) -> DeclarationSet | None:
    from pipeline.model.declarations import DeclarationSet, parse

    if at is None:
        return None
    if at.tree == "-":
        return DeclarationSet()
    # What the base refuses is not this change's to answer for; what it holds is compared.
    return parse(partners.read_revision(root, at.commit).files, reuse=reuse)


RECORD = "declarations-read"  # how partners/'s declaration directories looked when last read


def _remember_declarations(store: cache.Cache, tree: dict[str, list[Any]], before: object) -> None:
    record = partners.declarations_record(tree)
    if record != before:
        store.put(RECORD, cache.named(RECORD, []), record)


def _findings_of(
    read: partners.Partners,
    store: cache.Cache,
    *,
    today: dt.date,
    only: Collection[str] | None,
    more: Callable[[list[str]], Mapping[str, bytes]],
) -> tuple[list[Finding], DeclarationSet | None]:
    """Validation by parts of what ``read`` holds: its bytes, the sha256 of every input (hashed as
    read, or vouched for by a recorded stat), and ``more`` for the bytes it does not hold yet."""
    from pipeline.app import incremental

    return incremental.findings(
        read.files,
        read.problems(),
        store,
        today=today,
        certificate_margin=inputs.certificate_margin(),
        only=only,
        shas=read.shas,
        more=more,
    )


def _by_parts(
    root: Path,
    store: cache.Cache,
    *,
    today: dt.date,
    only: Collection[str] | None,
    kept: list[partners.Partners] | None = None,
    scanned: partners.Partners | None = None,
) -> tuple[list[Finding], Loaded | None, dict[str, list[Any]]]:
    """``load``'s findings (without a base) from the parts that changed (``pipeline.app.incremental``),
    the declarations when it parsed them all, and what was read (``kept`` receives the bytes when
    it did not parse them all). ``scanned``: partners/ as just judged against an earlier record
    (``partners.rescan``): the files its stat vouches for are read only when a part needs them."""

    read = scanned if scanned is not None else partners.read_tree(root)
    assert read.tree is not None
    try:
        found, decls = _findings_of(read, store, today=today, only=only, more=read.some)
    except partners.ChangedWhileRead:
        if scanned is None:
            raise
        return _by_parts(root, store, today=today, only=only, kept=kept)
    _remember_declarations(store, read.tree, store.get(RECORD, cache.named(RECORD, [])))
    if kept is not None and decls is None:
        kept.append(read)
    return found, None if decls is None else Loaded(root, decls, found, None, read.tree), read.tree


def _with_parents(root: Path, rels: Collection[str]) -> list[Path]:
    """These files and every directory above them up to partners/: a replayed answer looks at
    each, so a directory swapped for a link is a change."""
    found = {root / layout.PARTNERS}
    for rel in rels:
        path = root / rel
        found.add(path)
        found.update(p for p in path.parents if p.is_relative_to(root / layout.PARTNERS))
    return sorted(found)


def _about(root: Path, store: cache.Cache, *, today: dt.date, only: Collection[str]) -> list[Finding]:
    """The findings about the named kommune files (``validate FILE``), reading only what they
    depend on: the declaration directories (files whose recorded stat vouches for their content
    are not read again: their identities are in the cache's index), the named files, the HF
    declarations and the AR files of their HER-ids. What it reads is what the answer depends
    on (``pipeline.io.answers``)."""

    before = store.get(RECORD, cache.named(RECORD, []))
    answers.reads(root / layout.KOMMUNER_DIR, root / layout.HF_DIR, files=_with_parents(root, []))
    read = partners.read_declarations(root, before if isinstance(before, dict) else None, only)
    if read is None:
        answers.reads(root / layout.PARTNERS)
        return _by_parts(root, store, today=today, only=only)[0]
    assert read.tree is not None

    def more(paths: list[str]) -> dict[str, bytes]:
        answers.reads(files=_with_parents(root, paths))
        return partners.read_files(root, paths).files

    found, __ = _findings_of(read, store, today=today, only=only, more=more)
    _remember_declarations(store, read.tree, before)
    return found


def findings(
    root: Path,
    *,
    today: dt.date,
    base_ref: str | None = None,
    only: Collection[str] | None = None,
    judged: dict[str, list[Any]] | None = None,
    read: list[partners.Partners] | None = None,
) -> tuple[list[Finding], Loaded | None]:
    """Every finding about partners/ (what ``load`` gives), answered from the cache when partners/,
    today, the base revision, the certificate margin and the tool are what they were; with the loaded
    declarations when it had to load them (None from the cache), so that a command that renders
    next need not parse twice. Without a base, what changed is validated by parts (each kommune's
    file, the rest, the identities across files); ``only`` (kommune files): at least the findings
    about those are complete (for ``validate FILE``). ``judged`` receives what was read of
    partners/ for the findings (``pipeline.io.partners``' record), when it is known; ``read``, the
    bytes the findings were made from when they were read but not all parsed (for ``parsed``)."""
    at = base(root, base_ref)
    store = cache.Cache.open(root)
    if store is None:
        if only is not None and at is None:
            answers.reads(root / layout.PARTNERS)
        found, loaded = _loaded(root, today, at)
        if judged is not None and loaded is not None:
            judged.update(loaded.tree)
        return found, loaded
    if only is not None and at is None:  # a part of the answer: nothing to look up or keep whole
        return _about(root, store, today=today, only=only), None
    against = "-" if at is None else f"{at.commit}:{at.tree}"
    # The findings' messages are in the person's language: an answer cached in one is never
    # shown in the other.
    params = [today.isoformat(), against, str(inputs.certificate_margin()), i18n.current()]
    name = cache.named("findings", params)
    entry = store.get("findings", name)
    scanned: partners.Partners | None = None
    if isinstance(entry, dict) and isinstance(entry.get("tree"), dict):
        try:
            scanned = partners.rescan(root, entry["tree"])
            assert scanned.tree is not None
            if cache.same_content(scanned.tree, entry["tree"]):
                if scanned.files:  # read again (a new stat, e.g. a checkout): vouched for next time
                    store.put("findings", name, {**entry, "tree": scanned.tree})
                if judged is not None:
                    judged.update(scanned.tree)  # the same content, as it looks now
                return [Finding.from_dict(row) for row in entry["findings"]], None
        except (OSError, KeyError, TypeError, ValueError, IndexError):
            scanned = None
    tree: dict[str, list[Any]]
    if at is None:
        # One look at partners/: what changed since the findings' record was read by the scan
        # that found the change, the rest only when a part needs it.
        found, loaded, tree = _by_parts(root, store, today=today, only=None, kept=read, scanned=scanned)
    else:
        found, loaded = _loaded(root, today, at)
        assert loaded is not None
        tree = loaded.tree
    # Keyed on what was read, so never on content that was not judged.
    store.put("findings", name, {"tree": tree, "findings": [f.as_dict() for f in found]})
    if judged is not None:
        judged.update(tree)
    return found, loaded


def _contents(tree: dict[str, list[Any]]) -> dict[str, object]:
    """Each entry of a partners/ record by what it is and holds (its sha256), not by its stat."""
    return {rel: (row[0], row[5]) for rel, row in tree.items()}


def parsed(
    root: Path,
    found: list[Finding],
    judged: dict[str, list[Any]],
    *,
    today: dt.date,
    remembers: Remembers | None = None,
    read: partners.Partners | None = None,
) -> Loaded:
    """The declarations, read afresh, to go with ``found`` (the findings about what ``judged``
    records, e.g. answered from the cache): only parsed when partners/ still holds exactly that,
    loaded and judged again (``load``) when it changed in between. ``remembers``: for a render
    that takes remembered parts, the kommune files it vouches for are left unparsed
    (``declarations.parse_except``). ``read``: the bytes ``found`` was made from (``findings``),
    parsed instead of reading partners/ again."""
    from pipeline.model.declarations import parse, parse_except

    read = read or partners.read_tree(root)
    assert read.tree is not None
    if judged and _contents(read.tree) == _contents(judged):
        try:
            if remembers is not None:
                decls = parse_except(read.files, read.problems(), remembers, shas=read.shas, more=read.some)
            else:
                decls = parse(read.whole(), read.problems())
        except partners.ChangedWhileRead:
            return load(root, today=today)
        return Loaded(root, decls, found, None, read.tree)
    return load(root, today=today)


def _loaded(root: Path, today: dt.date, at: Base | None) -> tuple[list[Finding], Loaded | None]:
    loaded = load(root, today=today, at=at)
    return loaded.findings, loaded


def kommune(declarations: DeclarationSet, wanted: str) -> KommuneDecl:
    """The declaration named by number, name or file stem; a usage error (exit 2) otherwise."""
    found = declarations.kommune(wanted.strip())
    if found is None:
        known = ", ".join(f"{k.model.kommune} {k.model.name}" for k in declarations.kommuner)
        raise UsageError(
            _("no kommune declaration matches {wanted!r} (declared: {value})").format(
                wanted=wanted, value=known or _("none")
            )
        )
    return found
