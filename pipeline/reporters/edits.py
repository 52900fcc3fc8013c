"""What ``record``, ``new``, ``order``, ``schema`` and ``schemas fetch`` did, in a few lines of text."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pipeline.layout import printable
from pipeline.reporters.findings import text as findings_text

if TYPE_CHECKING:
    from pipeline.app.new import Scaffolded
    from pipeline.app.order import Order
    from pipeline.app.record import Recorded
    from pipeline.io.xsd_download import Fetched


def recorded(r: Recorded) -> str:
    o = r.outcome
    if not o.accepted:
        return f"{o.path}: not recorded ({o.description}); it would introduce these errors:\n" + findings_text(
            list(o.new_errors)
        )
    if not r.written:
        return f"{o.path}: already recorded ({o.description}); nothing changed\n"
    text = f"{o.path}: recorded {o.description}\n{o.diff()}"
    for warning in o.new_warnings:
        text += f"{printable(str(warning.location))}: warning {warning.rule} {printable(warning.message)}\n"
    return text


def scaffolded(s: Scaffolded) -> str:
    e = s.entry
    return (
        f"wrote {s.path} ({e.short_name}, org.nr. {e.org_number or 'unknown'}, status planned)\n"
        f"next: verify the contact address, then 'oppkobling record {e.number} activation --date T --agreed-on D'\n"
    )


def scaffold_notes(s: Scaffolded) -> str:
    """For stderr: what the register could not fill in."""
    e = s.entry
    text = ""
    if not e.hmn_catchment:
        text += f"note: {e.name} is outside Helse Midt-Norge's catchment (rule S4 warns)\n"
    if e.org_number is None:
        text += "note: the register has no organisation number for it: fill in org_number\n"
    return text


def ordered(o: Order) -> str:
    if o.blockers:
        return f"refusing to write the order for {o.name}: fix these first\n" + findings_text(o.blockers)
    text = ""
    if o.already_sent:
        text += f"note: the declaration already records the order as sent on {o.already_sent}\n"
    return text + (
        f"wrote {o.written}: send it to {o.to}, then run 'oppkobling record {o.number} order --sent-on DATE'\n"
    )


def schemas_written(stale: list[str], *, check: bool) -> str:
    verb = "stale" if check else "written"
    return "".join(f"{p}: {verb}\n" for p in stale) or "schemas are up to date\n"


def fetched(f: Fetched, *, dest_given: bool, env: str) -> str:
    text = (
        f"fetched {len(f.files)} schemas into {f.dest}; "
        f"{len(f.rewrites)} import(s) rewritten to local paths; all compile\n"
    )
    text += "".join(f"  {r.file}: {r.old} -> {r.new}\n" for r in f.rewrites)
    if dest_given:
        text += f"use them with --xsd-dir {f.dest} or {env}={f.dest}\n"
    return text


FORMATS: dict[str, Callable[[Recorded], str]] = {"text": recorded}
