"""R-K1 (K1, H1): the activation date T is agreed with Hemit, recorded with the day it was agreed,
and a Norwegian working day (the test dialog is sent and answered at 09:00 that day)."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.model.declarations import KommuneDecl
from pipeline.model.models import Status
from pipeline.routine import calendar
from pipeline.routine.steps import K1, K5
from pipeline.rules.rule import Context, Rule


def _late_additions(r: Rule, k: KommuneDecl) -> Iterator[Finding]:
    """A late addition's own T (``pipeline.routine.lifecycle``): agreed, not before it joined, a working day."""
    for i, party in enumerate(k.model.parties):
        for n, join in enumerate(party.joined):
            where = ("parties", i, "joined", n, "activation")
            t, agreed = join.activation.date, join.activation.agreed_on
            if t is None:
                yield r.error(k.at(*where), _("no activation date for this late addition: agree its own T with Hemit"))
                continue
            if agreed is None:
                yield r.error(k.at(*where, "date"), _("agreed_on is missing: when was this T agreed with Hemit?"))
            elif agreed > t:
                yield r.error(
                    k.at(*where, "agreed_on"),
                    _("agreed on {agreed}, after the activation date").format(agreed=agreed.isoformat()),
                )
            if t < join.on:
                yield r.error(
                    k.at(*where, "date"), _("activation date {t} is before the day it joined").format(t=t.isoformat())
                )
            reason = calendar.why_not_working_day(t)
            if reason:
                yield r.error(
                    k.at(*where, "date"),
                    _("activation date must be a Norwegian working day: {reason}").format(reason=reason),
                )


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        yield from _late_additions(r, k)
        m = k.model
        if m.status is Status.WITHDRAWN and m.t is None:
            continue
        if m.activation is None or m.activation.date is None:
            where = k.at("activation") if m.activation else k.at("status")
            yield r.error(
                where,
                _(
                    "no activation date: agree T with Hemit and record it ('oppkobling record {n} activation --date T')"
                ).format(n=m.kommune),
            )
            continue
        t = m.activation.date
        if m.activation.agreed_on is None:
            yield r.error(
                k.at("activation", "date"),
                _("activation.agreed_on is missing: when was T agreed with Hemit? Record it with --agreed-on"),
            )
        elif m.activation.agreed_on > t:
            yield r.error(
                k.at("activation", "agreed_on"),
                _("agreed on {agreed}, after the activation date {t}: T is agreed before it comes").format(
                    agreed=m.activation.agreed_on.isoformat(), t=t.isoformat()
                ),
            )
        reason = calendar.why_not_working_day(t)
        if reason:
            yield r.error(
                k.at("activation", "date"),
                _(
                    "activation date must be a Norwegian working day (the test dialog is sent and answered at "
                    "09:00 that day): {reason}; agree another T with Hemit"
                ).format(reason=reason),
            )
        test_day = calendar.pretest_day(t)
        holiday = calendar.holiday_name(test_day)
        if holiday:
            yield r.warning(
                k.at("activation", "date"),
                _(
                    "the test day {when} ({day}) is a public holiday ({holiday}): "
                    "agree with Hemit when the test messages go out"
                ).format(when=K5.when, day=test_day.isoformat(), holiday=holiday),
            )


RULE = Rule("R-K1", check, step=K1)
