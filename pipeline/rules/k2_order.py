"""R-K2 (K2, H1): the order is sent to Hemit, and it settles message types and versions that
every HF supports. Also what the order e-mail itself needs (``order_blockers``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from pipeline.findings import Finding, Location, Severity
from pipeline.i18n import _
from pipeline.model.catalogue import catalogue
from pipeline.model.declarations import KommuneDecl
from pipeline.model.models import Helseforetak, Status
from pipeline.routine import calendar, lifecycle
from pipeline.routine.steps import K2
from pipeline.rules import h3_contact_and_deviations, k1_activation_date
from pipeline.rules.rule import Context, Rule

PAST_PLANNED = (Status.ORDERED, Status.TESTING, Status.ACTIVE)


# (HF key, message type, version) -> where kommuner order it without that HF supporting it
Unsupported = dict[tuple[str, str, str], list[tuple[KommuneDecl, int, Location]]]


def _message_findings(r: Rule, ctx: Context, k: KommuneDecl, unsupported: Unsupported) -> Iterator[Finding]:
    cat = catalogue()
    hfs = {h.model.key: h.model for h in ctx.declarations.helseforetak}
    for i, party in enumerate(k.model.parties):
        if not party.messages:
            yield r.error(
                k.at("parties", i, "name"),
                _("party {her_id} declares no message types; the order settles types and versions").format(
                    her_id=party.her_id
                ),
            )
        for mtype, version in party.messages.items():
            where = k.at("parties", i, "messages", mtype)
            if mtype not in cat.types:
                known = ", ".join(sorted(cat.types))
                yield r.error(
                    k.at("parties", i, "messages", mtype, key=True),
                    _("unknown message type '{mtype}' (known: {known})").format(mtype=mtype, known=known),
                )
                continue
            if version not in cat.types[mtype].versions:
                known = ", ".join(sorted(cat.types[mtype].versions))
                yield r.error(
                    where,
                    _("{mtype} has no version {version} (known: {known})").format(
                        mtype=mtype, version=version, known=known
                    ),
                )
                continue
            lacking = sorted((hf.name, key) for key, hf in hfs.items() if version not in hf.supports.get(mtype, []))
            # A withdrawn kommune is history: an HF dropping a version later must not fail it.
            if lacking and k.model.status is not Status.WITHDRAWN:
                for __, key in lacking:
                    unsupported.setdefault((key, mtype, version), []).append((k, party.her_id, where))
                if _changed_order(ctx, k, party.her_id, mtype, version) or not any(
                    _changed_support(ctx, key, mtype) for __, key in lacking
                ):
                    yield r.error(
                        where,
                        _(
                            "{mtype} {version} is not supported by {join}; every HF must support the ordered "
                            "version: {instead}"
                        ).format(
                            mtype=mtype,
                            version=version,
                            join=", ".join((name for name, __ in lacking)),
                            instead=_instead(hfs, mtype, version),
                        ),
                    )


def _instead(hfs: Mapping[str, Helseforetak], mtype: str, version: str) -> str:
    """What to do instead: a version every HF supports, or agreeing on one."""
    versions = set.intersection(*(set(hf.supports.get(mtype, [])) for hf in hfs.values())) if hfs else set()
    if not versions:
        return _("no version of {mtype} is supported by all three; agree one with the HFs").format(mtype=mtype)
    return _("order {versions}, or agree with the HF that it adds {version}").format(
        versions=_(" or ").join(sorted(versions)), version=version
    )


def _changed_order(ctx: Context, k: KommuneDecl, her_id: int, mtype: str, version: str) -> bool:
    """True without a base; else whether the base did not have this party order this version."""
    if ctx.base is None:
        return True
    before = next((b for b in ctx.base.kommuner if b.path == k.path), None)
    party = next((p for p in before.model.parties if p.her_id == her_id), None) if before else None
    return party is None or party.messages.get(mtype) != version


def _changed_support(ctx: Context, key: str, mtype: str) -> bool:
    """True without a base; else whether the HF's supported versions of ``mtype`` changed."""
    if ctx.base is None:
        return True
    now, before = ctx.declarations.hf(key), ctx.base.hf(key)
    return before is None or now is None or before.model.supports.get(mtype) != now.model.supports.get(mtype)


