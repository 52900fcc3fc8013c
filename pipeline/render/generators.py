"""Render: declarations -> the complete ``generated/`` tree. ``GENERATORS`` is the table of every
generator; ``render`` runs them all and adds ``MANIFEST.json``.

============ ============================== =====================================================
generator    module                         writes (under generated/)
============ ============================== =====================================================
agreements   pipeline.render.agreements     <hf-key>/cpa/*.xml (step K4's CPAs), <hf-key>/partner-index.xml
calendar     pipeline.render.calendars      calendar.ics, calendars/<stem>.ics
fixtures     pipeline.render.fixtures       fixtures/<stem>/... (K5/H2 and K6/H4 test messages)
status       pipeline.render.status_page    STATUS.md, status.html
============ ============================== =====================================================

Contract for a generator: ``fn(declarations, context) -> iterable of (path, bytes)`` where path
is relative to ``generated/`` (posix, no ``..``), content is final bytes that depend only on the
declarations and the tool version (never on "today", the clock, the locale, TZ or file order),
and every XML document has been validated against its schema before it is yielded when
``context.schemas`` is set. Each file says it is generated and how to regenerate it (``generated_by()``).

Scale: most files belong to one kommune. A generator says so with ``per_kommune``: its files for
a set are the union of ``per_kommune`` for each kommune alone (with every HF). The files that
need the whole set (a per-HF index, the combined calendar, the status pages) are put together by
``join`` from each kommune's ``part`` (a JSON value), so that a build after one edit renders that
kommune and joins the parts the others keep in the cache. ``render`` runs the per-kommune work
kommune by kommune, on every core when much is to be rendered (``pipeline.render.parallel``), and
streams the files out one kommune at a time instead of holding the whole tree. ``fn`` itself
stays the reference: the tests hold the per-kommune files plus the joined parts to it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pipeline import collector, i18n, layout
from pipeline.ar import paths as ar_paths
from pipeline.ar.snapshot import Problem, Reading, Snapshot
from pipeline.i18n import _
from pipeline.model.declarations import DeclarationSet, HfDecl, KommuneDecl
from pipeline.render import agreements, calendars, fixtures, parallel, status_page
from pipeline.render.context import RenderContext
from pipeline.render.manifest import manifest_of
from pipeline.render.packed import packed, unpacked

Render = Callable[[DeclarationSet, RenderContext], Iterable[tuple[str, bytes]]]
# What the files that need the whole set take of one kommune (given the set ``one_kommune``
# makes), as a JSON value: it is remembered with the kommune's files.
Part = Callable[[DeclarationSet, RenderContext], Any]
# Those files from the HFs and every kommune's part (in the kommuner's path order).
Join = Callable[[Sequence[HfDecl], Sequence[Any], RenderContext], Iterable[tuple[str, bytes]]]


@dataclass(frozen=True)
class Generator:
    name: str
    render: Render  # the reference: the whole set at once
    per_kommune: Render | None = None  # its files for one kommune (and every HF)
    part: Part | None = None  # with join: the files that need the whole set, put together
    join: Join | None = None


GENERATORS: tuple[Generator, ...] = (
    Generator(
        "agreements",
        agreements.render,
        per_kommune=agreements.cpas,
        part=agreements.index_part,
        join=agreements.index_join,
    ),
    Generator(
        "calendar", calendars.render, per_kommune=calendars.per_kommune, part=calendars.part, join=calendars.join
    ),
    Generator("fixtures", fixtures.render, per_kommune=fixtures.render),
    Generator("status", status_page.render, part=status_page.part, join=status_page.join),
)


def _her_ids(declarations: DeclarationSet, k: KommuneDecl) -> set[int]:
    return {*(p.her_id for p in k.model.parties), *(h.model.her_id for h in declarations.helseforetak)}


# The AR problems of one Reading by HER-id, made once per Reading (the Reading is held so that
# its identity is not reused).
_PROBLEMS: tuple[Reading, dict[int, tuple[Problem, ...]]] | None = None


def _problems_by_her(ar: Reading) -> dict[int, tuple[Problem, ...]]:
    global _PROBLEMS
    if _PROBLEMS is None or _PROBLEMS[0] is not ar:
        index: dict[int, list[Problem]] = {}
        for p in ar.problems:
            if (e := ar_paths.parse_path(p.path)) is not None:
                index.setdefault(e.her_id, []).append(p)
        _PROBLEMS = (ar, {h: tuple(found) for h, found in index.items()})
    return _PROBLEMS[1]


def one_kommune(declarations: DeclarationSet, k: KommuneDecl) -> DeclarationSet:
    """The set as a per-kommune part sees it: that kommune, every HF, and of the AR snapshot only
    what it holds for their HER-ids (so a part depends on exactly ``part_inputs``).

    Looked up by HER-id, never walked: a forked worker that walked the whole snapshot for each
    task wrote to the reference count of every party, which copied the snapshot's pages into
    the worker (53-56 MB private per worker at 1x)."""
    mine = sorted(_her_ids(declarations, k))
    ar = declarations.ar
    parties = ar.snapshot.parties
    snapshot = Snapshot({h: p for h in mine if (p := parties.get(h)) is not None})
    by_her = _problems_by_her(ar)
    problems = tuple(sorted(p for h in mine for p in by_her.get(h, ())))
    return DeclarationSet(
        kommuner=[k],
        helseforetak=declarations.helseforetak,
        files=[k.path, *(h.path for h in declarations.helseforetak)],
        ar=Reading(snapshot, problems),
    )


def part_inputs(declarations: DeclarationSet, k: KommuneDecl) -> list[str]:
    """Every file a kommune's part is made from: its declaration, the HFs', and the AR snapshot
    files (present or not) of their HER-ids."""
    ar = sorted({e.path for h in _her_ids(declarations, k) for e in ar_paths.entries(h)})
    return [k.path, *sorted(h.path for h in declarations.helseforetak), *ar]


@dataclass(frozen=True)
class Kept:
    """A file of a part remembered from an earlier render of the same inputs: its sha256 only.
    Its bytes are those the earlier render wrote; whoever writes generated/ makes sure they are
    still what is on disk."""

    sha: str


# A part as it is kept until the join: its JSON, compressed. The parent holds one string per
# kommune and generator instead of the part's objects (at 1x, millions of small ones), and a
# worker sends it back as one string; the join decodes each part when it comes to it.
# (generator, path, sha256) of each file, iterated once; the notes; each generator's part.
Remembered = tuple[Iterable[tuple[str, str, str]], list[str], dict[str, str]]


class Unpacked(Sequence[Any]):
    """Packed parts as the join reads them: each decoded when it is reached, none held. Decoded by
    orjson (the same values as ``json.loads`` for this JSON: texts, integers, lists, objects): a
    build after one edit decodes every kommune's parts, and the standard library's decoder was an
    eighth of it at national scale."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = texts

    def __len__(self) -> int:
        return len(self._texts)

    def __getitem__(self, index: int) -> Any:  # type: ignore[override]
        return unpacked(self._texts[index])

    def __iter__(self) -> Iterator[Any]:
        return (unpacked(text) for text in self._texts)


