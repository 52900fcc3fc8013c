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
    """What the partner indexes list of one kommune: per HF, each agreement's place in the index
    and its fragment (``index.fragments``: its lines, validated now), so that ``index_join`` puts
    the indexes of a set together by concatenation (``indexes`` of a set is ``index_join`` of
    its kommuner's parts)."""
    grouped = by_hf(collect(declarations))
    part: dict[str, list[Any]] = {}
    for hf in declarations.helseforetak:
        mine = grouped.get(hf.model.key)
        if mine:
            ordered = sorted(mine, key=index.entry_order)
            made = index.fragments(hf.model, [index.entry(a) for a in ordered])
            part[hf.model.key] = [[*index.entry_order(a), *f] for a, f in zip(ordered, made, strict=True)]
    return part


def index_join(
    helseforetak: Sequence[HfDecl], parts: Sequence[Any], context: RenderContext
) -> Iterator[tuple[str, bytes]]:
    for hf in sorted(helseforetak, key=lambda h: h.model.key):
        rows = [row for part in parts for row in part.get(hf.model.key, [])]
        rows.sort(key=lambda row: (row[0], row[1]))
        yield layout.partner_index(hf.model.key), index.joined(hf.model, (row[2:] for row in rows))


def render(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    yield from cpas(declarations, context)
    yield from indexes(declarations, context)
