"""Plain-text reports of deploy previews, deploys, drift and rollbacks, for a person at a terminal
or a CI log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pipeline import layout
from pipeline.changes import Change, Kind
from pipeline.layout import printable

if TYPE_CHECKING:
    from pipeline.agreements.index import StateChange
    from pipeline.app.deploy import Deployed, RollBack
    from pipeline.deploy.engine import Applied, Drift, Preview, Release, Served

_WORD = {Kind.ADDED: "add", Kind.CHANGED: "change", Kind.REMOVED: "remove"}
_DRIFT_WORD = {Kind.ADDED: "missing", Kind.REMOVED: "extra", Kind.CHANGED: "changed"}
_DRIFT_NOTE = {
    Kind.ADDED: "generated, not served",
    Kind.REMOVED: "served, not generated",
    Kind.CHANGED: "content differs",
}


def _commit(value: object) -> str:
    return str(value)[:12] if value else "unknown commit"


def describe_release(release_id: str, record: dict[str, Any] | None) -> str:
    if record is None:
        return f"{release_id} (no deployed manifest)"
    dirty = ", uncommitted changes" if record.get("dirty") else ""
    return (
        f"{release_id} (commit {_commit(record.get('commit'))}{dirty}, "
        f"deployed {record.get('deployed_at', '?')} by {record.get('deployed_by', '?')})"
    )


def _serving(served: Served) -> str:
    if served.release is None:
        return "nothing yet"
    return describe_release(served.release, served.record)


def _counts(changes: tuple[Change, ...]) -> dict[str, int]:
    counts = {"add": 0, "change": 0, "remove": 0}
    for c in changes:
        counts[_WORD[c.kind]] += 1
    return counts


def _state_change(c: StateChange) -> str:
    label = printable(c.agreement.label + (f", {c.message}" if c.message else ""))
    if c.before is None:
        return f"{label}: new, {c.after}"
    if c.after is None:
        return f"{label}: removed (was {c.before})"
    return f"{label}: {c.before} → {c.after}"


def preview(p: Preview, release: Release, *, notes: list[str]) -> str:
    lines = [f"Plan for {release.hf} at {p.target}"]
    lines.append(f"  serving:   {_serving(p.served)}")
    dirty = ", with uncommitted changes" if release.dirty else ""
    lines.append(f"  deploying: {layout.in_generated(release.hf)}/ at commit {_commit(release.commit)}{dirty}")
    lines.extend(f"  note: {n}" for n in notes)
    if p.empty:
        lines.append(f"Nothing to deploy: {p.target} already serves these {p.unchanged} file(s).")
        return "\n".join(lines) + "\n"
    width = max(len(_WORD[c.kind]) for c in p.changes)
    lines.extend(f"  {_WORD[c.kind]:<{width}}  {printable(c.path)}" for c in p.changes)
    if p.agreements:
        lines.append("  agreements whose state changes:")
        lines.extend(f"    {_state_change(a)}" for a in p.agreements)
    n = _counts(p.changes)
    lines.append(f"{n['add']} to add, {n['change']} to change, {n['remove']} to remove, {p.unchanged} unchanged.")
    return "\n".join(lines) + "\n"


def dry_run() -> str:
    return "Dry run: nothing was changed. Run again with --apply to deploy.\n"


def applied(a: Applied, release: Release, *, notes: list[str]) -> str:
    text = preview(a.preview, release, notes=[*notes, *a.notes])
    if a.release is None:
        return text + "No new release: the target is unchanged.\n"
    n = _counts(a.preview.changes)
    text += (
        f"Deployed release {a.release} to {a.preview.target} (commit {_commit(release.commit)}): "
        f"{n['add']} added, {n['change']} changed, {n['remove']} removed; current now names it.\n"
    )
    if a.removed:
        text += f"Removed release(s) no longer kept: {', '.join(a.removed)}\n"
    return text


def drift(hf: str, d: Drift) -> str:
    if d.clean:
        return (
            f"{hf}: {d.target} serves {layout.in_generated(hf)}/ exactly: "
            f"{len(d.served.files)} file(s), release {_serving(d.served)}\n"
        )
    lines = [
        f"{hf}: {d.target} serving {_serving(d.served)} differs from {layout.in_generated(hf)}/ "
        f"in {len(d.differences)} file(s):"
    ]
    width = max(len(_DRIFT_WORD[c.kind]) for c in d.differences)
    lines.extend(
        f"  {_DRIFT_WORD[c.kind]:<{width}}  {printable(c.path)}  ({_DRIFT_NOTE[c.kind]})" for c in d.differences
    )
    return "\n".join(lines) + "\n"


def rolled_back(back: RollBack) -> str:
    r = back.result
    return (
        f"Rolled back {back.hf} at {back.target}: now serving {describe_release(r.release, r.record)}; "
        f"was {r.previous}.\n"
    )


def deployed(d: Deployed) -> str:
    if d.applied is not None:
        return applied(d.applied, d.release, notes=d.notes)
    assert d.preview is not None
    return preview(d.preview, d.release, notes=d.notes) + dry_run()


FORMATS: dict[str, Callable[[Deployed], str]] = {"text": deployed}
