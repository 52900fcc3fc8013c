"""``build`` and ``generate``: validate, then, only without an error, make generated/ what the
declarations generate (atomically; nothing is written on errors)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import layout
from pipeline.app import loading, rendering
from pipeline.findings import Finding, count, has_errors
from pipeline.i18n import ngettext
from pipeline.io import atomic, partners
from pipeline.io.generated_tree import Summary

if TYPE_CHECKING:
    from pipeline.model.declarations import Remembers


@dataclass
class Built:
    findings: list[Finding]
    summary: Summary | None  # None: refused, because of the errors among the findings
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None

    @property
    def refusal(self) -> str:
        errors = count(self.findings)["error"]
        return ngettext(
            "nothing written to {generated}/: fix the {errors} error reported above",
            "nothing written to {generated}/: fix the {errors} errors reported above",
            errors,
        ).format(generated=layout.GENERATED, errors=errors)


def build(
    root: Path,
    *,
    today: dt.date,
    xsd_dir: Path | None = None,
    on_findings: Callable[[list[Finding]], None] = lambda findings: None,
) -> Built:
    """``on_findings`` sees the findings as soon as they are known, before anything is rendered."""
    with atomic.repo_lock(root) as lock:
        judged: dict[str, Any] = {}
        read: list[partners.Partners] = []  # the bytes judged, when not all parsed: parsed from here
        findings, loaded = loading.findings(root, today=today, judged=judged, read=read)
        on_findings(findings)
        if has_errors(findings):
            return Built(findings, None)
        schemas = rendering.schemas(xsd_dir, root)

        def declarations(remembers: Remembers | None = None) -> loading.Loaded:
            found = loaded or loading.parsed(
                root, findings, judged, today=today, remembers=remembers, read=read[0] if read else None
            )
            return rendering.judged(found, has_errors)

        summary, notes = rendering.write(root, lock, declarations, schemas.found, judged or None)
    return Built(findings, summary, notes, schemas.skipped)
