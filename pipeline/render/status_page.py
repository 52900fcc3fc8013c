"""The ``status`` generator: ``STATUS.md`` and ``status.html``, every kommune with its status, T,
milestones and partner agreements.

They must not depend on the day they are built: they list status, T, each milestone's date and
whether the declaration records it as done, the agreement state per HF and party
(``pipeline.agreements``; ``incomplete`` for a draft) and what AR holds of each party (valid from
and to, certificates and their expiry: ``pipeline.ar.state``); ``oppkobling status`` is the view for a given day
(``pipeline.routine.board``). The HTML page has no external assets (inline CSS, an inline SVG
chart of every onboarding by month) so a coordinator can open it straight from a checkout.
Templates are in ``pipeline/templates``, rendered by ``pipeline.render.templates``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import markupsafe

from pipeline import i18n, layout
from pipeline.agreements.agreement import collect
from pipeline.agreements.states import AgreementState, agreement_state, has_agreement
from pipeline.ar.snapshot import Snapshot
from pipeline.ar.state import party_state
from pipeline.i18n import N_, _
from pipeline.model.declarations import DeclarationSet, HfDecl, KommuneDecl
from pipeline.model.models import HF_KEYS, Status
from pipeline.render import templates
from pipeline.render.context import RenderContext, generated_by
from pipeline.routine import timeline
from pipeline.routine.steps import K2, K3, K5, K6, MILESTONES, TITLE

NO_AGREEMENT = N_("no agreement yet")
MONTHS = ("jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des")


@dataclass(frozen=True)
class MilestoneView:
    step: str
    title: str
    day: str
    done: bool
    progress: str = ""  # "2 of 3" while only some HF-party pairs (or parties) are done


@dataclass(frozen=True)
class AgreementRow:
    her_id: int
    party: str
    states: tuple[str, ...]  # one per HF, in HF order
    ar: str  # what NHN's address register holds of the party (validity, certificates)


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
    return m.date.isoformat() if m.date else _("not set")


def _milestone_view(m: timeline.Milestone) -> MilestoneView:
    progress = ""
    if m.progress is not None and m.partly_done:
        progress = _("{done} of {parts}").format(done=m.progress[0], parts=m.progress[1])
    return MilestoneView(m.step.label, m.step.title, _day(m), m.done, progress)


def _agreements(
    k: KommuneDecl, generated: dict[tuple[str, int], AgreementState], ar: Snapshot
) -> tuple[AgreementRow, ...]:
    """Each party's agreement per HF: the generated one's state (``incomplete`` for a draft), else
    the state its status gives (a party that gets no agreement yet)."""
    m = k.model
    rows = []
    for party in m.parties:
        if has_agreement(m):
            states = tuple(generated.get((hf, party.her_id), agreement_state(m, hf, party)).value for hf in HF_KEYS)
        else:
            states = (_(NO_AGREEMENT),) * len(HF_KEYS)
        rows.append(AgreementRow(party.her_id, party.name, states, party_state(ar, party.her_id).describe()))
    return tuple(rows)


def _ordered(declarations: DeclarationSet) -> list[KommuneDecl]:
    return sorted(declarations.kommuner, key=lambda k: (k.model.kommune, k.path))


def views(declarations: DeclarationSet) -> list[KommuneView]:
    result = []
    snapshot = declarations.ar.snapshot
    generated = {(a.hf.key, a.party.her_id): a.state for a in collect(declarations)}
    for k in _ordered(declarations):
        m = k.model
        result.append(
            KommuneView(
                number=m.kommune,
                name=m.name,
                status=m.status.value,
                paused_from=m.paused_from.value if m.status is Status.PAUSED and m.paused_from else None,
                t=m.t.isoformat() if m.t else _("not agreed"),
                path=k.path,
                milestones=tuple(_milestone_view(ms) for ms in timeline.milestones(m, snapshot)),
                agreements=_agreements(k, generated, snapshot),
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


@dataclass(frozen=True)
class Plan:
    """What the chart shows of one kommune with an agreed T: its bar from ``start`` to ``t`` and
    its markers (day, kind, title), placed once the span of every plan is known."""

    kommune: str
    start: str
    t: str
    label: str
    status: str
    title: str
    markers: tuple[tuple[str, str, str], ...]


def plan(k: KommuneDecl) -> Plan | None:
    """One kommune's bar, from the day T was agreed (or the order) to T; None without a T."""
    m = k.model
    if m.t is None:
        return None
    t = m.t
    agreed = m.activation.agreed_on if m.activation else None
    sent = m.order.sent_on if m.order else None
    start = min(d for d in (agreed, sent, t) if d is not None)
    markers: list[tuple[str, str, str]] = []
    for ms in timeline.milestones(m):
        if ms.step is K2 and ms.done_on:
            markers.append(
                (ms.done_on.isoformat(), "order", _("K2 order sent {day}").format(day=ms.done_on.isoformat()))
            )
        elif ms.step is K3 and ms.due:
            title = _("K3 AR deadline ({when}) {day}").format(when=K3.when, day=ms.due.isoformat())
            markers.append((ms.due.isoformat(), "deadline", title))
        elif ms.step is K5 and ms.due:
            title = _("{step} test epikrise/lab ({when}) {day}").format(
                step=K5.label, when=K5.when, day=ms.due.isoformat()
            )
            markers.append((ms.due.isoformat(), "pretest", title))
        elif ms.step is K6 and ms.at:
            title = _("T {day}: test dialog, activation").format(day=timeline.describe_day(ms))
            markers.append((t.isoformat(), "t", title))
    return Plan(
        kommune=m.kommune,
        start=start.isoformat(),
        t=t.isoformat(),
        label=f"{m.kommune} {m.name}",
        status=m.status.value,
        title=f"{m.name} ({m.kommune}), {m.status}: {start.isoformat()} → T {t.isoformat()}",
        markers=tuple(markers),
    )


