"""``oppkobling generate``: validate, then write generated/ atomically (nothing on errors).

The steps ``build`` and ``check`` share live here too: finding the official schemas (and saying
plainly when there are none) and rendering the tree in memory.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from pipeline import layout, xsd
from pipeline.changes import Change
from pipeline.cli import common
from pipeline.findings import Finding, count, has_errors
from pipeline.generate import RenderContext
from pipeline.generate import render as render_files
from pipeline.io import atomic, cache, generated_tree
from pipeline.reporters import REPORTERS

NAME = "generate"
HELP = "validate, then write generated/ (agreements, indexes, test messages) atomically; nothing is written on errors"

SKIPPED = (
    "oppkobling: warning: XML schema validation was SKIPPED: no official XSDs configured, so generated "
    "XML is not checked against them. Turn it on with --xsd-dir DIR or ${env}=DIR (a copy laid out like "
    "Sarepta's skjema/), or run 'oppkobling schemas fetch' once to fill {cache}.\n"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_xsd_dir(parser)
    common.add_today(parser)
    common.add_ar_snapshot(parser)
    common.add_root(parser)


def schemas(args: argparse.Namespace) -> xsd.SchemaSet | None:
    """The configured schema set, or None after saying on stderr that validation is skipped."""
    found = xsd.locate(getattr(args, "xsd_dir", None))
    if found is None:
        sys.stderr.write(SKIPPED.replace("{env}", xsd.ENV).replace("{cache}", str(xsd.user_cache())))
    return found


def render(
    loaded: common.Loaded,
    found: xsd.SchemaSet | None,
    notes: list[str] | None = None,
    hashes: dict[str, str] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """The files of generated/, streamed (a national tree is not held in memory); the render's
    notes are printed once it is complete (and added to ``notes``); ``hashes`` receives the
    sha256 of every file."""
    # The findings are made; generators read only the models.
    for kdecl in loaded.declarations.kommuner:
        kdecl.document.forget_positions()
    for hdecl in loaded.declarations.helseforetak:
        hdecl.document.forget_positions()
    context = RenderContext(found)
    yield from render_files(loaded.declarations, context, hashes)
    _say(context.notes)
    if notes is not None:
        notes.extend(context.notes)


def _say(notes: list[str]) -> None:
    for note in notes:
        sys.stderr.write(f"oppkobling: note: {note}\n")


def _renders(root: Path, found: xsd.SchemaSet | None) -> cache.Renders | None:
    store = cache.Cache.open(root)
    return None if store is None else cache.Renders(store, root, found.root if found else None)


def compare(args: argparse.Namespace, root: Path, loaded: common.Loaded | None) -> list[Change]:
    """How generated/ differs from what the declarations generate (check's L4). When partners/,
    the tool and the schemas are what they were at the last render, the remembered sha256 of
    every file is compared with the disk and nothing is rendered; otherwise it renders and
    remembers. ``loaded``: the declarations, when the caller has them."""
    found = schemas(args)
    renders = _renders(root, found)
    remembered = renders.expected() if renders else None
    if renders is not None and remembered is not None:
        expected, vouched, notes = remembered
        _say(notes)
        changes, matched = generated_tree.differences(root, expected, vouched)
        if not changes and matched != vouched:
            renders.matched(matched)
        return changes
    partners = cache.snapshot(root / layout.PARTNERS) if renders else {}
    hashes: dict[str, str] = {}
    notes_made: list[str] = []
    for _ in render(loaded or common.load(args), found, notes_made, hashes):
        pass
    changes, _ = generated_tree.differences(root, hashes)
    if renders is not None and cache.same_content(partners, cache.snapshot(root / layout.PARTNERS, partners)):
        renders.remember(partners, hashes, notes_made)
    return changes


def refuse(findings: list[Finding]) -> int:
    sys.stderr.write(
        f"oppkobling: nothing written to generated/: fix the {count(findings)['error']} error(s) reported above\n"
    )
    return 1


def execute(args: argparse.Namespace, *, report: bool) -> int:
    """Validate and, without errors, write. ``report``: print every finding (build), not only
    when the run is refused (generate)."""
    root = common.root(args)
    with atomic.repo_lock(root) as lock:
        _, findings, loaded = common.checked_loading(args)
        errors = has_errors(findings)
        if report or errors:
            common.emit(REPORTERS["text"](findings))
        if errors:
            return refuse(findings)
        found = schemas(args)
        renders = _renders(root, found)
        remembered = renders.expected() if renders else None
        summary = None
        if renders is not None and remembered is not None:
            # Nothing to render when generated/ already holds what these declarations generate.
            expected, vouched, notes = remembered
            atomic.recover(root / layout.GENERATED)  # what write() would do first
            changes, matched = generated_tree.differences(root, expected, vouched)
            if not changes:
                _say(notes)
                if matched != vouched:
                    renders.matched(matched)
                summary = generated_tree.Summary((), len(expected))
        if summary is None:
            partners = cache.snapshot(root / layout.PARTNERS) if renders else {}
            hashes: dict[str, str] = {}
            notes_made: list[str] = []
            files = render(loaded or common.load(args), found, notes_made, hashes)
            summary = generated_tree.write(root, files, held=lock)
            if renders is not None and cache.same_content(partners, cache.snapshot(root / layout.PARTNERS, partners)):
                renders.remember(partners, hashes, notes_made)
    common.emit(summary.line() + "\n")
    return 0


def run(args: argparse.Namespace) -> int:
    return execute(args, report=False)
