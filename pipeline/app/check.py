"""``check``: is the repository consistent? Every finding (L1-L3 too against a base), and
generated/ against what the declarations generate (L4). Writes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import layout
from pipeline.app import loading, rendering
from pipeline.findings import Finding, sort_findings
from pipeline.io import atomic, generated_tree

NOT_COMPARED = f"{layout.GENERATED}/ was not compared (L4): fix the declaration errors first"


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
        found, loaded = loading.findings(root, today=today, base_ref=base_ref)
        findings = list(found)
        if blocks_rendering(findings):
            return Checked(sort_findings(findings), compared=False)
        schemas = rendering.schemas(xsd_dir, root)

        def declarations() -> loading.Loaded:
            load = loaded or loading.load(root, today=today, base_ref=base_ref)
            return rendering.judged(load, blocks_rendering)

        expected = rendering.expected(root, declarations, schemas.found)
        changes, matched = generated_tree.differences(root, expected.hashes, expected.vouched)
        if not changes:
            expected.remember_match(matched)
        findings.extend(freshness(Context(DeclarationSet(), today, generated=changes)))
    return Checked(sort_findings(findings), True, expected.notes, schemas.skipped)
