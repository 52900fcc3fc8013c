"""The status board: every kommune, its status, T, milestones and partner agreements.

Two views of the same declarations:

- ``board(declarations, today)`` for ``oppkobling status``: next milestone and what is overdue
  on a given day (text, markdown or JSON);
- ``generated/STATUS.md`` and ``generated/status.html``, which must not depend on the day they
  are built: they list status, T, each milestone's date and whether the declaration records it
  as done, and the agreement state per HF and party (``pipeline.agreements.states``). The HTML
  page has no external assets (inline CSS, an inline SVG chart of every onboarding by month)
  so a coordinator can open it straight from a checkout.

Templates are jinja2 in ``pipeline/templates``, in a sandboxed environment: HTML autoescaped,
Markdown escaped by a ``finalize`` hook so no declared name can inject markup.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipeline.agreements.states import agreement_state, has_agreement
from pipeline.generate import HEADER, RenderContext, generator
from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.model.models import HF_KEYS, Status
from pipeline.routine import timeline
from pipeline.routine.steps import K2, K3, K5, K6, MILESTONES

STATUS_MD = "STATUS.md"
STATUS_HTML = "status.html"
NO_AGREEMENT = "no agreement yet"
MONTHS = ("jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des")

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def markdown_text(value: Any) -> str:
    """Text safe inside a Markdown table cell: no markup, no HTML, no cell breaks."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return " ".join(text.split())


def _environment(*, html: bool) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        loader=jinja2.PackageLoader("pipeline", "templates"),
        autoescape=html,
        finalize=None if html else markdown_text,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# --- the day-independent view (generated files) ---------------------------------------------


@dataclass(frozen=True)
class MilestoneView:
    step: str
    title: str
    day: str
    done: bool


@dataclass(frozen=True)
class AgreementRow:
    her_id: int
    party: str
    states: tuple[str, ...]  # one per HF, in HF order


@dataclass(frozen=True)
class KommuneView:
    number: str
    name: str
    status: str
    paused_from: str | None
    t: str
    path: str
    milestones: tuple[MilestoneView, ...]
    agreements: tuple[AgreementRow, ...]
    open_deviations: int


def _day(m: timeline.Milestone) -> str:
    if m.at is not None:
        return m.at.isoformat(sep=" ", timespec="minutes")
    return m.date.isoformat() if m.date else "not set"


def _milestone_view(m: timeline.Milestone) -> MilestoneView:
    return MilestoneView(m.step.label, m.step.title, _day(m), m.done)


def _agreements(k: KommuneDecl) -> tuple[AgreementRow, ...]:
    m = k.model
    rows = []
    for party in m.parties:
        if has_agreement(m):
            states = tuple(agreement_state(m, hf, party).value for hf in HF_KEYS)
        else:
            states = (NO_AGREEMENT,) * len(HF_KEYS)
        rows.append(AgreementRow(party.her_id, party.name, states))
    return tuple(rows)


def _ordered(declarations: DeclarationSet) -> list[KommuneDecl]:
    return sorted(declarations.kommuner, key=lambda k: (k.model.kommune, k.path))


def views(declarations: DeclarationSet) -> list[KommuneView]:
    result = []
    for k in _ordered(declarations):
        m = k.model
        result.append(
            KommuneView(
                number=m.kommune,
                name=m.name,
                status=m.status.value,
                paused_from=m.paused_from.value if m.status is Status.PAUSED and m.paused_from else None,
                t=m.t.isoformat() if m.t else "not agreed",
                path=k.path,
                milestones=tuple(_milestone_view(ms) for ms in timeline.milestones(m)),
                agreements=_agreements(k),
                open_deviations=len(m.open_deviations()),
            )
        )
    return result


def hf_names(declarations: DeclarationSet) -> list[str]:
    names = []
    for key in HF_KEYS:
        hf = declarations.hf(key)
        names.append(hf.model.name if hf else key)
    return names


