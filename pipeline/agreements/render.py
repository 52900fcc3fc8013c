"""The ``agreements`` generator (step K4): per HF, ``<hf-key>/cpa/<kommunenummer>-<her_id>.xml``
(one ebXML CPA per communication party) and ``<hf-key>/partner-index.xml``.

Every CPA is validated strictly against the official OASIS schema when ``context.schemas`` is
set; every index is validated against the project's own schema always. Pairs that cannot have an
agreement yet (no activation date, no known message type) are left out with a note in
``context.notes``; the rules report their cause.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from pipeline.agreements import cpa, index
from pipeline.agreements.agreement import by_hf, collect
from pipeline.generate import RenderContext, generator
from pipeline.model.declarations import DeclarationSet

# From generated/<hf-key>/cpa/ back to the repository root, where the declarations live.
TO_ROOT = "../../../"


def serialise(document: etree._ElementTree) -> bytes:
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def cpas(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    """The CPAs (a kommune's depend on it and the HFs only: rendered kommune by kommune at scale)."""
    grouped = by_hf(collect(declarations, context.notes))
    for hf in sorted(declarations.helseforetak, key=lambda h: h.model.key):
        for a in grouped.get(hf.model.key, []):
            path = f"{hf.model.key}/{index.cpa_path(a)}"
            document = cpa.build(a, hf_ref=TO_ROOT + a.hf_source, party_ref=TO_ROOT + a.kommune_source)
            if context.schemas is not None:
                context.schemas.validate(document, cpa.SCHEMA, what=f"CPA {path}")
            yield path, serialise(document)


def indexes(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    """The per-HF partner indexes (every kommune's agreements). Notes come from ``cpas``."""
    grouped = by_hf(collect(declarations))
    for hf in sorted(declarations.helseforetak, key=lambda h: h.model.key):
        yield f"{hf.model.key}/{index.INDEX_FILE}", serialise(index.build(hf.model, grouped.get(hf.model.key, [])))


@generator("agreements", per_kommune=cpas, whole=indexes)
def render(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    yield from cpas(declarations, context)
    yield from indexes(declarations, context)