def _hf_findings(r: Rule, ctx: Context, unsupported: Unsupported) -> Iterator[Finding]:
    """The same conflicts at the HF's side, one per version it lacks, naming who orders it (so a
    change to an HF's declaration is reported in that file, on its line)."""
    for (key, mtype, version), orders in sorted(unsupported.items(), key=lambda item: item[0]):
        h = ctx.declarations.hf(key)
        if h is None:
            continue
        changed_here = _changed_support(ctx, key, mtype)
        if (
            ctx.base is not None
            and not changed_here
            and any(_changed_order(ctx, k, her, mtype, version) for k, her, __ in orders)
        ):
            continue
        lines: dict[str, list[str]] = {}
        for k, __, where in orders:
            lines.setdefault(k.model.name, []).append(f"{where.file}:{where.line}")
        who = ", ".join(f"{name} ({', '.join(places)})" for name, places in lines.items())
        at = h.at("supports", mtype) if mtype in h.model.supports else h.at("supports", key=True)
        yield r.error(
            at,
            _(
                "{name} does not support {mtype} {version}, which is ordered by {who}: add "
                "{version} to supports.{mtype}, or have the kommuner order a version every HF "
                "supports"
            ).format(name=h.model.name, mtype=mtype, version=version, who=who),
        )


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    unsupported: Unsupported = {}
    for k in ctx.declarations.kommuner:
        m = k.model
        stage = lifecycle.stage(m)
        if stage in PAST_PLANNED:
            if m.order is None or m.order.sent_on is None:
                where = k.at("order") if m.order else k.at("status")
                yield r.error(
                    where, _("status '{status}' requires order.sent_on (the order to Hemit)").format(status=m.status)
                )
            if not m.parties:
                yield r.error(
                    k.at("status"),
                    _("status '{status}' requires at least one communication party").format(status=m.status),
                )
        yield from _message_findings(r, ctx, k, unsupported)
        if m.order and m.order.sent_on and m.t:
            deadline = calendar.order_deadline(m.t)
            if m.order.sent_on > deadline:
                yield r.warning(
                    k.at("order", "sent_on"),
                    _("order sent {sent_on}, later than {when} ({deadline}): too little lead time").format(
                        sent_on=m.order.sent_on.isoformat(), when=K2.when, deadline=deadline.isoformat()
                    ),
                )
    yield from _hf_findings(r, ctx, unsupported)


RULE = Rule("R-K2", check, step=K2)


def order_blockers(findings: Iterable[Finding], k: KommuneDecl) -> list[Finding]:
    """The errors that would make ``k``'s order e-mail wrong or incomplete: the kommune's identity
    (S1-S6), T (R-K1), the message types and versions (R-K2), the contact address (R-H3) and the
    set of HFs (R-K4); and what the e-mail cannot be written without: parties (K2), T (K1) and a
    contact to send it from (H3)."""
    own = {"S1", "S2", "S3", "S4", "S5", "S6", "R-K1", "R-K2", "R-H3"}
    everyone = {"R-K4"}
    chosen = [
        f
        for f in findings
        if f.severity is Severity.ERROR and ((f.file == k.path and f.rule in own) or f.rule in everyone)
    ]
    m = k.model
    if not m.parties:
        chosen.append(
            RULE.error(
                k.at("status"),
                _("no communication parties declared: the order lists each party with its message types and versions"),
            )
        )
    k1, h3 = k1_activation_date.RULE, h3_contact_and_deviations.RULE
    if m.t is None and not any(f.rule == k1.id for f in chosen):
        chosen.append(k1.error(k.at("status"), _("no activation date: agree T with Hemit first")))
    if m.contact is None and not any(f.rule == h3.id for f in chosen):
        chosen.append(h3.error(k.at("name"), _("no contact address to send the order from")))
    return chosen