# --- the chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    x: float
    kind: str  # order | deadline | pretest | t
    title: str


@dataclass(frozen=True)
class Bar:
    label: str
    status: str
    y: float
    x0: float
    x1: float
    title: str
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class Gridline:
    x: float
    label: str
    year: str  # the year, on the first gridline and on each January
    year_start: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    bars: tuple[Bar, ...]
    months: tuple[Gridline, ...] = field(default=())


CHART_WIDTH = 1200
CHART_LEFT = 210
CHART_RIGHT = 20
CHART_TOP = 46
ROW_HEIGHT = 30


def _month_starts(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first.replace(day=1)
    while day <= last:
        yield day
        day = day.replace(year=day.year + 1, month=1) if day.month == 12 else day.replace(month=day.month + 1)


def chart(declarations: DeclarationSet) -> Chart:
    """One bar per kommune with an agreed T, from the day T was agreed (or the order) to T."""
    plans: list[tuple[KommuneDecl, dt.date, dt.date]] = []
    for k in _ordered(declarations):
        m = k.model
        if m.t is None:
            continue
        agreed = m.activation.agreed_on if m.activation else None
        sent = m.order.sent_on if m.order else None
        start = min(d for d in (agreed, sent, m.t) if d is not None)
        plans.append((k, start, m.t))
    plans.sort(key=lambda p: (p[2], p[0].model.kommune))
    if not plans:
        return Chart(CHART_WIDTH, CHART_TOP + ROW_HEIGHT, CHART_LEFT, CHART_TOP, ())
    first = min(p[1] for p in plans).replace(day=1)
    last_month = max(p[2] for p in plans).replace(day=1)
    end = last_month.replace(year=last_month.year + 1, month=1) if last_month.month == 12 else None
    end = end or last_month.replace(month=last_month.month + 1)
    span = (end - first).days
    plot = CHART_WIDTH - CHART_LEFT - CHART_RIGHT

    def x(day: dt.date) -> float:
        return round(CHART_LEFT + plot * (day - first).days / span, 1)

    months = tuple(
        Gridline(x(d), MONTHS[d.month - 1], str(d.year) if d.month == 1 or d == first else "", d.month == 1)
        for d in _month_starts(first, end)
    )
    bars = []
    for i, (k, start, t) in enumerate(plans):
        m = k.model
        y = CHART_TOP + i * ROW_HEIGHT
        markers = []
        for ms in timeline.milestones(m):
            if ms.step is K2 and ms.done_on:
                markers.append(Marker(x(ms.done_on), "order", f"K2 order sent {ms.done_on.isoformat()}"))
            elif ms.step is K3 and ms.due:
                markers.append(Marker(x(ms.due), "deadline", f"K3 AR deadline (T-14) {ms.due.isoformat()}"))
            elif ms.step is K5 and ms.due:
                markers.append(Marker(x(ms.due), "pretest", f"K5/H2 test epikrise/lab (T-7) {ms.due.isoformat()}"))
            elif ms.step is K6 and ms.at:
                markers.append(Marker(x(t), "t", f"T {timeline.describe_day(ms)}: test dialog, activation"))
        bars.append(
            Bar(
                label=f"{m.kommune} {m.name}",
                status=m.status.value,
                y=y,
                x0=x(start),
                x1=max(x(t), x(start) + 2),
                title=f"{m.name} ({m.kommune}), {m.status}: {start.isoformat()} → T {t.isoformat()}",
                markers=tuple(markers),
            )
        )
    height = CHART_TOP + len(bars) * ROW_HEIGHT + 10
    return Chart(CHART_WIDTH, height, CHART_LEFT, CHART_TOP, tuple(bars), months)


def render_markdown(declarations: DeclarationSet) -> bytes:
    template = _environment(html=False).get_template("status.md.j2")
    text = template.render(
        header=HEADER,
        kommuner=views(declarations),
        hf_names=hf_names(declarations),
        steps=[s.label for s in MILESTONES],
    )
    return text.encode("utf-8")


def render_html(declarations: DeclarationSet) -> bytes:
    template = _environment(html=True).get_template("status.html.j2")
    text = template.render(
        header=HEADER,
        kommuner=views(declarations),
        hf_names=hf_names(declarations),
        steps=list(MILESTONES),
        chart=chart(declarations),
        statuses=[s.value for s in Status],
    )
    return text.encode("utf-8")


@generator("status")
def render(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    yield STATUS_MD, render_markdown(declarations)
    yield STATUS_HTML, render_html(declarations)


# --- the day-dependent board (``oppkobling status``) -----------------------------------------


@dataclass(frozen=True)
class Row:
    number: str
    name: str
    status: str
    t: dt.date | None
    next: timeline.Entry | None
    overdue: tuple[timeline.Entry, ...]
    blocked: tuple[timeline.Entry, ...]


def board(declarations: DeclarationSet, today: dt.date) -> list[Row]:
    rows = []
    for k in _ordered(declarations):
        entries = timeline.states(k.model, today)
        rows.append(
            Row(
                number=k.model.kommune,
                name=k.model.name,
                status=k.model.status.value,
                t=k.model.t,
                next=timeline.next_entry(entries),
                overdue=tuple(timeline.overdue(entries)),
                blocked=tuple(e for e in entries if e.state is timeline.State.BLOCKED),
            )
        )
    return rows


def _next_text(e: timeline.Entry | None) -> str:
    if e is None:
        return "nothing left"
    return f"{e.milestone.step.label} {e.milestone.step.title}, {timeline.describe_day(e.milestone)} ({e.state})"


def _steps(entries: Sequence[timeline.Entry]) -> str:
    """``K5/H2, K6/H4: reason``: milestones held up for the same reason are named together."""
    by_reason: dict[str, list[str]] = {}
    for e in entries:
        by_reason.setdefault(e.reason, []).append(e.milestone.step.label)
    return "; ".join(f"{', '.join(steps)} ({reason})" for reason, steps in by_reason.items()) or "-"


def as_text(rows: Sequence[Row], today: dt.date) -> str:
    lines = [f"Onboarding status on {today.isoformat()}: {len(rows)} kommune(r)", ""]
    for r in rows:
        t = r.t.isoformat() if r.t else "not agreed"
        lines.append(f"{r.number} {r.name:<16} {r.status:<9} T {t:<10}  next: {_next_text(r.next)}")
        if r.overdue:
            lines.append(f"{'':5}overdue: {_steps(r.overdue)}")
        if r.blocked:
            lines.append(f"{'':5}blocked: {_steps(r.blocked)}")
    overdue = sum(len(r.overdue) for r in rows)
    lines += ["", f"{overdue} overdue milestone(s), {sum(len(r.blocked) for r in rows)} blocked"]
    return "\n".join(lines) + "\n"


def as_markdown(rows: Sequence[Row], today: dt.date) -> str:
    lines = [
        f"# Onboarding status on {today.isoformat()}",
        "",
        "| Kommune | Status | T | Next milestone | Overdue | Blocked |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [
            f"{r.number} {r.name}",
            r.status,
            r.t.isoformat() if r.t else "not agreed",
            _next_text(r.next),
            _steps(r.overdue),
            _steps(r.blocked),
        ]
        lines.append("| " + " | ".join(markdown_text(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def as_json(rows: Sequence[Row], today: dt.date) -> str:
    doc = {
        "today": today.isoformat(),
        "kommuner": [
            {
                "kommune": r.number,
                "name": r.name,
                "status": r.status,
                "t": r.t.isoformat() if r.t else None,
                "next": r.next.as_dict() if r.next else None,
                "overdue": [e.as_dict() for e in r.overdue],
                "blocked": [e.as_dict() for e in r.blocked],
            }
            for r in rows
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


FORMATS = {"text": as_text, "markdown": as_markdown, "json": as_json}