class Parts(Protocol):
    """Remembered per-kommune parts: what ``render`` may take instead of rendering a kommune."""

    def get(self, declarations: DeclarationSet, k: KommuneDecl) -> Remembered | None:
        """(generator, path, sha256) of each file, the notes, and each generator's ``part``, when
        these inputs were rendered before."""

    def put(self, declarations: DeclarationSet, k: KommuneDecl, remembered: Remembered) -> None: ...

    def kept(self, declarations: DeclarationSet, path: str) -> Remembered | None:
        """The same for a kommune the set left unparsed (``DeclarationSet.unparsed``), by its path."""


Produced = list[tuple[str, str, bytes | Kept]]  # (generator, path, content)


def render(
    declarations: DeclarationSet,
    context: RenderContext,
    hashes: dict[str, str] | None = None,
    parts: Parts | None = None,
    *,
    before_manifest: Callable[[], None] | None = None,
) -> Iterator[tuple[str, bytes | Kept]]:
    """Every file of generated/ (paths relative to it), one kommune at a time, then the files put
    together from every kommune's part, MANIFEST.json last. The order of files is not fixed; what
    they hold is. ``hashes`` receives the sha256 of each. With ``parts``, a kommune whose inputs
    were rendered before is not rendered again: its files come as ``Kept`` and its parts from
    there; every kommune rendered is remembered there. ``before_manifest`` is called once every
    other file has been handed on."""
    whole = [(g.name, g.render) for g in GENERATORS if g.per_kommune is None and g.part is None]
    split = [(g.name, g.per_kommune) for g in GENERATORS if g.per_kommune is not None]
    joined = [(g.name, g.part, g.join) for g in GENERATORS if g.part is not None and g.join is not None]
    # A kommune left unparsed comes as its path: its remembered part stands in for it.
    entries: list[KommuneDecl | str] = [*declarations.kommuner, *declarations.unparsed] if split or joined else []
    kommuner = sorted(entries, key=lambda k: k if isinstance(k, str) else k.path)

    def remembered(k: KommuneDecl | str) -> Remembered | None:
        if parts is None:
            return None
        return parts.kept(declarations, k) if isinstance(k, str) else parts.get(declarations, k)

    known = [remembered(k) for k in kommuner]
    known = [row if row is None or all(name in row[2] for name, __, ___ in joined) else None for row in known]
    todo = [i for i, row in enumerate(known) if row is None]
    to_render = [k for i in todo if not isinstance(k := kommuner[i], str)]
    # Only a whole set may be read whole, and a kommune left unparsed must have a part to stand in.
    assert len(to_render) == len(todo) and not (whole and declarations.unparsed)

    def task(index: int) -> tuple[Produced, list[str], dict[str, str]]:
        """Task 0: the generators that need the whole set; task i: the i-th kommune to render."""
        local = dataclasses.replace(context, notes=[])
        # The repository's language, in this process or a worker, whatever the person's is.
        with i18n.use(context.language):
            if index == 0:
                made: Produced = [(n, path, content) for n, fn in whole for path, content in fn(declarations, local)]
                return made, local.notes, {}
            k = to_render[index - 1]
            decls = one_kommune(declarations, k)
            made = [(n, path, content) for n, fn in split for path, content in fn(decls, local)]
            return made, local.notes, {name: packed(fn(decls, local)) for name, fn, __ in joined}

    hashes = {} if hashes is None else hashes

    def out(name: str, path: str, content: bytes | Kept) -> str:
        layout.check_generated(path)
        if path in hashes or path == layout.MANIFEST:
            raise ValueError(_("generator {name} produced {path} twice").format(name=name, path=path))
        sha = content.sha if isinstance(content, Kept) else hashlib.sha256(content).hexdigest()
        hashes[path] = sha
        return sha

    count = 1 + len(todo)
    _problems_by_her(declarations.ar)  # before the workers are forked: they share it
    results = parallel.ordered(task, count, parallel.jobs(count))
    produced, notes, __ = next(results)
    context.notes.extend(notes)
    for name, path, content in produced:
        out(name, path, content)
        yield path, content
    collected: dict[str, list[str]] = {name: [] for name, __, ___ in joined}
    for k, row in zip(kommuner, known, strict=True):
        if row is not None:
            files, notes, taken = row
            context.notes.extend(notes)
            for name, path, sha in files:
                out(name, path, Kept(sha))
                yield path, Kept(sha)
        else:
            produced, notes, taken = next(results)
            context.notes.extend(notes)
            files = []
            for name, path, content in produced:
                files.append((name, path, out(name, path, content)))
                yield path, content
            if parts is not None and not isinstance(k, str):
                parts.put(declarations, k, (files, notes, taken))
        for name in collected:
            collected[name].append(taken[name])
    local = dataclasses.replace(context, notes=[])
    parallel.trim()  # what the kommuner's results took, before the joins build their trees
    for name, _part, join in joined:
        # The repository's language, whatever the person's; joined whole before the first yield,
        # so that the language in force never leaks to the code consuming these files.
        # No cyclic garbage collection while a join runs (not across a yield: the
        # consumer's code is not paused). The decoded parts are millions of small objects
        # without a reference cycle, freed by their reference counts; the collections
        # their allocation triggered, each walking what the build holds, were three
        # quarters of decoding them (3 s of a build after one edit at 1x).
        with i18n.use(context.language), collector.paused():
            done = []
            for made in join(declarations.helseforetak, Unpacked(collected[name]), local):
                done.append(made)
                # A partner index is a national lxml tree: give its heap back before the next one
                # is built, or the parent keeps the sum of the fragments.
                parallel.trim()
        for path, content in done:
            out(name, path, content)
            yield path, content
    context.notes.extend(local.notes)
    content, done = b"", []  # what was handed on is not held while ``before_manifest`` runs
    if before_manifest is not None:
        before_manifest()
    with i18n.use(context.language):
        content = manifest_of(hashes, context.tool_version)
    hashes[layout.MANIFEST] = hashlib.sha256(content).hexdigest()
    yield layout.MANIFEST, content


def render_all(declarations: DeclarationSet, context: RenderContext) -> dict[str, bytes]:
    """Every file of generated/ (paths relative to it), MANIFEST.json included, in memory."""
    return {path: content for path, content in sorted(render(declarations, context)) if isinstance(content, bytes)}
