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
``context.schemas`` is set. Each file says it is generated and how to regenerate it (``HEADER``).

Scale: most files belong to one kommune. A generator says so with ``per_kommune``: its files for
a set are the union of ``per_kommune`` for each kommune alone (with every HF) and ``whole`` for
the rest (a per-HF index, a combined calendar). ``render`` then runs the per-kommune part kommune
by kommune, on every core when the set is large (``pipeline.render.parallel``), and streams the
files out one kommune at a time instead of holding the whole tree. ``fn`` itself stays the
reference: the tests hold ``whole`` plus the per-kommune parts to it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from pipeline import i18n, layout
from pipeline.ar import paths as ar_paths
from pipeline.ar.snapshot import Reading, Snapshot
from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.render import agreements, calendars, fixtures, parallel, status_page
from pipeline.render.context import RenderContext
from pipeline.render.manifest import manifest_of

Render = Callable[[DeclarationSet, RenderContext], Iterable[tuple[str, bytes]]]


@dataclass(frozen=True)
class Generator:
    name: str
    render: Render  # the reference: the whole set at once
    per_kommune: Render | None = None  # its files for one kommune (and every HF)
    whole: Render | None = None  # with per_kommune: the files that need the whole set


GENERATORS: tuple[Generator, ...] = (
    Generator("agreements", agreements.render, per_kommune=agreements.cpas, whole=agreements.indexes),
    Generator("calendar", calendars.render, per_kommune=calendars.per_kommune, whole=calendars.combined),
    Generator("fixtures", fixtures.render, per_kommune=fixtures.render),
    Generator("status", status_page.render),
)


def _her_ids(declarations: DeclarationSet, k: KommuneDecl) -> set[int]:
    return {*(p.her_id for p in k.model.parties), *(h.model.her_id for h in declarations.helseforetak)}


def one_kommune(declarations: DeclarationSet, k: KommuneDecl) -> DeclarationSet:
    """The set as a per-kommune part sees it: that kommune, every HF, and of the AR snapshot only
    what it holds for their HER-ids (so a part depends on exactly ``part_inputs``)."""
    mine = _her_ids(declarations, k)
    ar = declarations.ar
    snapshot = Snapshot({h: p for h, p in ar.snapshot.parties.items() if h in mine})
    problems = tuple(p for p in ar.problems if (e := ar_paths.parse_path(p.path)) is not None and e.her_id in mine)
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


class Parts(Protocol):
    """Remembered per-kommune parts: what ``render`` may take instead of rendering a kommune."""

    def get(self, declarations: DeclarationSet, k: KommuneDecl) -> tuple[list[tuple[str, str, str]], list[str]] | None:
        """(generator, path, sha256) of each file and the notes, when these inputs were rendered before."""

    def put(
        self, declarations: DeclarationSet, k: KommuneDecl, files: list[tuple[str, str, str]], notes: list[str]
    ) -> None: ...


Produced = list[tuple[str, str, bytes | Kept]]  # (generator, path, content)


def _tasks(
    declarations: DeclarationSet, context: RenderContext, parts: Parts | None = None
) -> tuple[list[KommuneDecl], Callable[[int], tuple[Produced, list[str]]]]:
    """Task 0: every generator that needs the whole set; task i: the per-kommune parts for the
    i-th kommune (in path order), taken from ``parts`` when remembered. Each returns its files and
    the notes it made."""
    whole: list[tuple[str, Render]] = []
    split: list[tuple[str, Render]] = []
    for g in sorted(GENERATORS, key=lambda g: g.name):
        if g.per_kommune is None:
            whole.append((g.name, g.render))
            continue
        split.append((g.name, g.per_kommune))
        if g.whole is not None:
            whole.append((g.name, g.whole))
    kommuner = sorted(declarations.kommuner, key=lambda k: k.path) if split else []

    def task(index: int) -> tuple[Produced, list[str]]:
        local = dataclasses.replace(context, notes=[])
        if index == 0:
            fns, decls = whole, declarations
        else:
            k = kommuner[index - 1]
            known = parts.get(declarations, k) if parts is not None else None
            if known is not None:
                return [(name, path, Kept(sha)) for name, path, sha in known[0]], known[1]
            fns, decls = split, one_kommune(declarations, k)
        # The repository's language, in this process or a worker, whatever the person's is.
        with i18n.use(context.language):
            produced: Produced = [(name, path, content) for name, fn in fns for path, content in fn(decls, local)]
        return produced, local.notes

    return kommuner, task


def render(
    declarations: DeclarationSet,
    context: RenderContext,
    hashes: dict[str, str] | None = None,
    parts: Parts | None = None,
) -> Iterator[tuple[str, bytes | Kept]]:
    """Every file of generated/ (paths relative to it), one kommune at a time, MANIFEST.json last.
    The order of files is not fixed; what they hold is. ``hashes`` receives the sha256 of each.
    With ``parts``, a kommune whose inputs were rendered before is not rendered again: its files
    come as ``Kept``; every kommune rendered is remembered there."""
    kommuner, task = _tasks(declarations, context, parts)
    count = 1 + len(kommuner)
    hashes = {} if hashes is None else hashes
    for index, (produced, notes) in enumerate(parallel.ordered(task, count, parallel.jobs(count))):
        context.notes.extend(notes)
        made: list[tuple[str, str, str]] = []
        for name, path, content in produced:
            layout.check_generated(path)
            if path in hashes or path == layout.MANIFEST:
                raise ValueError(f"generator {name} produced {path} twice")
            sha = content.sha if isinstance(content, Kept) else hashlib.sha256(content).hexdigest()
            hashes[path] = sha
            made.append((name, path, sha))
            yield path, content
        if parts is not None and index and not any(isinstance(c, Kept) for _, _, c in produced):
            parts.put(declarations, kommuner[index - 1], made, notes)
    content = manifest_of(hashes, context.tool_version)
    hashes[layout.MANIFEST] = hashlib.sha256(content).hexdigest()
    yield layout.MANIFEST, content


def render_all(declarations: DeclarationSet, context: RenderContext) -> dict[str, bytes]:
    """Every file of generated/ (paths relative to it), MANIFEST.json included, in memory."""
    return {path: content for path, content in sorted(render(declarations, context)) if isinstance(content, bytes)}