def chart(declarations: DeclarationSet) -> Chart:
    """One bar per kommune with an agreed T, from the day T was agreed (or the order) to T."""
    return chart_of([p for k in _ordered(declarations) if (p := plan(k)) is not None])


def chart_of(plans: list[Plan]) -> Chart:
    plans = sorted(plans, key=lambda p: (p.t, p.kommune))
    if not plans:
        return Chart(CHART_WIDTH, CHART_TOP + ROW_HEIGHT, CHART_LEFT, CHART_TOP, ())
    day = dt.date.fromisoformat
    first = min(day(p.start) for p in plans).replace(day=1)
    last_month = max(day(p.t) for p in plans).replace(day=1)
    end = last_month.replace(year=last_month.year + 1, month=1) if last_month.month == 12 else None
    end = end or last_month.replace(month=last_month.month + 1)
    span = (end - first).days
    plot = CHART_WIDTH - CHART_LEFT - CHART_RIGHT

    def x(d: dt.date) -> float:
        return round(CHART_LEFT + plot * (d - first).days / span, 1)

    months = tuple(
        Gridline(x(d), MONTHS[d.month - 1], str(d.year) if d.month == 1 or d == first else "", d.month == 1)
        for d in _month_starts(first, end)
    )
    bars = []
    for i, p in enumerate(plans):
        y = CHART_TOP + i * ROW_HEIGHT
        start, t = day(p.start), day(p.t)
        bars.append(
            Bar(
                label=p.label,
                status=p.status,
                y=y,
                x0=x(start),
                x1=max(x(t), x(start) + 2),
                title=p.title,
                markers=tuple(Marker(x(day(on)), kind, title) for on, kind, title in p.markers),
            )
        )
    height = CHART_TOP + len(bars) * ROW_HEIGHT + 10
    return Chart(CHART_WIDTH, height, CHART_LEFT, CHART_TOP, tuple(bars), months)


@dataclass(frozen=True)
class Rows:
    """One kommune's rows of a page, as that page's row template renders them: its milestones row
    and its partner-agreement rows. A part keeps them as text, so that a join does not render
    every kommune's rows again."""

    milestones: markupsafe.Markup
    agreements: markupsafe.Markup

    @classmethod
    def of(cls, template: str, view: KommuneView, names: list[str]) -> Rows:
        def section(name: str) -> markupsafe.Markup:
            # Rendered by the row template, which escaped every value for its page.
            return markupsafe.Markup(templates.render(template, section=name, k=view, hf_names=names))  # noqa: S704

        return cls(section("milestones"), section("agreements"))


