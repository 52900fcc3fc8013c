"""S1: the file is well-formed YAML of the declared schema.

Syntax and schema errors are found while loading (``DeclarationSet.problems``, with the file's
line and column) and reported here; what remains is the one structural condition a JSON Schema
states poorly: ``paused_from`` goes with ``paused``, and a party's late additions and withdrawal
name its own message types, each at most once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pipeline.findings import Finding
from pipeline.i18n import _
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
            yield r.error(k.at("status"), _("status 'paused' requires 'paused_from' (the status to return to)"))
        if m.status is not Status.PAUSED and m.paused_from is not None:
            yield r.error(
                k.at("paused_from", key=True),
                _("'paused_from' is only allowed when status is 'paused'"),
            )
        if m.paused_from in (Status.PAUSED, Status.WITHDRAWN):
            yield r.error(k.at("paused_from"), _("cannot pause from '{paused_from}'").format(paused_from=m.paused_from))
        for i, party in enumerate(m.parties):
            seen: set[str] = set()
            for n, join in enumerate(party.joined):
                for j, mtype in enumerate(join.messages):
                    where = k.at("parties", i, "joined", n, "messages", j)
                    if mtype not in party.messages:
                        yield r.error(
                            where,
                            _("'{mtype}' is not one of party {her_id}'s message types").format(
                                mtype=mtype, her_id=party.her_id
                            ),
                        )
                    elif mtype in seen:
                        yield r.error(
                            where,
                            _("'{mtype}' joined in an earlier addition already; list it once").format(mtype=mtype),
                        )
                    seen.add(mtype)
            withdrawn = party.withdrawn.messages if party.withdrawn else None
            for j, mtype in enumerate(withdrawn or ()):
                if mtype not in party.messages:
                    yield r.error(
                        k.at("parties", i, "withdrawn", "messages", j),
                        _("'{mtype}' is not one of party {her_id}'s message types").format(
                            mtype=mtype, her_id=party.her_id
                        ),
                    )


RULE = Rule("S1", check, text="Strukturkrav: fila er gyldig YAML etter skjemaet")
