"""S1: the file is well-formed YAML of the declared schema.

Syntax and schema errors are found while loading (``DeclarationSet.problems``, with the file's
line and column) and reported here; what remains is the one structural condition a JSON Schema
states poorly: ``paused_from`` goes with ``paused``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pipeline.findings import Finding
from pipeline.model.declarations import DeclarationSet, Problem
from pipeline.model.models import Status
from pipeline.rules.rule import Context, Rule


def from_loading(declarations: DeclarationSet) -> Iterable[Finding]:
    """The files that could not be read or loaded, and why (S2, S5 and S6 report the rest)."""
    return (RULE.error(p.location, p.message) for p in declarations.problems if p.kind is Problem.STRUCTURE)


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    yield from from_loading(ctx.declarations)
    for k in ctx.declarations.kommuner:
        m = k.model
        if m.status is Status.PAUSED and m.paused_from is None:
            yield r.error(k.at("status"), "status 'paused' requires 'paused_from' (the status to return to)")
        if m.status is not Status.PAUSED and m.paused_from is not None:
            yield r.error(
                k.at("paused_from", key=True),
                "'paused_from' is only allowed when status is 'paused'",
            )
        if m.paused_from in (Status.PAUSED, Status.WITHDRAWN):
            yield r.error(k.at("paused_from"), f"cannot pause from '{m.paused_from}'")


RULE = Rule("S1", check, text="Strukturkrav: fila er gyldig YAML etter skjemaet")
