"""``check --trusted-code REF``: the merge gate judged by another revision's rules (the base
branch's), so that a change cannot bring the code that judges it. The trusted code runs in a
process of its own against this work tree (``pipeline.io.trusted_code``); what it says, and its
exit code, are the answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline import layout
from pipeline.app import loading
from pipeline.errors import UsageError
from pipeline.i18n import _
from pipeline.io import git, trusted_code


@dataclass(frozen=True)
class Judged:
    code: int
    out: str
    err: str
    commit: str
    gate_changed: list[str]  # files of the gate that the work tree changes against the trusted code

    @property
    def note(self) -> str:
        said = _("judged by the code of {commit} (--trusted-code), not by this work tree's").format(
            commit=self.commit[:12]
        )
        if not self.gate_changed:
            return said
        return _(
            "{said}; this work tree changes the gate itself ({n} file(s) under {gate}): where it changes "
            "what is generated, L4 says so, and the maintainers review that change"
        ).format(said=said, n=len(self.gate_changed), gate=", ".join(layout.GATE))


def check(
    root: Path,
    *,
    code_ref: str,
    today: dt.date,
    output: str,
    base_ref: str | None = None,
    xsd_dir: Path | None = None,
) -> Judged:
    at = loading.base(root, code_ref)
    assert at is not None
    argv = ["check", "--root", str(root.resolve()), "--today", today.isoformat(), "--format", output]
    if base_ref is not None:
        base = loading.base(root, base_ref)
        assert base is not None
        argv += ["--base", base.commit]
    if xsd_dir is not None:
        argv += ["--xsd-dir", str(xsd_dir.resolve())]
    try:
        changed = git.changed(root, at.commit, layout.GATE)
    except git.GitError as exc:
        raise UsageError(
            _("cannot compare the work tree with '{code_ref}': {message}").format(
                code_ref=code_ref, message=exc.message
            )
        ) from None
    ran = trusted_code.run(root, at.commit, argv)
    return Judged(ran.code, ran.out, ran.err, at.commit, changed)
