"""Plain-text reports of plans, deploys, drift and rollbacks, for a person at a terminal or a CI log."""

from __future__ import annotations

from typing import Any

from pipeline.deploy.engine import Applied, Change, Drift, Plan, Release, RolledBack, Served

_DRIFT_WORD = {"add": "missing", "remove": "extra", "change": "changed"}
_DRIFT_NOTE = {"add": "generated, not served", "remove": "served, not generated", "change": "content differs"}


def _commit(value: object) -> str:
    return str(value)[:12] if value else "unknown commit"


def describe_release(release_id: str, manifest: dict[str, Any] | None) -> str:
    if manifest is None:
        return f"{release_id} (no deployed manifest)"
    dirty = ", uncommitted changes" if manifest.get("dirty") else ""
    return (
        f"{release_id} (commit {_commit(manifest.get('commit'))}{dirty}, "
        f"deployed {manifest.get('deployed_at', '?')} by {manifest.get('deployed_by', '?')})"
    )


def _serving(served: Served) -> str:
    if served.release is None:
        return "nothing yet"
    return describe_release(served.release, served.manifest)


def _counts(changes: tuple[Change, ...]) -> dict[str, int]:
    counts = {"add": 0, "change": 0, "remove": 0}
    for c in changes:
        counts[c.kind] += 1
    return counts


def plan(p: Plan, release: Release, *, notes: list[str]) -> str:
    lines = [f"Plan for {release.hf} at {p.target}"]
    lines.append(f"  serving:   {_serving(p.served)}")
    dirty = ", with uncommitted changes" if release.dirty else ""
    lines.append(f"  deploying: generated/{release.hf}/ at commit {_commit(release.commit)}{dirty}")
    lines.extend(f"  note: {n}" for n in notes)
    if p.empty:
        lines.append(f"Nothing to deploy: {p.target} already serves these {p.unchanged} file(s).")
        return "\n".join(lines) + "\n"
    width = max(len(c.kind) for c in p.changes)
    lines.extend(f"  {c.kind:<{width}}  {c.path}" for c in p.changes)
    if p.agreements:
        lines.append("  agreements whose state changes:")
        lines.extend(f"    {a}" for a in p.agreements)
    n = _counts(p.changes)
    lines.append(f"{n['add']} to add, {n['change']} to change, {n['remove']} to remove, {p.unchanged} unchanged.")
    return "\n".join(lines) + "\n"


def dry_run() -> str:
    return "Dry run: nothing was changed. Run again with --apply to deploy.\n"


def applied(a: Applied, release: Release, *, notes: list[str]) -> str:
    text = plan(a.plan, release, notes=[*notes, *a.notes])
    if a.release is None:
        return text + "No new release: the target is unchanged.\n"
    n = _counts(a.plan.changes)
    text += (
        f"Deployed release {a.release} to {a.plan.target} (commit {_commit(release.commit)}): "
        f"{n['add']} added, {n['change']} changed, {n['remove']} removed; current now names it.\n"
    )
    if a.removed:
        text += f"Removed release(s) no longer kept: {', '.join(a.removed)}\n"
    return text


def drift(hf: str, d: Drift) -> str:
    if d.clean:
        return (
            f"{hf}: {d.target} serves generated/{hf}/ exactly: "
            f"{len(d.served.files)} file(s), release {_serving(d.served)}\n"
        )
    lines = [
        f"{hf}: {d.target} serving {_serving(d.served)} differs from generated/{hf}/ in {len(d.differences)} file(s):"
    ]
    width = max(len(_DRIFT_WORD[c.kind]) for c in d.differences)
    lines.extend(f"  {_DRIFT_WORD[c.kind]:<{width}}  {c.path}  ({_DRIFT_NOTE[c.kind]})" for c in d.differences)
    return "\n".join(lines) + "\n"


def rolled_back(hf: str, target: str, r: RolledBack) -> str:
    return f"Rolled back {hf} at {target}: now serving {describe_release(r.release, r.manifest)}; was {r.previous}.\n"
