"""What generated/ must hold, rendered once or taken from the cache, and writing it.

When partners/, the tool and the schema set are what they were at the last render, the cache
knows the sha256 of every file the declarations generate and nothing is rendered: ``expected``
returns those, ``write`` compares them with the disk. Otherwise the declarations are rendered
(streamed: a national tree is never held in memory) and the outcome remembered, provided
partners/ did not change meanwhile. Every command that needs to know what generated/ must hold
(check, build, deploy, drift) asks here, and judges the disk against it with
``pipeline.io.generated_tree``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import layout
from pipeline.errors import RepositoryError
from pipeline.findings import Finding
from pipeline.i18n import N_, _
from pipeline.io import atomic, cache, generated_tree, settings
from pipeline.io.generated_tree import Summary

if TYPE_CHECKING:
    from pipeline.app.loading import Loaded
    from pipeline.io.render_parts import RenderParts
    from pipeline.model.declarations import Remembers
    from pipeline.render.generators import Kept
    from pipeline.render.xsd import SchemaSet

Declarations = Callable[[], "Loaded"]  # the loaded declarations, loaded only when needed
# The same, told which kommune files need not be parsed (their remembered parts hold).
Partly = Callable[["Remembers | None"], "Loaded"]

SKIPPED = N_(
    "XML schema validation was SKIPPED: no official XSDs found, so generated XML is not checked "
    "against them (looked in: {looked}). Turn it on with --xsd-dir DIR or ${env}=DIR (a copy laid out like "
    "Sarepta's skjema/), or run 'oppkobling schemas fetch' once to fill {cache}."
)


@dataclass(frozen=True)
class Schemas:
    """The official XSDs to validate against, or why there are none (a warning to show)."""

    found: SchemaSet | None
    skipped: str | None = None


def schemas(xsd_dir: Path | None, root: Path | None = None) -> Schemas:
    """The official XSDs from ``--xsd-dir``, the environment, the user cache or beside ``root``."""
    from pipeline.render import xsd

    found = xsd.locate(xsd_dir, root)
    if found is not None:
        return Schemas(found)
    looked = "; ".join(xsd.looked_in(root))
    return Schemas(
        None, _(SKIPPED).replace("{env}", xsd.ENV).replace("{cache}", str(xsd.user_cache())).replace("{looked}", looked)
    )


@dataclass
class Expected:
    """What generated/ must hold: path -> sha256, and the render's notes."""

    hashes: dict[str, str]
    vouched: dict[str, str] | None  # stat signatures of generated/ when it last matched
    notes: list[str]
    renders: cache.Renders | None = field(default=None, repr=False)

    def remember_match(self, matched: dict[str, str]) -> None:
        """generated/ was found to match: keep its stat, so the next look is quick."""
        if self.renders is not None and matched != self.vouched:
            self.renders.matched(matched)


def judged(loaded: Loaded, blocking: Callable[[list[Finding]], bool]) -> Loaded:
    """The declarations to render: read afresh when the findings came from the cache, so they must
    still be free of what blocks rendering (partners/ may have changed in between)."""
    if blocking(loaded.findings):
        raise RepositoryError(
            _(
                "{PARTNERS}/ changed while this command ran and now has errors; nothing was written: run it again"
            ).format(PARTNERS=layout.PARTNERS)
        )
    return loaded


def _renders(root: Path, found: SchemaSet | None) -> cache.Renders | None:
    store = cache.Cache.open(root)
    if store is None:
        return None
    return cache.Renders(store, root, found.root if found else None, settings.generated_language(root))


def _remembered(renders: cache.Renders | None, judged: cache.Tree | None = None) -> Expected | None:
    """What the last render of these declarations (with this tool and these schemas) held;
    ``judged``: the record of partners/ this run's findings were made from, when there is one."""
    known = renders.expected(judged) if renders else None
    return None if known is None else Expected(*known, renders)


def _parts(renders: cache.Renders | None, found: SchemaSet | None, language: str) -> RenderParts | None:
    from pipeline.io.render_parts import RenderParts

    return RenderParts(renders.store, found.root if found else None, language) if renders is not None else None


