"""``check``: is the repository consistent? Every finding (L1-L3 too against a base), and
generated/ against what the declarations generate (L4). Writes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import layout
from pipeline.app import loading, rendering
from pipeline.findings import Finding, sort_findings
from pipeline.i18n import N_
from pipeline.io import answers, atomic, generated_tree

NOT_COMPARED = N_("{generated}/ was not compared (L4): fix the declaration errors first")


@dataclass
class Checked:
    findings: list[Finding]
    compared: bool  # False: declaration errors stood in the way of L4
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None  # why XML schema validation was skipped


def check(
    root: Path,
    *,
    today: dt.date,
    base_ref: str | None = None,
    xsd_dir: Path | None = None,
) -> Checked:
    from pipeline.model.declarations import DeclarationSet
    from pipeline.rules import Context, blocks_rendering, freshness

    with atomic.repo_lock(root, shared=True):
        if base_ref is None:
            answers.reads(root / layout.PARTNERS, root / layout.GENERATED)
        else:
            answers.not_replayable()  # a revision's tree is looked up with git: not on the quick path
        found, loaded = loading.findings(root, today=today, base_ref=base_ref)
        findings = list(found)
        if blocks_rendering(findings):
            return Checked(sort_findings(findings), compared=False)
        schemas = rendering.schemas(xsd_dir, root)
        if schemas.found is not None:
            from pipeline.render.xsd import user_cache

            # The user cache comes before the schemas beside the repository: filled later, it
            # would be the one found, so a remembered answer looks at it too.
            answers.reads(schemas.found.root, user_cache())
        else:
            answers.not_replayable()  # which schemas a later run would find is not looked at on replay

        def declarations() -> loading.Loaded:
            load = loaded or loading.load(root, today=today, base_ref=base_ref)
            return rendering.judged(load, blocks_rendering)

        expected = rendering.expected(root, declarations, schemas.found)
        changes, matched = generated_tree.differences(root, expected.hashes, expected.vouched)
        if not changes:
            expected.remember_match(matched)
        findings.extend(freshness(Context(DeclarationSet(), today, generated=changes)))
    return Checked(sort_findings(findings), True, expected.notes, schemas.skipped)
