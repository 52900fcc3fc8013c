"""R-K6 (K6, H4): each HF's test dialogmelding is sent at 09:00 Europe/Oslo on T and answered;
the latest attempt decides (an earlier one was for an earlier T). A rejected AppRec for the
dialog is explained like the pretest's (R-H2). An active kommune has it recorded for every HF
and party."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.model.models import HF_KEYS, Status
from pipeline.routine import calendar, evidence, lifecycle
from pipeline.routine.calendar import OSLO
from pipeline.routine.steps import K6
from pipeline.rules.h2_pretest_receipts import explained
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        t = m.t
        by_her = {str(p.her_id): p for p in m.parties}
        for hf, parties in m.tests.items():
            for her, ev in parties.items():
                attempts = evidence.for_t(m, ev.dialogs)
                if not attempts:
                    continue
                index, dialog = attempts[-1]
                path = ("tests", hf, her, *evidence.where(ev, evidence.DIALOG, index))
                yield from explained(r, k, dialog, path, m.status is Status.ACTIVE)
                party = by_her.get(her)
                days = lifecycle.activation_dates(m, party) if party else ({t} if t else set())
                if dialog.sent_at and dialog.answered_at and dialog.answered_at <= dialog.sent_at:
                    yield r.error(
                        k.at(*path, "answered_at"),
                        _("the dialog is recorded as answered before it was sent"),
                    )
                if dialog.answered_at and not dialog.sent_at:
                    yield r.error(k.at(*path, "answered_at"), _("answered_at without sent_at"))
                if dialog.sent_at and days:
                    local = dialog.sent_at.astimezone(OSLO)
                    due = calendar.dialog_at(local.date() if local.date() in days else min(days))
                    if local.date() not in days:
                        on = ", ".join(sorted(d.isoformat() for d in days))
                        yield r.error(
                            k.at(*path, "sent_at"),
                            _("test dialog sent {date}, not on the activation date {on}").format(
                                date=local.date().isoformat(), on=on
                            ),
                        )
                    elif local.time() != due.time():
                        yield r.warning(
                            k.at(*path, "sent_at"),
                            _("test dialog sent at {strftime} Europe/Oslo; the routine says {strftime2}").format(
                                strftime=local.strftime("%H:%M"), strftime2=due.strftime("%H:%M")
                            ),
                        )
        if m.status is not Status.ACTIVE:
            continue
        for hf, party in evidence.pairs(m, HF_KEYS):
            if not evidence.dialog_verified(m, hf, party, days=lifecycle.dialog_days(m, party)):
                yield r.error(
                    k.at("status"),
                    _(
                        "cannot be active: no test dialog from {hf} to party {her_id} recorded as sent "
                        "on T and answered"
                    ).format(hf=hf, her_id=party.her_id),
                )


RULE = Rule("R-K6", check, step=K6)
