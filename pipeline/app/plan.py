"""``plan``: what a change does at each HF, against a base revision, for the pull request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.app import loading
from pipeline.plan import Plan, make_plan


def plan(root: Path, *, base_ref: str, today: dt.date) -> Plan:
    from pipeline.io.partners import read_revision
    from pipeline.model.declarations import parse
    from pipeline.render.context import RenderContext
    from pipeline.render.generators import render_all

    loaded = loading.load(root, today=today, base_ref=base_ref)
    base = loaded.base if loaded.base is not None else parse(read_revision(root, base_ref))
    # In-memory renders for comparison only: schema validation is check's and build's job.
    return make_plan(
        base_ref=base_ref,
        today=today,
        base=base,
        head=loaded.declarations,
        base_files=render_all(base, RenderContext(schemas=None)),
        head_files=render_all(loaded.declarations, RenderContext(schemas=None)),
        findings=loaded.findings,
    )
