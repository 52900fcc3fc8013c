"""What ``record``, ``new``, ``order``, ``schema`` and ``schemas fetch`` did, in a few lines of text."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pipeline.i18n import _
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
        return _("{path}: not recorded ({description}); it would introduce these errors:\n").format(
            path=o.path, description=o.description
        ) + findings_text(list(o.new_errors))
    if not r.written:
        return _("{path}: already recorded ({description}); nothing changed\n").format(
            path=o.path, description=o.description
        )
    text = _("{path}: recorded {description}\n{diff}").format(path=o.path, description=o.description, diff=o.diff())
    for warning in o.new_warnings:
        text += _("{location}: warning {rule} {message}\n").format(
            location=printable(str(warning.location)), rule=warning.rule, message=printable(warning.message)
        )
    return text


def scaffolded(s: Scaffolded) -> str:
    e = s.entry
    return _(
        "wrote {path} ({short_name}, org.nr. {value}, status planned)\nnext: verify the "
        "contact address, then 'oppkobling record {number} activation --date T "
        "--agreed-on D'\n"
    ).format(path=s.path, short_name=e.short_name, value=e.org_number or _("unknown"), number=e.number)


def scaffold_notes(s: Scaffolded) -> str:
    """For stderr: what the register could not fill in."""
    e = s.entry
    text = ""
    if not e.hmn_catchment:
        text += _("note: {name} is outside Helse Midt-Norge's catchment (rule S4 warns)\n").format(name=e.name)
    if e.org_number is None:
        text += _("note: the register has no organisation number for it: fill in org_number\n")
    return text


def ordered(o: Order) -> str:
    if o.blockers:
        return _("refusing to write the order for {name}: fix these first\n").format(name=o.name) + findings_text(
            o.blockers
        )
    text = ""
    if o.already_sent:
        text += _("note: the declaration already records the order as sent on {already_sent}\n").format(
            already_sent=o.already_sent
        )
    return text + (
        _("wrote {written}: send it to {to}, then run 'oppkobling record {number} order --sent-on DATE'\n").format(
            written=o.written, to=o.to, number=o.number
        )
    )


def schemas_written(stale: list[str], *, check: bool) -> str:
    verb = _("stale") if check else _("written")
    return "".join(f"{p}: {verb}\n" for p in stale) or _("schemas are up to date\n")


def fetched(f: Fetched, *, dest_given: bool, env: str) -> str:
    text = _("fetched {n} schemas into {dest}; {n2} import(s) rewritten to local paths; all compile\n").format(
        n=len(f.files), dest=f.dest, n2=len(f.rewrites)
    )
    text += "".join(f"  {r.file}: {r.old} -> {r.new}\n" for r in f.rewrites)
    if dest_given:
        text += _("use them with --xsd-dir {dest} or {env}={dest}\n").format(dest=f.dest, env=env)
    return text


FORMATS: dict[str, Callable[[Recorded], str]] = {"text": recorded}
