"""Reading the declarations and running every rule on them, or, when partners/ (the AR snapshot
in partners/ar/ included), today, the base revision, the certificate margin and the tool are what
they were, answering from the cache.

Parsing, models and rules (pydantic, the YAML parsers, holidays) are imported inside the
functions that need them, so that a command answered from the cache starts quickly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import layout
from pipeline.app import inputs
from pipeline.errors import UsageError
from pipeline.findings import Finding
from pipeline.io import cache, git

if TYPE_CHECKING:
    from pipeline.model.declarations import DeclarationSet, KommuneDecl


@dataclass
class Loaded:
    root: Path
    declarations: DeclarationSet
    findings: list[Finding]
    base: DeclarationSet | None = None


def load(root: Path, *, today: dt.date, base_ref: str | None = None) -> Loaded:
    """Read partners/, parse it, and run every rule (with L1-L3 when a base is given)."""
    from pipeline.io.partners import read_revision, read_tree
    from pipeline.model.declarations import parse
    from pipeline.rules import Context, evaluate

    files, refused = read_tree(root)
    decls = parse(files)
    decls.problems.extend(refused)
    base = parse(read_revision(root, base_ref)) if base_ref else None
    context = Context(decls, today, base, certificate_margin=inputs.certificate_margin())
    return Loaded(root, decls, evaluate(context), base)


def _base_tree(root: Path, base_ref: str | None) -> str | None:
    """The git tree id of partners/ at ``base_ref`` ("-" without a base), None when unknown."""
    return "-" if base_ref is None else git.tree_id(root, base_ref, layout.PARTNERS)


def findings(root: Path, *, today: dt.date, base_ref: str | None = None) -> tuple[list[Finding], Loaded | None]:
    """Every finding about partners/ (what ``load`` gives), answered from the cache when partners/,
    today, the base revision, the certificate margin and the tool are what they were; with the loaded
    declarations when it had to load them (None from the cache), so that a command that renders
    next need not parse twice."""
    store = cache.Cache.open(root)
    base_tree = _base_tree(root, base_ref) if store else None
    if store is None or base_tree is None:
        loaded = load(root, today=today, base_ref=base_ref)
        return loaded.findings, loaded
    params = [today.isoformat(), base_tree, str(inputs.certificate_margin())]
    name = cache.named("findings", params)
    partners = root / layout.PARTNERS
    entry = store.get("findings", name)
    if isinstance(entry, dict) and isinstance(entry.get("tree"), dict):
        try:
            tree = cache.snapshot(partners, entry["tree"])
            if cache.same_content(tree, entry["tree"]):
                found = [Finding.from_dict(row) for row in entry["findings"]]
                if tree != entry["tree"]:  # re-hashed files: remember their settled stat
                    store.put("findings", name, {"tree": tree, "findings": entry["findings"]})
                return found, None
        except (OSError, KeyError, TypeError, ValueError):
            pass
    before = cache.snapshot(partners)
    loaded = load(root, today=today, base_ref=base_ref)
    after = cache.snapshot(partners, before)
    if cache.same_content(before, after):  # nothing changed while it ran
        store.put("findings", name, {"tree": after, "findings": [f.as_dict() for f in loaded.findings]})
    return loaded.findings, loaded


def kommune(declarations: DeclarationSet, wanted: str) -> KommuneDecl:
    """The declaration named by number, name or file stem; a usage error (exit 2) otherwise."""
    found = declarations.kommune(wanted.strip())
    if found is None:
        known = ", ".join(f"{k.model.kommune} {k.model.name}" for k in declarations.kommuner)
        raise UsageError(f"no kommune declaration matches {wanted!r} (declared: {known or 'none'})")
    return found
