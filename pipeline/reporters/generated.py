"""What ``check``, ``build`` and ``generate`` say about generated/ beside the findings: on stderr
the warnings and the render's notes, on stdout what was written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline import layout
from pipeline.i18n import _

if TYPE_CHECKING:
    from pipeline.app.build import Built
    from pipeline.app.check import Checked


def _said(skipped: str | None, notes: list[str]) -> str:
    text = _("oppkobling: warning: {skipped}\n").format(skipped=skipped) if skipped else ""
    return text + "".join(_("oppkobling: note: {note}\n").format(note=note) for note in notes)


def checked(c: Checked) -> str:
    from pipeline.app.check import NOT_COMPARED

    return _said(c.skipped, c.notes) + (
        ""
        if c.compared
        else _("oppkobling: {NOT_COMPARED}\n").format(NOT_COMPARED=_(NOT_COMPARED).format(generated=layout.GENERATED))
    )


def built(b: Built) -> str:
    if b.summary is None:
        return _("oppkobling: {refusal}\n").format(refusal=b.refusal)
    return _said(b.skipped, b.notes)


def written(b: Built) -> str:
    return "" if b.summary is None else b.summary.line() + "\n"
