"""S2: a declaration's file name is ``<kommunenummer>-<slug>.yaml`` (``<hf-key>.yaml``) and says
what the file holds; an AR snapshot file sits where the API answer it mirrors belongs
(``pipeline.ar.paths``); nothing else lives under ``partners/``."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline import layout
from pipeline.ar import paths as ar_paths
from pipeline.findings import Finding, Location
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path in ctx.declarations.files:
        directory, _, name = path.rpartition("/")
        if path.startswith(layout.AR_DIR + "/"):
            if ar_paths.parse_path(path) is None:
                yield r.error(Location(path), f"not a place of the AR snapshot; its files are {ar_paths.EXPECTED}")
        elif directory == layout.KOMMUNER_DIR and not layout.KOMMUNE_FILE.match(name):
            yield r.error(
                Location(path),
                f"file name '{name}' is not <kommunenummer>-<slug>.yaml "
                "(4 digits, a lowercase slug of a-z, 0-9 and single dashes)",
            )
        elif directory == layout.HF_DIR and not layout.HF_FILE.match(name):
            yield r.error(Location(path), f"file name '{name}' is not <hf-key>.yaml")
        elif directory not in (layout.KOMMUNER_DIR, layout.HF_DIR):
            yield r.error(
                Location(path),
                f"unexpected file; declarations live in {layout.KOMMUNER_DIR}/ and {layout.HF_DIR}/, "
                f"NHN's address register in {layout.AR_DIR}/",
            )
    for k in ctx.declarations.kommuner:
        m = layout.KOMMUNE_FILE.match(k.path.rpartition("/")[2])
        if m and m["number"] != k.model.kommune:
            yield r.error(
                k.at("kommune"),
                f"kommunenummer {k.model.kommune} does not match the file name ({m['number']}-...)",
            )
    for h in ctx.declarations.helseforetak:
        m = layout.HF_FILE.match(h.path.rpartition("/")[2])
        if m and m["key"] != h.model.key:
            yield r.error(h.at("key"), f"key '{h.model.key}' does not match the file name ({m['key']}.yaml)")


RULE = Rule("S2", check, text="Filnavn <kommunenummer>-<slug>.yaml, ett kommune per fil")
