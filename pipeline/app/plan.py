"""``plan``: what a change does at each HF, against a base revision, for the pull request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import layout
from pipeline.app import loading
from pipeline.errors import UsageError
from pipeline.i18n import _
from pipeline.io import git, settings
from pipeline.io.render_parts import RenderParts
from pipeline.plan import Plan, Rendered, make_plan

if TYPE_CHECKING:
    from pipeline.model.declarations import DeclarationSet, KommuneDecl
    from pipeline.render.generators import Kept, Remembered


def plan(root: Path, *, base_ref: str, today: dt.date) -> Plan:
    from pipeline.model.declarations import DeclarationSet
    from pipeline.render.context import RenderContext
    from pipeline.render.generators import render

    at = loading.base(root, base_ref)
    assert at is not None
    loaded = loading.load(root, today=today, at=at)
    try:
        gate = git.changed(root, at.commit, layout.GATE)
        ar = git.changed(root, at.commit, (layout.AR_DIR,))
    except git.GitError as exc:
        raise UsageError(
            _("cannot compare the work tree with '{base_ref}': {message}").format(
                base_ref=base_ref, message=exc.message
            )
        ) from None
    base = loaded.base if loaded.base is not None else DeclarationSet()
    loaded.declarations.forget_positions()  # the findings are made: the plan reads the models
    base.forget_positions()
    # Renders for comparison only, streamed to their hashes (and the partner indexes): schema
    # validation is check's and build's job, and a national tree is never held, twice, in memory.
    context = RenderContext(schemas=None, language=settings.generated_language(root))
    # A kommune whose inputs are the same at the base and in the work tree (all but the edited
    # ones) is rendered once: the work tree's render takes its files' hashes and parts from the base's.
    alike = _Alike()
    base_hashes: dict[str, str] = {}
    base_files = Rendered.of(_contents(render(base, context, base_hashes, parts=alike)), base_hashes)
    head_hashes: dict[str, str] = {}
    head_files = Rendered.of(_contents(render(loaded.declarations, context, head_hashes, parts=alike)), head_hashes)
    del alike  # the base's remembered parts: not needed past the work tree's render
    return make_plan(
        base_ref=base_ref,
        today=today,
        base=base,
        head=loaded.declarations,
        base_files=base_files,
        head_files=head_files,
        findings=loaded.findings,
        gate=gate,
        ar=ar,
    )


class _Alike:
    """``generators.Parts`` in memory, for the two renders of one plan: keyed, as the build's
    remembered parts are, by the content of exactly the files a kommune's part is made from."""

    def __init__(self) -> None:
        self.known: dict[str, Remembered] = {}

    def get(self, declarations: DeclarationSet, k: KommuneDecl) -> Remembered | None:
        key = RenderParts.key(declarations, k)
        return self.known.get(key) if key is not None else None

    def put(self, declarations: DeclarationSet, k: KommuneDecl, remembered: Remembered) -> None:
        key = RenderParts.key(declarations, k)
        if key is not None:
            self.known[key] = remembered

    def kept(self, declarations: DeclarationSet, path: str) -> Remembered | None:
        return None  # a plan parses both sets whole: no kommune is left unparsed


def _contents(files: Iterable[tuple[str, bytes | Kept]]) -> Iterator[tuple[str, bytes | str]]:
    """Each file's bytes, or the sha256 of one taken from the other render."""
    from pipeline.render.generators import Kept

    for path, content in files:
        yield path, content.sha if isinstance(content, Kept) else content
