"""``validate``: every finding about the declarations, for all files or only the ones named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from pipeline import layout
from pipeline.app import loading
from pipeline.errors import UsageError
from pipeline.findings import Finding


def selected(root: Path, paths: Sequence[Path]) -> list[str]:
    """The named files as repository paths (relative to the current directory when relative)."""
    chosen = []
    for p in paths:
        absolute = (p if p.is_absolute() else Path.cwd() / p).resolve()
        if not absolute.is_relative_to(root.resolve()):
            raise UsageError(f"{p} is outside the repository {root}")
        if not absolute.exists() and not absolute.is_symlink():
            raise UsageError(f"{p}: no such file")
        chosen.append(absolute.relative_to(root.resolve()).as_posix())
    return chosen


def validate(
    root: Path,
    *,
    today: dt.date,
    base_ref: str | None = None,
    only: Sequence[Path] = (),
) -> list[Finding]:
    """The findings about partners/ (cross-file rules see every file), reported for ``only``: those
    in the named files, and for a named AR snapshot file those that name it (R-K3 reports what AR
    says at the declaration's line, and names the snapshot file it read)."""
    findings, _ = loading.findings(root, today=today, base_ref=base_ref)
    if only:
        wanted = set(selected(root, only))
        snapshot = [w for w in wanted if w.startswith(layout.AR_DIR + "/")]
        findings = [f for f in findings if f.file in wanted or any(w in f.message for w in snapshot)]
    return findings
