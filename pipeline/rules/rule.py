"""What a rule is: an id from RULES.md, the routine step it enforces, and a check that turns a
``Context`` into findings. Findings are made only here, through ``Rule.error`` and ``Rule.warning``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.changes import Change
from pipeline.findings import Finding, Location, Severity
from pipeline.model.declarations import DeclarationSet
from pipeline.routine.steps import Step


@dataclass(frozen=True)
class Context:
    """Everything a rule may look at."""

    declarations: DeclarationSet
    today: dt.date
    base: DeclarationSet | None = None  # the declarations at the base revision (L1-L3)
    certificate_margin: int = 60  # days after T that AR's certificates must be valid for (R-K3)
    # How generated/ differs from what the declarations generate, once compared (L4).
    generated: Sequence[Change] | None = None
    # The day the base revision was committed (Europe/Oslo): what a change adds is dated from it
    # (L6); without one (a record made now), today.
    base_date: dt.date | None = None

    @property
    def added_on_or_after(self) -> dt.date:
        return self.base_date or self.today


Check = Callable[["Rule", Context], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue. R-* rules enforce a routine step (``step``, with the routine's
    words); S and L rules are the project's own conditions, stated in ``text``."""

    id: str
    check: Check = field(repr=False)
    step: Step | None = None
    text: str = ""
    needs_base: bool = False  # compares with a base revision: runs only when one is given
    # Compares declarations with each other (S3). Every other rule's findings about a kommune's
    # file follow from that file, the HFs and the AR files of their HER-ids alone, which is
    # what lets validate reuse them per file (pipeline.app.incremental).
    across_files: bool = False

    @property
    def quote(self) -> str:
        return self.step.quote if self.step else self.text

    @property
    def step_id(self) -> str:
        return self.step.id if self.step else self.id

    def finding(self, severity: Severity, location: Location, message: str) -> Finding:
        return Finding(self.id, severity, location, message)

    def error(self, location: Location, message: str) -> Finding:
        return self.finding(Severity.ERROR, location, message)

    def warning(self, location: Location, message: str) -> Finding:
        return self.finding(Severity.WARNING, location, message)
