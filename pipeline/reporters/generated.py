"""What ``check``, ``build`` and ``generate`` say about generated/ beside the findings: on stderr
the warnings and the render's notes, on stdout what was written."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.app.build import Built
    from pipeline.app.check import Checked


def _said(skipped: str | None, notes: list[str]) -> str:
    text = f"oppkobling: warning: {skipped}\n" if skipped else ""
    return text + "".join(f"oppkobling: note: {note}\n" for note in notes)


def checked(c: Checked) -> str:
    from pipeline.app.check import NOT_COMPARED

    return _said(c.skipped, c.notes) + ("" if c.compared else f"oppkobling: {NOT_COMPARED}\n")


def built(b: Built) -> str:
    if b.summary is None:
        return f"oppkobling: {b.refusal}\n"
    return _said(b.skipped, b.notes)


def written(b: Built) -> str:
    return "" if b.summary is None else b.summary.line() + "\n"
