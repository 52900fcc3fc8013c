"""Plain-text reports of deploy previews, deploys, drift and rollbacks, for a person at a terminal
or a CI log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pipeline import layout
from pipeline.changes import Change, Kind
from pipeline.i18n import N_, _, terms
from pipeline.layout import printable

if TYPE_CHECKING:
    from pipeline.agreements.index import StateChange
    from pipeline.app.deploy import Deployed, RollBack
    from pipeline.deploy.engine import Applied, Drift, Preview, Release, Served

# Words of the reports, translated where they are shown (N_ marks them for the catalog).
_WORD = {Kind.ADDED: N_("add"), Kind.CHANGED: N_("change"), Kind.REMOVED: N_("remove")}
_DRIFT_WORD = {Kind.ADDED: N_("missing"), Kind.REMOVED: N_("extra"), Kind.CHANGED: N_("changed")}
_DRIFT_NOTE = {
    Kind.ADDED: N_("generated, not served"),
    Kind.REMOVED: N_("served, not generated"),
    Kind.CHANGED: N_("content differs"),
}


def _commit(value: object) -> str:
    return str(value)[:12] if value else _("unknown commit")


def describe_release(release_id: str, record: dict[str, Any] | None) -> str:
    if record is None:
        return _("{release_id} (no deployed manifest)").format(release_id=release_id)
    dirty = _(", uncommitted changes") if record.get("dirty") else ""
    return _("{release_id} (commit {commit}{dirty}, deployed {get} by {get2})").format(
        release_id=release_id,
        commit=_commit(record.get("commit")),
        dirty=dirty,
        get=record.get("deployed_at", "?"),
        get2=record.get("deployed_by", "?"),
    )


def _serving(served: Served) -> str:
    if served.release is None:
        return _("nothing yet")
    return describe_release(served.release, served.record)


def _counts(changes: tuple[Change, ...]) -> dict[str, int]:
    counts = {"add": 0, "change": 0, "remove": 0}
    for c in changes:
        counts[_WORD[c.kind]] += 1
    return counts


def _state_change(c: StateChange) -> str:
    label = printable(c.agreement.label + (f", {c.message}" if c.message else ""))
    if c.before is None:
        return _("{label}: new, {after}").format(label=label, after=terms.state(c.after))
    if c.after is None:
        return _("{label}: removed (was {before})").format(label=label, before=terms.state(c.before))
    return f"{label}: {terms.state(c.before)} → {terms.state(c.after)}"


def preview(p: Preview, release: Release, *, notes: list[str]) -> str:
    lines = [_("Plan for {hf} at {target}").format(hf=release.hf, target=p.target)]
    lines.append(_("  serving:   {serving}").format(serving=_serving(p.served)))
    dirty = _(", with uncommitted changes") if release.dirty else ""
    lines.append(
        _("  deploying: {in_generated}/ at commit {commit}{dirty}").format(
            in_generated=layout.in_generated(release.hf), commit=_commit(release.commit), dirty=dirty
        )
    )
    lines.extend(_("  note: {n}").format(n=n) for n in notes)
    if p.empty:
        lines.append(
            _("Nothing to deploy: {target} already serves these {unchanged} file(s).").format(
                target=p.target, unchanged=p.unchanged
            )
        )
        return "\n".join(lines) + "\n"
    width = max(len(_(_WORD[c.kind])) for c in p.changes)
    lines.extend(f"  {_(_WORD[c.kind]):<{width}}  {printable(c.path)}" for c in p.changes)
    if p.agreements:
        lines.append(_("  agreements whose state changes:"))
        lines.extend(f"    {_state_change(a)}" for a in p.agreements)
    n = _counts(p.changes)
    lines.append(
        _("{n} to add, {n2} to change, {n3} to remove, {unchanged} unchanged.").format(
            n=n["add"], n2=n["change"], n3=n["remove"], unchanged=p.unchanged
        )
    )
    return "\n".join(lines) + "\n"


def dry_run() -> str:
    return _("Dry run: nothing was changed. Run again with --apply to deploy.\n")


def applied(a: Applied, release: Release, *, notes: list[str]) -> str:
    text = preview(a.preview, release, notes=[*notes, *a.notes])
    if a.release is None:
        return text + _("No new release: the target is unchanged.\n")
    n = _counts(a.preview.changes)
    text += _(
        "Deployed release {release} to {target} (commit {commit}): {n} added, {n2} "
        "changed, {n3} removed; current now names it.\n"
    ).format(
        release=a.release,
        target=a.preview.target,
        commit=_commit(release.commit),
        n=n["add"],
        n2=n["change"],
        n3=n["remove"],
    )
    if a.removed:
        text += _("Removed release(s) no longer kept: {join}\n").format(join=", ".join(a.removed))
    return text


def drift(hf: str, d: Drift) -> str:
    if d.clean:
        return _("{hf}: {target} serves {in_generated}/ exactly: {n} file(s), release {serving}\n").format(
            hf=hf,
            target=d.target,
            in_generated=layout.in_generated(hf),
            n=len(d.served.files),
            serving=_serving(d.served),
        )
    lines = [
        _("{hf}: {target} serving {serving} differs from {in_generated}/ in {n} file(s):").format(
            hf=hf,
            target=d.target,
            serving=_serving(d.served),
            in_generated=layout.in_generated(hf),
            n=len(d.differences),
        )
    ]
    width = max(len(_(_DRIFT_WORD[c.kind])) for c in d.differences)
    lines.extend(
        f"  {_(_DRIFT_WORD[c.kind]):<{width}}  {printable(c.path)}  ({_(_DRIFT_NOTE[c.kind])})" for c in d.differences
    )
    return "\n".join(lines) + "\n"


def rolled_back(back: RollBack) -> str:
    r = back.result
    return _("Rolled back {hf} at {target}: now serving {describe_release}; was {previous}.\n").format(
        hf=back.hf, target=back.target, describe_release=describe_release(r.release, r.record), previous=r.previous
    )


def deployed(d: Deployed) -> str:
    if d.applied is not None:
        return applied(d.applied, d.release, notes=d.notes)
    assert d.preview is not None
    return preview(d.preview, d.release, notes=d.notes) + dry_run()


FORMATS: dict[str, Callable[[Deployed], str]] = {"text": deployed}
