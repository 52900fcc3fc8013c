"""``oppkobling generate``: validate, then write generated/ atomically (nothing on errors).

The steps ``build`` and ``check`` share live here too: finding the official schemas (and saying
plainly when there are none) and rendering the tree in memory.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from pipeline import output, xsd
from pipeline.cli import common
from pipeline.findings import Finding, count, has_errors
from pipeline.generate import RenderContext
from pipeline.generate import render as render_files
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


def render(loaded: common.Loaded, found: xsd.SchemaSet | None) -> Iterator[tuple[str, bytes]]:
    """The files of generated/, streamed (a national tree is not held in memory); the render's
    notes are printed once it is complete."""
    context = RenderContext(found)
    yield from render_files(loaded.declarations, context)
    for note in context.notes:
        sys.stderr.write(f"oppkobling: note: {note}\n")


def refuse(findings: list[Finding]) -> int:
    sys.stderr.write(
        f"oppkobling: nothing written to generated/: fix the {count(findings)['error']} error(s) reported above\n"
    )
    return 1


def execute(args: argparse.Namespace, *, report: bool) -> int:
    """Validate and, without errors, write. ``report``: print every finding (build), not only
    when the run is refused (generate)."""
    root = common.root(args)
    with output.repo_lock(root) as lock:
        loaded = common.load(args)
        errors = has_errors(loaded.findings)
        if report or errors:
            common.emit(REPORTERS["text"](loaded.findings))
        if errors:
            return refuse(loaded.findings)
        files = render(loaded, schemas(args))
        summary = output.write(root, files, held=lock)
    common.emit(summary.line() + "\n")
    return 0


def run(args: argparse.Namespace) -> int:
    return execute(args, report=False)