MD_ROWS, HTML_ROWS = "status_rows.md.j2", "status_rows.html.j2"


def render_markdown(declarations: DeclarationSet) -> bytes:
    names = hf_names(declarations)
    return _markdown([Rows.of(MD_ROWS, v, names) for v in views(declarations)], names)


def _markdown(kommuner: list[Rows], names: list[str]) -> bytes:
    text = templates.render(
        "status.md.j2",
        header=generated_by(),
        kommune_dir=layout.KOMMUNER_DIR,
        kommuner=kommuner,
        hf_names=names,
        steps=[s.label for s in MILESTONES],
    )
    return text.encode("utf-8")


def render_html(declarations: DeclarationSet, language: str | None = None) -> bytes:
    names = hf_names(declarations)
    rows = [Rows.of(HTML_ROWS, v, names) for v in views(declarations)]
    return _html(rows, names, chart(declarations), language)


def _html(kommuner: list[Rows], names: list[str], shown: Chart, language: str | None) -> bytes:
    text = templates.render(
        "status.html.j2",
        language=language or i18n.current(),
        header=generated_by(),
        routine=TITLE,
        kommuner=kommuner,
        hf_names=names,
        steps=list(MILESTONES),
        chart=shown,
        statuses=[s.value for s in Status],
    )
    return text.encode("utf-8")


def render(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    with i18n.use(context.language):  # the repository's language, never the person's
        markdown, html = render_markdown(declarations), render_html(declarations, context.language)
    yield layout.STATUS_MD, markdown
    yield layout.STATUS_HTML, html


# --- the same pages from per-kommune parts --------------------------------------------------


def part(declarations: DeclarationSet, context: RenderContext) -> list[Any]:
    """What the pages show of each kommune of the set: where its rows go (kommunenummer, path),
    its bar, and its rows of each page as text (``Rows``), as JSON values (``render`` of a set is
    ``join`` of its kommuner's parts; the rows depend on the HFs' names, which are inputs of the
    part)."""
    with i18n.use(context.language):  # the repository's language, never the person's
        chart_plans = {k.path: plan(k) for k in declarations.kommuner}
        names = hf_names(declarations)
        found = []
        for v in views(declarations):
            md, html = Rows.of(MD_ROWS, v, names), Rows.of(HTML_ROWS, v, names)
            texts = [str(md.milestones), str(md.agreements), str(html.milestones), str(html.agreements)]
            found.append([[v.number, v.path], _plan_dump(chart_plans[v.path]), texts])
        return found


def _plan_dump(p: Plan | None) -> list[Any] | None:
    if p is None:
        return None
    return [p.kommune, p.start, p.t, p.label, p.status, p.title, [list(m) for m in p.markers]]


def _plan_load(row: list[Any]) -> Plan:
    kommune, start, t, label, status, title, markers = row
    return Plan(kommune, start, t, label, status, title, tuple((str(a), str(b), str(c)) for a, b, c in markers))


def join(helseforetak: Sequence[HfDecl], parts: Sequence[Any], context: RenderContext) -> Iterator[tuple[str, bytes]]:
    rows = sorted((row for p in parts for row in p), key=lambda row: (str(row[0][0]), str(row[0][1])))
    # The rows as ``part`` rendered them (escaped there), from this run or the signed cache.
    md = [Rows(*(markupsafe.Markup(text) for text in row[2][:2])) for row in rows]  # noqa: S704
    html = [Rows(*(markupsafe.Markup(text) for text in row[2][2:])) for row in rows]  # noqa: S704
    plans = [_plan_load(p) for _, p, __ in rows if p is not None]
    by_key: dict[str, str] = {}
    for h in helseforetak:
        by_key.setdefault(h.model.key, h.model.name)  # the first, as ``hf_names`` finds it
    names = [by_key.get(key, key) for key in HF_KEYS]
    with i18n.use(context.language):
        markdown = _markdown(md, names)
        page = _html(html, names, chart_of(plans), context.language)
    yield layout.STATUS_MD, markdown
    yield layout.STATUS_HTML, page
