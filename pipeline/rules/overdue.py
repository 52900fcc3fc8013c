"""What is overdue on a day, said once: the timeline (``pipeline.routine.timeline``) decides, and
``status``, ``timeline`` and ``validate`` all report what it decided.

A step's rule says in its own words what is late about its step (R-K5: which HF has not sent to
which party, ...). Where it has said nothing about a milestone the timeline calls overdue, the
rule of that step reports it here, as a warning on the kommune's status line: so ``validate
--today D`` and ``status --today D`` never disagree about what is late on day D.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pipeline.findings import Finding, Severity
from pipeline.i18n import N_, _
from pipeline.model.declarations import KommuneDecl
from pipeline.routine import timeline
from pipeline.rules.rule import Context, Rule

OVERDUE = N_("overdue")  # how a finding about a late milestone begins (in the language in force)

# What to do about a late milestone, by step ({n}: the kommunenummer).
FIX = {
    "K2": N_(
        "send the order ('oppkobling order {n}') and record it ('oppkobling record {n} order --sent-on YYYY-MM-DD')"
    ),
    "K3": N_("publish the parties in NHN AR and record it ('oppkobling record {n} ar --her-id N --on YYYY-MM-DD')"),
    "K5": N_("import the test messages' receipts ('oppkobling receipts import'), or agree a new T (back to ordered)"),
    "K6": N_("import the test dialog's answers ('oppkobling receipts import'), or agree a new T"),
    "H5": N_("activate once verified ('oppkobling record {n} status active'), or agree a new T"),
}

# (declaration path, step id) -> the kommune and its overdue timeline entry
Late = Mapping[tuple[str, str], tuple[KommuneDecl, timeline.Entry]]


def milestones(ctx: Context) -> Late:
    """Every milestone the timeline calls overdue on ``ctx.today``, by file and step."""
    found: dict[tuple[str, str], tuple[KommuneDecl, timeline.Entry]] = {}
    for k in ctx.declarations.kommuner:
        # A state's reason never rests on the evidence lines or on what AR holds (K3's detail).
        for entry in timeline.overdue(timeline.states(k.model, ctx.today, lines=False)):
            found[(k.path, entry.milestone.step.id)] = (k, entry)
    return found


def says_late(f: Finding) -> bool:
    """A finding that already tells the person the step is late (or worse)."""
    return f.severity is Severity.ERROR or f.message.startswith((OVERDUE, _(OVERDUE)))


def unreported(r: Rule, ctx: Context, late: Late, own: list[Finding]) -> Iterator[Finding]:
    if r.step is None or r.step.milestone is None:
        return
    for (path, step), (k, entry) in sorted(late.items(), key=lambda item: item[0]):
        if step != r.step.id or any(f.file == path and says_late(f) for f in own):
            continue
        m = entry.milestone
        fix = _(FIX[step]).replace("{n}", k.model.kommune) if step in FIX else ""
        said = _("overdue: {step} {title}: {reason}").format(
            step=m.step.label, title=_(m.step.title), reason=entry.reason
        )
        yield r.warning(k.at("status"), said + (f"; {fix}" if fix else ""))
