"""S2: a declaration's file name is ``<kommunenummer>-<slug>.yaml`` (``<hf-key>.yaml``) and says
what the file holds; an AR snapshot file sits where the API answer it mirrors belongs
(``pipeline.ar.paths``); nothing else lives under ``partners/`` (a hidden or backup file, another
extension, a subdirectory, a file in no place of the snapshot: each refused by the reader of
partners/, ``pipeline.io.partners``, or by ``pipeline.model.declarations``, and reported here with
its path)."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline import layout
from pipeline.findings import Finding, Location
from pipeline.i18n import _
from pipeline.model.declarations import Problem
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for p in ctx.declarations.problems:
        if p.kind is Problem.NAME:
            yield r.error(p.location, p.message)
    for k in ctx.declarations.kommuner:
        name = k.path.rpartition("/")[2]
        m = layout.kommune_file_name(name)
        if m is None:
            yield r.error(
                Location(k.path),
                _(
                    "file name '{name}' is not <kommunenummer>-<slug>.yaml (4 digits, a lowercase "
                    "slug of a-z, 0-9 and single dashes)"
                ).format(name=name),
            )
        elif m["number"] != k.model.kommune:
            yield r.error(
                k.at("kommune"),
                _("kommunenummer {kommune} does not match the file name ({m}-...)").format(
                    kommune=k.model.kommune, m=m["number"]
                ),
            )
    for h in ctx.declarations.helseforetak:
        name = h.path.rpartition("/")[2]
        m = layout.hf_file_name(name)
        if m is None:
            yield r.error(Location(h.path), _("file name '{name}' is not <hf-key>.yaml").format(name=name))
        elif m["key"] != h.model.key:
            yield r.error(
                h.at("key"),
                _("key '{key}' does not match the file name ({m}.yaml)").format(key=h.model.key, m=m["key"]),
            )


RULE = Rule("S2", check, text="Filnavn <kommunenummer>-<slug>.yaml, ett kommune per fil")