def _stream(
    loaded: Loaded,
    found: SchemaSet | None,
    renders: cache.Renders | None,
    hashes: dict[str, str],
    notes: list[str],
    language: str,
    *,
    incremental: bool = True,
    parts: RenderParts | None = None,
    store: bool = True,
) -> Iterator[tuple[str, bytes | Kept]]:
    """The files of generated/ as they are rendered; remembered once complete, under exactly the
    partners/ content these declarations were parsed from (``hashes`` and ``notes`` are filled as
    it goes). ``incremental``: a kommune whose inputs were rendered before comes as ``Kept`` (its
    files' sha256), not rendered again. ``parts``: the remembered parts, when the caller already
    asked them which kommuner need not be parsed. ``store=False``: the render is remembered in
    memory only, for the caller to store with what vouches for generated/ (``Renders.matched``)."""
    from pipeline.render.context import RenderContext
    from pipeline.render.generators import render

    declarations = loaded.declarations
    parts = parts or _parts(renders, found, language)
    declarations.forget_positions()  # the findings are made; generators read only the models
    context = RenderContext(found, language=language)
    # The parts are saved once every kommune and join is done, before MANIFEST.json is made, so
    # that its bytes (63 MB at 4x) are not held while the parts are serialised.
    saved = (lambda: parts.save(declarations)) if parts is not None else None
    yield from render(declarations, context, hashes, parts if incremental else None, before_manifest=saved)
    notes.extend(context.notes)
    if renders is not None:
        renders.remember(loaded.tree, hashes, notes, store=store)


def expected(root: Path, declarations: Declarations, found: SchemaSet | None, *, cached: bool = True) -> Expected:
    """What generated/ must hold, from the cache or rendered now (``cached=False``: rendered, and
    nothing written to the repository, not even the cache)."""
    renders = _renders(root, found) if cached else None
    remembered = _remembered(renders)
    if remembered is not None:
        return remembered
    hashes: dict[str, str] = {}
    notes: list[str] = []
    for __ in _stream(declarations(), found, renders, hashes, notes, settings.generated_language(root)):
        pass
    return Expected(hashes, None, notes, renders)


def write(
    root: Path,
    lock: atomic.Lock,
    declarations: Partly,
    found: SchemaSet | None,
    judged: cache.Tree | None = None,
) -> tuple[Summary, list[str]]:
    """Make generated/ what the declarations generate (nothing is rendered when the cache shows it
    already is); returns what changed and the render's notes. ``judged``: the record of partners/
    the caller's findings were made from (the declarations rendered are those), so that the
    remembered render is matched against it and partners/ is not looked at again."""
    renders = _renders(root, found)
    known = _remembered(renders, judged)
    if known is not None:
        atomic.recover(root / layout.GENERATED)  # what write() would do first
        changes, vouch = generated_tree.differences(root, known.hashes, known.vouched)
        if not changes:
            known.remember_match(vouch)
            return Summary((), len(known.hashes)), known.notes
    language = settings.generated_language(root)
    parts = _parts(renders, found, language)
    # A kommune whose remembered part still holds is not even parsed.
    loaded = declarations(parts.remembers if parts is not None else None)
    hashes: dict[str, str] = {}
    notes: list[str] = []
    # What the last build saw of generated/: files of unchanged parts it vouches for are not read.
    vouched = renders.known() if renders is not None else {}
    matched: dict[str, str] = {}
    try:
        files = _stream(loaded, found, renders, hashes, notes, language, parts=parts, store=False)
        summary = generated_tree.write(root, files, held=lock, vouched=vouched, matched=matched)
    except generated_tree.NotAsRemembered:
        # generated/ is not what the remembered parts wrote (edited, removed): render them all.
        hashes, notes, matched = {}, [], {}
        if loaded.declarations.unparsed:
            loaded = declarations(None)
        files = _stream(loaded, found, renders, hashes, notes, language, incremental=False, store=False)
        summary = generated_tree.write(root, files, held=lock, matched=matched)
    if renders is not None:  # the render, remembered as it streamed, stored with what vouches for it
        renders.matched(matched)
    return summary, notes
