"""The ``agreements`` generator (step K4): per HF, ``<hf-key>/cpa/<kommunenummer>-<her_id>.xml``
(one ebXML CPA per communication party, built by ``pipeline.agreements.cpa``) and
``<hf-key>/partner-index.xml`` (``pipeline.agreements.index``).

Every CPA is validated strictly against the official OASIS schema when ``context.schemas`` is
set; every index is validated against the project's own schema always. Pairs that cannot have an
agreement yet (no activation date, no known message type) are left out with a note in
``context.notes``; the rules report their cause.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from pipeline import layout
from pipeline.agreements import cpa, index
from pipeline.agreements.agreement import by_hf, collect
from pipeline.model.declarations import DeclarationSet, HfDecl
from pipeline.render.context import RenderContext
from pipeline.render.xml import serialise


def cpas(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    """The CPAs (a kommune's depend on it and the HFs only: rendered kommune by kommune at scale)."""
    grouped = by_hf(collect(declarations, context.notes))
    for hf in sorted(declarations.helseforetak, key=lambda h: h.model.key):
        for a in grouped.get(hf.model.key, []):
            path = layout.cpa_path(hf.model.key, a.kommune.kommune, a.party.her_id)
            document = cpa.build(a)
            if context.schemas is not None:
                context.schemas.validate(document, cpa.SCHEMA, what=f"CPA {path}")
            yield path, serialise(document)


def indexes(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    """The per-HF partner indexes (every kommune's agreements). Notes come from ``cpas``."""
    grouped = by_hf(collect(declarations))
    for hf in sorted(declarations.helseforetak, key=lambda h: h.model.key):
        yield (
            layout.partner_index(hf.model.key),
            index.document(hf.model, index.entries(hf.model, grouped.get(hf.model.key, []))),
        )


def index_part(declarations: DeclarationSet, context: RenderContext) -> dict[str, list[Any]]:
    """What the partner indexes list of one kommune: per HF, its agreements' entries with their
    place in the index (``indexes`` of a set is ``index_join`` of its kommuner's parts)."""
    grouped = by_hf(collect(declarations))
    return {key: [[*index.entry_order(a), index.entry(a)] for a in agreements] for key, agreements in grouped.items()}


def index_join(
    helseforetak: Sequence[HfDecl], parts: Sequence[Any], context: RenderContext
) -> Iterator[tuple[str, bytes]]:
    for hf in sorted(helseforetak, key=lambda h: h.model.key):
        # Each entry kept as its JSON text until it is written: the country's entries as lists
        # and strings were most of what the parent held while an index was made.
        rows = [(row[0], row[1], orjson.dumps(row[2])) for part in parts for row in part.get(hf.model.key, [])]
        rows.sort(key=lambda row: (row[0], row[1]))
        yield layout.partner_index(hf.model.key), index.document(hf.model, (orjson.loads(row[2]) for row in rows))


def render(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    yield from cpas(declarations, context)
    yield from indexes(declarations, context)
