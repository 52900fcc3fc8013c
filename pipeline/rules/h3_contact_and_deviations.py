"""R-H3 (H3): Hemit can reach the kommune's meldingsansvarlig about deviations, and an open
deviation stands in the way of activation."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.model.models import Status
from pipeline.routine.steps import H3
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.contact is None:
            yield r.error(
                k.at("name"),
                "no contact address: Hemit needs meldingsansvarlig@<kommune>.kommune.no for deviations",
            )
        else:
            local, _, domain = m.contact.partition("@")
            if local.lower() != "meldingsansvarlig":
                yield r.warning(
                    k.at("contact"),
                    f"contact '{m.contact}': the routine expects the address meldingsansvarlig@...",
                )
            if not (domain.lower() == "kommune.no" or domain.lower().endswith(".kommune.no")):
                yield r.warning(
                    k.at("contact"),
                    f"contact domain '{domain}' is not a kommune.no domain; check it is the kommune's mail domain",
                )
        for i, dev in enumerate(m.deviations):
            if dev.resolved_on and dev.resolved_on < dev.opened_on:
                yield r.error(k.at("deviations", i, "resolved_on"), "deviation resolved before it was opened")
            if dev.open and m.status in (Status.TESTING, Status.ORDERED):
                yield r.warning(
                    k.at("deviations", i, "opened_on"),
                    f"open deviation since {dev.opened_on.isoformat()}: blocks activation until resolved",
                )


RULE = Rule("R-H3", check, step=H3)
