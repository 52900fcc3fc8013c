"""R-K1...R-K6: the routine's steps on the kommune side ("Kommuner", steps 1-6)."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding, Location
from pipeline.model.ar_snapshot import ArSnapshot
from pipeline.model.catalogue import catalogue
from pipeline.model.declarations import HF_DIR, KommuneDecl
from pipeline.model.models import HF_KEYS, Status
from pipeline.routine import calendar, evidence
from pipeline.rules import Context, Rule, rule

PAST_PLANNED = (Status.ORDERED, Status.TESTING, Status.ACTIVE)


@rule("R-K1", step="K1", quote="Hemit og kommunene blir enige om aktiveringsdato")
def activation_date(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.status is Status.WITHDRAWN and m.t is None:
            continue
        if m.activation is None or m.activation.date is None:
            where = k.at("activation") if m.activation else k.at("status")
            yield r.error(where, "no activation date: agree T with Hemit and record activation.date")
            continue
        t = m.activation.date
        if m.activation.agreed_on is None:
            yield r.error(
                k.at("activation", "date"),
                "activation.agreed_on is missing: when was T agreed with Hemit?",
            )
        elif m.activation.agreed_on > t:
            yield r.error(
                k.at("activation", "agreed_on"),
                f"agreed on {m.activation.agreed_on.isoformat()}, after the activation date {t.isoformat()}",
            )
        reason = calendar.why_not_working_day(t)
        if reason:
            yield r.error(
                k.at("activation", "date"),
                f"activation date must be a Norwegian working day (the test dialog is sent and "
                f"answered at 09:00 that day): {reason}",
            )
        test_day = calendar.pretest_day(t)
        holiday = calendar.holiday_name(test_day)
        if holiday:
            yield r.warning(
                k.at("activation", "date"),
                f"the test day T-7 ({test_day.isoformat()}) is a public holiday ({holiday})",
            )


def _message_findings(r: Rule, ctx: Context, k: KommuneDecl) -> Iterator[Finding]:
    cat = catalogue()
    hfs = {h.model.key: h.model for h in ctx.declarations.helseforetak}
    for i, party in enumerate(k.model.parties):
        if not party.messages:
            yield r.error(
                k.at("parties", i, "name"),
                f"party {party.her_id} declares no message types; the order settles types and versions",
            )
        for mtype, version in party.messages.items():
            where = k.at("parties", i, "messages", mtype)
            if mtype not in cat.types:
                known = ", ".join(sorted(cat.types))
                yield r.error(
                    k.at("parties", i, "messages", mtype, key=True),
                    f"unknown message type '{mtype}' (known: {known})",
                )
                continue
            if version not in cat.types[mtype].versions:
                known = ", ".join(sorted(cat.types[mtype].versions))
                yield r.error(where, f"{mtype} has no version {version} (known: {known})")
                continue
            lacking = sorted(hf.name for key, hf in hfs.items() if version not in hf.supports.get(mtype, []))
            # A withdrawn kommune is history: an HF dropping a version later must not fail it.
            if lacking and k.model.status is not Status.WITHDRAWN:
                yield r.error(
                    where,
                    f"{mtype} {version} is not supported by {', '.join(lacking)}; "
                    "every HF must support the ordered version",
                )


@rule(
    "R-K2",
    step="K2",
    quote="Kommunen sender bestilling til Hemit (meldingstyper og versjon avklares i bestillingen)",
)
def order(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        stage = evidence.stage(m)
        if stage in PAST_PLANNED:
            if m.order is None or m.order.sent_on is None:
                where = k.at("order") if m.order else k.at("status")
                yield r.error(where, f"status '{m.status}' requires order.sent_on (the order to Hemit)")
            if not m.parties:
                yield r.error(k.at("status"), f"status '{m.status}' requires at least one communication party")
        yield from _message_findings(r, ctx, k)
        if m.order and m.order.sent_on and m.t:
            deadline = calendar.order_deadline(m.t)
            if m.order.sent_on > deadline:
                yield r.warning(
                    k.at("order", "sent_on"),
                    f"order sent {m.order.sent_on.isoformat()}, later than T-14 ({deadline.isoformat()}): "
                    "too little lead time",
                )


@rule(
    "R-K3",
    step="K3",
    quote="Kommunene skal publisere kommunikasjonsparten(e) i NHN AR innen 2 uker før meldingsutvekslingen aktiveres",
)
def ar_published(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.t is None or m.status is Status.WITHDRAWN:
            continue
        deadline = calendar.ar_deadline(m.t)
        late_stage = evidence.stage(m) in (Status.TESTING, Status.ACTIVE)
        for i, party in enumerate(m.parties):
            if ctx.ar is not None:
                yield from _against_snapshot(r, ctx.ar, k, i)
            if party.ar_published_on is not None:
                if party.ar_published_on > deadline:
                    yield r.error(
                        k.at("parties", i, "ar_published_on"),
                        f"published in AR {party.ar_published_on.isoformat()}, after the deadline T-14 "
                        f"({deadline.isoformat()})",
                    )
                continue
            where = k.at("parties", i, "her_id")
            if late_stage:
                yield r.error(
                    where,
                    f"party {party.her_id} is not published in AR; status '{m.status}' requires it "
                    f"(deadline {deadline.isoformat()})",
                )
            elif ctx.today > deadline:
                yield r.error(
                    where,
                    f"party {party.her_id} was not published in AR by T-14 ({deadline.isoformat()})",
                )
            else:
                yield r.warning(where, f"party {party.her_id}: publish in AR by {deadline.isoformat()} (T-14)")


def _against_snapshot(r: Rule, ar: ArSnapshot, k: KommuneDecl, i: int) -> Iterator[Finding]:
    """The party as NHN's address register knows it: present, valid on T, the kommune's own."""
    party, t = k.model.parties[i], k.model.t
    where = k.at("parties", i, "her_id")
    entry = ar.find(party.her_id)
    exported = f" (AR snapshot of {ar.exported_on.isoformat()})" if ar.exported_on else " (AR snapshot)"
    if entry is None:
        if party.ar_published_on is not None:
            yield r.error(where, f"HER-id {party.her_id} is recorded as published but is not in AR{exported}")
        return
    if t is not None and not entry.valid_on(t):
        span = f"{entry.valid_from or '…'} to {entry.valid_to or '…'}"
        yield r.error(where, f"HER-id {party.her_id} is not valid in AR on T {t.isoformat()} (valid {span}){exported}")
    if entry.parent_org_number and entry.parent_org_number != k.model.org_number:
        yield r.error(
            where,
            f"HER-id {party.her_id} belongs to organisation {entry.parent_org_number} in AR, "
            f"not {k.model.org_number}{exported}",
        )
    if party.ar_published_on is None:
        since = f" since {entry.valid_from.isoformat()}" if entry.valid_from else ""
        yield r.warning(
            k.at("parties", i, "her_id"),
            f"HER-id {party.her_id} is in AR{since}: record parties[{i}].ar_published_on{exported}",
        )


@rule(
    "R-K4",
    step="K4",
    quote="Partneravtale(r) i meldingstjeneren opprettes med alle 3 helseforetak i Midt",
)
def all_three_hfs(r: Rule, ctx: Context) -> Iterator[Finding]:
    declared = {h.model.key: h for h in ctx.declarations.helseforetak}
    for key in HF_KEYS:
        if key not in declared:
            yield r.error(
                Location(f"{HF_DIR}/{key}.yaml"),
                f"helseforetak '{key}' is not declared; agreements are made with all three HFs",
            )
    for key, h in sorted(declared.items()):
        if key not in HF_KEYS:
            yield r.error(
                h.at("key"),
                f"'{key}' is not one of the three HFs in Midt-Norge ({', '.join(HF_KEYS)})",
            )
    for k in ctx.declarations.kommuner:
        for hf in k.model.tests:
            if hf not in HF_KEYS:
                yield r.error(
                    k.at("tests", hf, key=True),
                    f"'{hf}' is not one of the three HFs ({', '.join(HF_KEYS)})",
                )
        for i, dev in enumerate(k.model.deviations):
            if dev.hf is not None and dev.hf not in HF_KEYS:
                yield r.error(k.at("deviations", i, "hf"), f"'{dev.hf}' is not one of the three HFs")


@rule(
    "R-K5",
    step="K5",
    quote="Hemit sender testmeldinger 1 uke før aktiveringsdato, epikrise og lab (hvis aktuell) skal ikke besvares",
)
def pretest_on_time(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.t is None:
            continue
        test_day = calendar.pretest_day(m.t)
        for hf, parties in m.tests.items():
            for her, ev in parties.items():
                if ev.pretest and ev.pretest.sent_on and ev.pretest.sent_on != test_day:
                    yield r.warning(
                        k.at("tests", hf, her, "pretest", "sent_on"),
                        f"test messages recorded as sent {ev.pretest.sent_on.isoformat()}, "
                        f"not on T-7 ({test_day.isoformat()})",
                    )
        if m.status is Status.TESTING and ctx.today > test_day:
            for hf, party in evidence.pairs(m, HF_KEYS):
                recorded = m.evidence(hf, party.her_id)
                pre = recorded.pretest if recorded else None
                if not (pre and pre.sent_on):
                    yield r.warning(
                        k.at("status"),
                        f"overdue: no test epikrise recorded from {hf} to party {party.her_id} "
                        f"(due {test_day.isoformat()})",
                    )
                elif pre.transport_receipt is None or pre.apprec is None:
                    # "No result recorded": the receipts are the result of the test day.
                    missing = " and ".join(
                        name
                        for name, value in (("transport receipt", pre.transport_receipt), ("AppRec", pre.apprec))
                        if value is None
                    )
                    yield r.warning(
                        k.at("tests", hf, str(party.her_id), "pretest"),
                        f"overdue: no {missing} recorded for the test messages from {hf} to party "
                        f"{party.her_id} (sent {pre.sent_on.isoformat()})",
                    )


@rule(
    "R-K6",
    step="K6",
    quote="Helseforetaket sender test dialogmelding kl. 09 på aktiveringsdato og disse skal besvares",
)
def dialog_answered(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        t = m.t
        for hf, parties in m.tests.items():
            for her, ev in parties.items():
                dialog = ev.dialog
                if not dialog:
                    continue
                path = ("tests", hf, her, "dialog")
                if dialog.sent_at and dialog.answered_at and dialog.answered_at <= dialog.sent_at:
                    yield r.error(
                        k.at(*path, "answered_at"),
                        "the dialog is recorded as answered before it was sent",
                    )
                if dialog.answered_at and not dialog.sent_at:
                    yield r.error(k.at(*path, "answered_at"), "answered_at without sent_at")
                if dialog.sent_at and t:
                    local = dialog.sent_at.astimezone(calendar.OSLO)
                    if local.date() != t:
                        yield r.error(
                            k.at(*path, "sent_at"),
                            f"test dialog sent {local.date().isoformat()}, not on the activation date {t.isoformat()}",
                        )
                    elif local.time() != calendar.dialog_at(t).time():
                        yield r.warning(
                            k.at(*path, "sent_at"),
                            f"test dialog sent at {local.strftime('%H:%M')} Europe/Oslo; the routine says 09:00",
                        )
        if m.status is not Status.ACTIVE:
            continue
        for hf, party in evidence.pairs(m, HF_KEYS):
            if not evidence.dialog_verified(m, hf, party):
                yield r.error(
                    k.at("status"),
                    f"cannot be active: no test dialog from {hf} to party {party.her_id} "
                    "recorded as sent on T and answered",
                )
