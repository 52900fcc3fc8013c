"""What ``ar sync`` and ``ar import`` did, as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pipeline import layout
from pipeline.i18n import N_, _, terms

if TYPE_CHECKING:
    from pipeline.ar.mirror import Outcome

NEXT = N_(
    "{ar_dir}/ changed: run 'oppkobling build' (the agreements carry AR's certificates), then open a pull request"
)


def _lines(o: Outcome) -> list[str]:
    from pipeline.ar.paths import Entry, Kind

    lines = [_("wrote {p}").format(p=p) for p in o.written] + [_("removed {p}").format(p=p) for p in o.removed]
    for her_id in o.not_in_ar:
        lines.append(
            _(
                "{path}: warning: HER-id {her_id} is not in NHN's AR (404): the snapshot holds "
                "nothing for it now, and R-K3 reports that"
            ).format(path=Entry(her_id, Kind.PARTY).path, her_id=her_id)
        )
    for entry in o.without_certificate:
        lines.append(
            _(
                "{path}: warning: HER-id {her_id} has no {kind} certificate in AR (404): its "
                "agreements are incomplete drafts until it has"
            ).format(path=entry.path, her_id=entry.her_id, kind=terms.certificate(entry.kind))
        )
    for problem in o.problems:
        lines.append(_("{problem}: refused").format(problem=problem))
    return lines


def text(o: Outcome, asked: str) -> str:
    lines = [f"{asked}:", *(f"  {line}" for line in _lines(o))]
    if o.problems:
        lines.append(_("nothing written: {n} file(s) refused").format(n=len(o.problems)))
    else:
        lines.append(
            _("{n} written, {n2} removed, {n3} unchanged").format(
                n=len(o.written), n2=len(o.removed), n3=len(o.unchanged)
            )
        )
        if o.changed:
            lines.append(_(NEXT).format(ar_dir=layout.AR_DIR))
    return "\n".join(lines) + "\n"


def as_json(o: Outcome, asked: str) -> str:
    doc: dict[str, Any] = {
        "asked": asked,
        "written": list(o.written),
        "removed": list(o.removed),
        "unchanged": list(o.unchanged),
        "not_in_ar": list(o.not_in_ar),
        "without_certificate": [
            {"her_id": e.her_id, "kind": str(e.kind), "file": e.path} for e in o.without_certificate
        ],
        "refused": [{"file": p.path, "line": p.line, "column": p.column, "message": p.message} for p in o.problems],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


FORMATS: dict[str, Callable[[Outcome, str], str]] = {"text": text, "json": as_json}
