"""R-K4 (K4): partner agreements are made with all three HFs in Midt-Norge, and only with them."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline import layout
from pipeline.findings import Finding, Location
from pipeline.i18n import _
from pipeline.model.models import HF_KEYS
from pipeline.routine.steps import K4
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    declared = {h.model.key: h for h in ctx.declarations.helseforetak}
    for key in HF_KEYS:
        if key not in declared:
            yield r.error(
                Location(layout.hf_file(key)),
                _("helseforetak '{key}' is not declared; agreements are made with all three HFs").format(key=key),
            )
    for key, h in sorted(declared.items()):
        if key not in HF_KEYS:
            yield r.error(
                h.at("key"),
                _("'{key}' is not one of the three HFs in Midt-Norge ({join})").format(
                    key=key, join=", ".join(HF_KEYS)
                ),
            )
    for k in ctx.declarations.kommuner:
        for hf in k.model.tests:
            if hf not in HF_KEYS:
                yield r.error(
                    k.at("tests", hf, key=True),
                    _("'{hf}' is not one of the three HFs ({join})").format(hf=hf, join=", ".join(HF_KEYS)),
                )
        for i, dev in enumerate(k.model.deviations):
            if dev.hf is not None and dev.hf not in HF_KEYS:
                yield r.error(k.at("deviations", i, "hf"), _("'{hf}' is not one of the three HFs").format(hf=dev.hf))


RULE = Rule("R-K4", check, step=K4)
