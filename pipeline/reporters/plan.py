"""The plan of a pull request as GitHub Markdown (a comment or the job summary) or as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from pipeline import layout
from pipeline.findings import count
from pipeline.i18n import _

if TYPE_CHECKING:
    from pipeline.plan import Plan
    from pipeline.routine.timeline import Milestone

COMMENT_LIMIT = 65_536  # characters in a GitHub comment; the job summary allows 1 MiB
TEMPLATE = "plan.md.j2"


def when(m: Milestone) -> str:
    """The routine's day for a milestone (the deadline, not when it was done)."""
    from pipeline.routine.timeline import describe_day

    if m.at is not None:
        return describe_day(m)
    return m.due.isoformat() if m.due else _("not set")


def markdown(plan: Plan, limit: int = COMMENT_LIMIT) -> str:
    from pipeline.render import templates

    text = templates.render(TEMPLATE, plan=plan, summary=count(plan.findings), when=when, generated=layout.GENERATED)
    return truncate(text, limit)


def truncate(text: str, limit: int) -> str:
    """Keep within ``limit`` characters, cutting at a line and saying so."""
    if len(text) <= limit:
        return text
    note = _(
        "\n\n> **Truncated:** this plan is {n:,} characters; GitHub shows at most "
        "{limit:,} here. Run `oppkobling plan --format json` for all of it.\n"
    ).format(n=len(text), limit=limit)
    cut = text.rfind("\n", 0, limit - len(note))
    return text[: max(cut, 0)] + note


def as_json(plan: Plan, limit: int = COMMENT_LIMIT) -> str:
    """All of it (``limit`` is the Markdown's)."""
    from pipeline.reporters.findings import safe

    doc = plan.as_dict()
    doc["findings"] = [safe(f) for f in plan.findings]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


FORMATS: dict[str, Callable[[Plan, int], str]] = {"markdown": markdown, "json": as_json}
