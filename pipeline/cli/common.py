"""Options and steps several commands share: where the repository is, what "today" is,
loading and validating the declarations."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline import routine
from pipeline.ar import ArSnapshot, parse_snapshot
from pipeline.declarations import DeclarationSet, parse
from pipeline.errors import UsageError
from pipeline.findings import Finding
from pipeline.reporters import REPORTERS
from pipeline.rules import Context, evaluate
from pipeline.source import find_root, read_revision, read_tree


def add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, help="repository root (default: found from the current directory)")


def add_today(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        help="evaluate time-relative rules on this date (default: today in Europe/Oslo)",
    )


AR_ENV = "OPPKOBLING_AR_SNAPSHOT"


def add_ar_snapshot(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ar-snapshot",
        type=Path,
        metavar="FILE",
        help=f"JSON export of NHN's address register; R-K3 then checks each party against it (or ${AR_ENV})",
    )


def ar_snapshot(args: argparse.Namespace) -> ArSnapshot | None:
    given: Path | None = getattr(args, "ar_snapshot", None)
    path = given or (Path(os.environ[AR_ENV]) if os.environ.get(AR_ENV) else None)
    if path is None:
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read AR snapshot {path}: {exc.strerror}") from None
    return parse_snapshot(raw, str(path))


def add_format(parser: argparse.ArgumentParser, choices: list[str] | None = None) -> None:
    formats = choices or sorted(REPORTERS)
    parser.add_argument("--format", choices=formats, default=formats[0] if "text" not in formats else "text")


def add_xsd_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--xsd-dir",
        type=Path,
        help="directory of the official XSDs, laid out like Sarepta's skjema/ "
        "(default: $OPPKOBLING_XSD_DIR, then the user cache filled by 'oppkobling schemas fetch')",
    )


TODAY_ENV = "OPPKOBLING_TODAY"


def today(args: argparse.Namespace) -> dt.date:
    """--today, else $OPPKOBLING_TODAY (reproducible hook and CI runs), else today in Europe/Oslo."""
    value: str | None = getattr(args, "today", None) or os.environ.get(TODAY_ENV)
    if not value:
        return routine.today_in_oslo()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today (or ${TODAY_ENV}) must be YYYY-MM-DD, not {value!r}") from None


def root(args: argparse.Namespace) -> Path:
    given: Path | None = getattr(args, "root", None)
    return find_root(given if given is not None else Path.cwd())


@dataclass
class Loaded:
    root: Path
    declarations: DeclarationSet
    findings: list[Finding]
    base: DeclarationSet | None = None


def load(args: argparse.Namespace, *, base_ref: str | None = None) -> Loaded:
    """Read partners/, parse it, and run every rule (with L1-L3 when a base is given)."""
    repo = root(args)
    files, read_findings = read_tree(repo)
    decls = parse(files)
    decls.load_findings.extend(read_findings)
    base = parse(read_revision(repo, base_ref)) if base_ref else None
    findings = evaluate(Context(decls, today(args), base, ar_snapshot(args)))
    return Loaded(repo, decls, findings, base)


def emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")
