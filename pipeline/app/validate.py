"""``validate``: every finding about the declarations, for all files or only the ones named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import collector, layout
from pipeline.app import loading
from pipeline.errors import UsageError
from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.io import answers

if TYPE_CHECKING:
    from pipeline.model.declarations import DeclarationSet


def selected(root: Path, paths: Sequence[Path]) -> list[str]:
    """The named files as repository paths (relative to the current directory when relative)."""
    chosen = []
    for p in paths:
        absolute = (p if p.is_absolute() else Path.cwd() / p).resolve()
        if not absolute.is_relative_to(root.resolve()):
            raise UsageError(_("{p} is outside the repository {root}").format(p=p, root=root))
        if not absolute.exists() and not absolute.is_symlink():
            raise UsageError(_("{p}: no such file").format(p=p))
        chosen.append(absolute.relative_to(root.resolve()).as_posix())
    return chosen


def _answer_depends_on(root: Path, wanted: set[str], loaded: DeclarationSet | None) -> None:
    """What the findings about the named declarations depend on: every declaration (the cross-file
    rules), and of the AR snapshot only the files of the HER-ids they and the HFs declare (R-K3
    reads those). Anything else named (an AR file) or a declaration that does not parse: all of
    partners/, as read."""
    from pipeline.ar import paths
    from pipeline.model.declarations import parse

    declarations = (layout.KOMMUNER_DIR + "/", layout.HF_DIR + "/")
    if not all(w.startswith(declarations) for w in wanted):
        return
    hf_files = sorted(p.relative_to(root).as_posix() for p in (root / layout.HF_DIR).glob("*"))
    decls = loaded or parse({rel: (root / rel).read_bytes() for rel in {*wanted, *hf_files} if (root / rel).is_file()})
    her_ids = {h.model.her_id for h in decls.helseforetak}
    her_ids.update(p.her_id for k in decls.kommuner if k.path in wanted for p in k.model.parties)
    parsed = {k.path for k in decls.kommuner} | {h.path for h in decls.helseforetak}
    if not wanted <= parsed:
        return
    ar = [root / e.path for h in sorted(her_ids) for e in paths.entries(h)]
    answers.depends_on(root / layout.KOMMUNER_DIR, root / layout.HF_DIR, files=ar)


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
    wanted = set(selected(root, only))
    kommuner_only = bool(wanted) and all(layout.classify(w) is layout.Input.KOMMUNE for w in wanted)
    if base_ref is not None:
        answers.not_replayable()  # a revision's tree is looked up with git: not on the quick path
    # All of partners/: the reader's record of what it read is what the answer is of.
    judged: dict[str, list[Any]] | None = None if base_ref is not None or kommuner_only else {}
    # Named kommune files: the loading says what it reads, and reads only what they depend on.
    # Loading makes millions of objects (documents, positions, models, snapshot records) that
    # live until the findings are made and form almost no cycles: the cyclic collector's full
    # passes over them were about a tenth of a cold validate, and collect nothing. Reference
    # counting still frees everything as usual. What it leaves is frozen: the first collection
    # after it would traverse it all (a twentieth of a cold validate) and the command ends soon after.
    with collector.paused(keep=True):
        findings, loaded = loading.findings(
            root, today=today, base_ref=base_ref, only=wanted if kommuner_only else None, judged=judged
        )
    if judged is not None:
        answers.read_as_recorded(root / layout.PARTNERS, judged)
    if only:
        if not kommuner_only or base_ref is not None:
            _answer_depends_on(root, wanted, loaded.declarations if loaded else None)
        snapshot = [w for w in wanted if w.startswith(layout.AR_DIR + "/")]
        findings = [f for f in findings if f.file in wanted or any(w in f.message for w in snapshot)]
    return findings
