"""R-H3 (H3): Hemit can reach the kommune's meldingsansvarlig about deviations, and an open
deviation stands in the way of activation."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.model.models import Status
from pipeline.routine.steps import H3
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.contact is None:
            yield r.error(
                k.at("name"),
                _("no contact address: Hemit needs meldingsansvarlig@<kommune>.kommune.no for deviations"),
            )
        else:
            local, __, domain = m.contact.partition("@")
            if local.lower() != "meldingsansvarlig":
                yield r.warning(
                    k.at("contact"),
                    _("contact '{contact}': the routine expects the address meldingsansvarlig@...").format(
                        contact=m.contact
                    ),
                )
            if not (domain.lower() == "kommune.no" or domain.lower().endswith(".kommune.no")):
                yield r.warning(
                    k.at("contact"),
                    _(
                        "contact domain '{domain}' is not a kommune.no domain; check it is the kommune's mail domain"
                    ).format(domain=domain),
                )
        for i, dev in enumerate(m.deviations):
            if dev.resolved_on and dev.resolved_on < dev.opened_on:
                yield r.error(k.at("deviations", i, "resolved_on"), _("deviation resolved before it was opened"))
            if dev.open and m.status in (Status.TESTING, Status.ORDERED):
                yield r.warning(
                    k.at("deviations", i, "opened_on"),
                    _("open deviation since {opened_on}: blocks activation until resolved").format(
                        opened_on=dev.opened_on.isoformat()
                    ),
                )


RULE = Rule("R-H3", check, step=H3)
