"""The rule catalogue (``../shared/routine/RULES.md``) as code: one rule, one place.

Each rule is a function registered with ``@rule(id, step, quote)`` in the module for its area:

- ``structure``    S1-S6: file shape, names, identities, the register, scope
- ``kommune_side`` R-K1...R-K6: the routine's steps for the kommune (K1-K6)
- ``hf_side``      R-H2, R-H3, R-H5: the routine's steps for the HF (H2, H3, H5)
- ``lifecycle``    L1-L3: status changes against the base revision (the merge gate)
- ``freshness``    L4: generated/ is up to date (decided by ``oppkobling check``, which needs the render)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pipeline.findings import Finding, Location, Severity, sort_findings
from pipeline.model.ar_snapshot import ArSnapshot
from pipeline.model.declarations import DeclarationSet


@dataclass(frozen=True)
class Context:
    declarations: DeclarationSet
    today: dt.date
    base: DeclarationSet | None = None
    ar: ArSnapshot | None = None  # NHN AR as exported, when one is given (R-K3)


Check = Callable[["Rule", Context], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    step: str
    quote: str
    check: Check = field(repr=False)
    needs_base: bool = False

    def finding(self, severity: Severity, location: Location, message: str) -> Finding:
        return Finding(self.id, severity, location, message, self.step)

    def error(self, location: Location, message: str) -> Finding:
        return self.finding(Severity.ERROR, location, message)

    def warning(self, location: Location, message: str) -> Finding:
        return self.finding(Severity.WARNING, location, message)


RULES: dict[str, Rule] = {}


def rule(id: str, *, step: str, quote: str, needs_base: bool = False) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if id in RULES:
            raise RuntimeError(f"rule {id} registered twice")
        RULES[id] = Rule(id, step, quote, check, needs_base)
        return check

    return register


def _load_all() -> None:
    from pipeline.rules import (  # noqa: F401  (importing registers the rules)
        freshness,
        hf_side,
        kommune_side,
        lifecycle,
        structure,
    )


def evaluate(context: Context) -> list[Finding]:
    """Run every rule; S1 findings of unloadable files come first-class from loading."""
    _load_all()
    findings: list[Finding] = list(context.declarations.load_findings)
    for r in RULES.values():
        if r.needs_base and context.base is None:
            continue
        findings.extend(r.check(r, context))
    return sort_findings(findings)


def all_rules() -> Iterator[Rule]:
    _load_all()
    yield from RULES.values()
