"""``deploy``, ``rollback`` and ``drift``: an HF's generated configs on its message server.

A deploy ships ``generated/<hf>/`` of the work tree but its incomplete drafts (an agreement with
a party that has no certificate in AR yet: the partner index says so; they are named in the
report), and refuses when the declarations have
errors, when generated/ is not what they generate (the one judgement of
``pipeline.io.generated_tree``), or, to apply, when the work tree has uncommitted changes.
``drift`` compares each target with what the declarations generate for its HF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import layout
from pipeline.app import loading, rendering, targets
from pipeline.app.targets import Access
from pipeline.changes import Kind
from pipeline.deploy import engine
from pipeline.deploy.engine import Applied, Drift, Preview, Release, RolledBack
from pipeline.errors import DeployError, UsageError
from pipeline.findings import Finding, Severity
from pipeline.i18n import N_, _
from pipeline.io import generated_tree, git

_PROBLEM = {
    Kind.ADDED: N_("missing"),
    Kind.CHANGED: N_("differs from what the declarations generate"),
    Kind.REMOVED: N_("not written by the pipeline"),
}


class DeclarationErrors(DeployError):
    """The declarations have errors: nothing is deployed from them."""

    def __init__(self, errors: list[Finding]) -> None:
        super().__init__(
            f"refusing to deploy: the declarations have {len(errors)} error(s) (see 'oppkobling validate')"
        )
        self.errors = errors


@dataclass(frozen=True)
class Deployed:
    release: Release
    notes: list[str]
    preview: Preview | None = None  # a dry run
    applied: Applied | None = None  # --apply


def _loaded_without_errors(root: Path, today: dt.date) -> loading.Loaded:
    loaded = loading.load(root, today=today)
    errors = [f for f in loaded.findings if f.severity is Severity.ERROR]
    if errors:
        raise DeclarationErrors(errors)
    return loaded


def expected(root: Path, loaded: loading.Loaded) -> dict[str, str]:
    """What generated/ must hold, path -> sha256 (no schema validation: check's and build's job)."""
    try:
        # Not through the cache: a deploy writes nothing into the work tree it ships.
        return rendering.expected(root, lambda: loaded, None, cached=False).hashes
    except (DeployError, UsageError):
        raise
    except Exception as exc:  # a generator bug must stop the deploy, with its message
        raise DeployError(
            _("cannot regenerate to check that {GENERATED}/ is fresh: {exc}").format(
                GENERATED=layout.GENERATED, exc=exc
            )
        ) from exc


def stale(root: Path, loaded: loading.Loaded) -> list[str]:
    """Why generated/ is not what the declarations generate, one line per file (empty: fresh)."""
    changes, __ = generated_tree.differences(root, expected(root, loaded))
    ordered = [c for c in changes if c.kind is not Kind.REMOVED] + [c for c in changes if c.kind is Kind.REMOVED]
    return [f"{layout.printable(layout.in_generated(c.path))}: {_(_PROBLEM[c.kind])}" for c in ordered]


def shippable(loaded: loading.Loaded, hf: str, files: dict[str, bytes]) -> tuple[dict[str, bytes], list[str]]:
    """``files`` of ``generated/<hf>/`` without the incomplete drafts (a party without a
    certificate in AR), and a note for each one left out."""
    from pipeline.agreements.agreement import drafts

    left_out = drafts(loaded.declarations, hf)
    notes = [
        _("not shipped: {path} is an incomplete draft ({join})").format(path=path, join="; ".join(why))
        for path, why in left_out.items()
    ]
    return {p: b for p, b in files.items() if p not in left_out}, notes


def _commit(root: Path) -> tuple[str | None, tuple[str, ...], str | None]:
    """The commit a deploy ships, the uncommitted changes, and why git could not say."""
    try:
        return git.head(root), git.uncommitted(root), None
    except git.GitError:
        return None, (), _("{root} is not a git work tree with a commit").format(root=root)


def deploy(
    root: Path,
    *,
    hf: str,
    target: str | None,
    access: Access,
    today: dt.date,
    apply: bool = False,
    allow_dirty: bool = False,
    break_lock: bool = False,
    now: dt.datetime,
) -> Deployed:
    loaded = _loaded_without_errors(root, today)
    spec, keep = targets.resolve(loaded.declarations, hf, target, root)
    problems = stale(root, loaded)
    if problems:
        listing = "\n  ".join(problems)
        raise DeployError(
            _(
                "refusing to deploy: {GENERATED}/ is not what the declarations generate (run "
                "'oppkobling build' and commit):\n  {listing}"
            ).format(GENERATED=layout.GENERATED, listing=listing)
        )
    commit, uncommitted, problem = _commit(root)
    dirty = bool(uncommitted) or problem is not None
    notes: list[str] = []
    if dirty:
        why = problem or _("the work tree has {n} uncommitted change(s)").format(n=len(uncommitted))
        if apply and not allow_dirty:
            raise DeployError(_("refusing to deploy: {why}; commit first, or pass --allow-dirty").format(why=why))
        notes.append(why + ("" if allow_dirty else _("; --apply will refuse without --allow-dirty")))
    files, left_out = shippable(loaded, hf, generated_tree.read_hf(root, hf))
    notes.extend(left_out)
    release = Release(hf, files, commit, dirty)
    lock = targets.locking("deploy", hf, target, root, now)
    with targets.opened(spec, access, root) as served:
        if break_lock:
            notes.append(engine.break_lock(served) or _("no lock to break"))
        if apply:
            done = engine.apply(served, release, keep=keep, who=lock.info.owner, locking=lock, now=now)
            return Deployed(release, notes, applied=done)
        status = engine.lock_status(served, lock, now)
        return Deployed(release, [*notes, *([status] if status else [])], preview=engine.preview(served, release))


@dataclass(frozen=True)
class RollBack:
    hf: str
    target: str
    result: RolledBack
    notes: list[str] = field(default_factory=list)


def rollback(
    root: Path,
    *,
    hf: str,
    target: str | None,
    access: Access,
    today: dt.date,
    break_lock: bool = False,
    now: dt.datetime,
    on_note: Callable[[str], None] = lambda note: None,
) -> RollBack:
    """Serve the release before the current one again. ``on_note`` hears at once what was done
    before the switch (a lock broken), so it is said even when the rollback then fails."""
    loaded = loading.load(root, today=today)
    spec, __ = targets.resolve(loaded.declarations, hf, target, root)
    lock = targets.locking("rollback", hf, target, root, now)
    with targets.opened(spec, access, root) as served:
        if break_lock:
            on_note(engine.break_lock(served) or "no lock to break")
        return RollBack(hf, served.description, engine.rollback(served, locking=lock, now=now))


def drift(
    root: Path, *, hf: str | None, target: str | None, access: Access, today: dt.date
) -> Iterator[tuple[str, Drift]]:
    """Each HF's target (or the one named) against what the declarations generate for it, one
    at a time."""
    from pipeline.agreements.agreement import drafts

    loaded = loading.load(root, today=today)
    decls = loaded.declarations
    if hf is not None:
        keys = [hf]
    elif target is not None:
        raise UsageError(_("--target names one HF's target: pass --hf KEY with it"))
    else:
        keys = targets.declared(decls)
        if not keys:
            raise UsageError(_("no helseforetak declares deploy.target: pass --hf KEY --target TARGET"))
    generated: dict[str, str] | None = None
    for key in keys:
        spec, __ = targets.resolve(decls, key, target, root)
        generated = generated if generated is not None else expected(root, loaded)
        prefix = f"{key}/"
        wanted = {p.removeprefix(prefix): sha for p, sha in generated.items() if p.startswith(prefix)}
        for draft in drafts(decls, key):  # never deployed, so not expected there
            wanted.pop(draft, None)
        if not wanted:
            raise DeployError(
                _("nothing generated for {key}: the declarations generate no {in_generated}/").format(
                    key=key, in_generated=layout.in_generated(key)
                )
            )
        with targets.opened(spec, access, root) as served:
            yield key, engine.drift(served, wanted)
