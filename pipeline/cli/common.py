"""Options and steps several commands share: where the repository is, what "today" is,
loading and validating the declarations."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import layout
from pipeline.errors import UsageError
from pipeline.findings import Finding
from pipeline.io import cache
from pipeline.io.partners import find_root
from pipeline.reporters import REPORTERS
from pipeline.routine import calendar

if TYPE_CHECKING:
    from pipeline.model.ar_snapshot import ArSnapshot
    from pipeline.model.declarations import DeclarationSet

# Parsing, models and rules (pydantic, the YAML parsers, holidays) are imported inside the
# functions that need them, so that a command answered from the cache starts quickly.


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


def _ar_snapshot_bytes(args: argparse.Namespace) -> tuple[Path, bytes] | None:
    given: Path | None = getattr(args, "ar_snapshot", None)
    path = given or (Path(os.environ[AR_ENV]) if os.environ.get(AR_ENV) else None)
    if path is None:
        return None
    try:
        return path, path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read AR snapshot {path}: {exc.strerror}") from None


def ar_snapshot(args: argparse.Namespace) -> ArSnapshot | None:
    from pipeline.model.ar_snapshot import parse_snapshot

    found = _ar_snapshot_bytes(args)
    return None if found is None else parse_snapshot(found[1], str(found[0]))


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
        return calendar.today_in_oslo()
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
    from pipeline.io.partners import read_revision, read_tree
    from pipeline.model.declarations import parse
    from pipeline.rules import Context, evaluate

    repo = root(args)
    files, read_findings = read_tree(repo)
    decls = parse(files)
    decls.problems.extend(read_findings)
    base = parse(read_revision(repo, base_ref)) if base_ref else None
    findings = evaluate(Context(decls, today(args), base, ar_snapshot(args)))
    return Loaded(repo, decls, findings, base)


def _base_tree(repo: Path, base_ref: str | None) -> str | None:
    """The git tree id of partners/ at ``base_ref`` ("-" without a base), None when unknown."""
    if base_ref is None:
        return "-"
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{base_ref}:{layout.PARTNERS}"],
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    tree = done.stdout.decode("ascii", "replace").strip()
    return tree if done.returncode == 0 and tree else None


def _as_json(findings: list[Finding]) -> list[dict[str, str | int]]:
    return [f.as_dict() for f in findings]


def _from_json(rows: list[dict[str, str | int]]) -> list[Finding]:
    return [Finding.from_dict(row) for row in rows]


def checked(args: argparse.Namespace, *, base_ref: str | None = None) -> tuple[Path, list[Finding]]:
    """Every finding about partners/ (what ``load`` gives), answered from the cache when
    partners/, today, the base revision, the AR snapshot and the tool are what they were."""
    repo, findings, _ = checked_loading(args, base_ref=base_ref)
    return repo, findings


def checked_loading(
    args: argparse.Namespace, *, base_ref: str | None = None
) -> tuple[Path, list[Finding], Loaded | None]:
    """``checked``, plus the loaded declarations when it had to load them (None when the
    findings came from the cache), so that a command that renders next need not parse twice."""
    repo = root(args)
    store = cache.Cache.open(repo)
    base_tree = _base_tree(repo, base_ref) if store else None
    if store is None or base_tree is None:
        loaded = load(args, base_ref=base_ref)
        return repo, loaded.findings, loaded
    snapshot_file = _ar_snapshot_bytes(args)
    params = [today(args).isoformat(), base_tree, cache.digest(snapshot_file[1]) if snapshot_file else "-"]
    name = cache.named("findings", params)
    partners = repo / layout.PARTNERS
    entry = store.get("findings", name)
    if isinstance(entry, dict) and isinstance(entry.get("tree"), dict):
        try:
            tree = cache.snapshot(partners, entry["tree"])
            if cache.same_content(tree, entry["tree"]):
                found = _from_json(entry["findings"])
                if tree != entry["tree"]:  # re-hashed files: remember their settled stat
                    store.put("findings", name, {"tree": tree, "findings": entry["findings"]})
                return repo, found, None
        except (OSError, KeyError, TypeError, ValueError):
            pass
    before = cache.snapshot(partners)
    loaded = load(args, base_ref=base_ref)
    after = cache.snapshot(partners, before)
    if cache.same_content(before, after):  # nothing changed while it ran
        store.put("findings", name, {"tree": after, "findings": _as_json(loaded.findings)})
    return repo, loaded.findings, loaded


def emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")
