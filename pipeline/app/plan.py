"""``plan``: what a change does at each HF, against a base revision, for the pull request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline import layout
from pipeline.app import loading
from pipeline.errors import UsageError
from pipeline.i18n import _
from pipeline.io import git, settings
from pipeline.plan import Plan, Rendered, make_plan


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
    # Renders for comparison only, streamed to their hashes (and the partner indexes): schema
    # validation is check's and build's job, and a national tree is never held, twice, in memory.
    context = RenderContext(schemas=None, language=settings.generated_language(root))
    return make_plan(
        base_ref=base_ref,
        today=today,
        base=base,
        head=loaded.declarations,
        base_files=Rendered.of(_bytes(render(base, context))),
        head_files=Rendered.of(_bytes(render(loaded.declarations, context))),
        findings=loaded.findings,
        gate=gate,
        ar=ar,
    )


def _bytes(files: Iterable[tuple[str, object]]) -> Iterator[tuple[str, bytes]]:
    """A render without remembered parts yields every file's bytes."""
    for path, content in files:
        assert isinstance(content, bytes)
        yield path, content
