"""The routine as one table: every step once, in the routine's own words.

"Rutine ved oppkobling av kommunikasjonspartnere mellom kommuner og HF" (``ROUTINE.md``) has six
steps for the kommune (K1-K6) and five for the HF (H1-H5). Each row below is one of them: its id,
who acts, the Norwegian text (the cleaned text of the routine, quoted as written) and, for the
steps that fall on the calendar, the milestone it is: an English title, the milestones that must
be done first and when it falls relative to T, the agreed activation date. An HF step that falls
on the same milestone as a kommune step is named with it (K5/H2: the test messages of T-7).

Rules (``pipeline.rules``) name the step they enforce; the timeline, the calendars, the status
board, the order e-mail and the plan read titles, quotes and offsets from here. This table is
what a profile for another region's routine would replace.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from pipeline.i18n import N_

TITLE = "Rutine ved oppkobling av kommunikasjonspartnere mellom kommuner og HF"
ORDER_ADDRESS = "meldingsansvarlig@helse-midt.no"  # Hemit's address for orders (K2)
SCOPE_START = dt.date(2018, 4, 1)  # the routine applies from 1 April 2018 (rule S6)


class Actor(enum.StrEnum):
    KOMMUNE = "kommune"
    HEMIT = "Hemit"
    HF = "HF"


@dataclass(frozen=True)
class Offset:
    """When a step falls, relative to T: ``days`` before (negative) or after it, at ``time``
    (Europe/Oslo) for a timed step. A deadline may be met any day up to it."""

    days: int
    time: dt.time | None = None
    deadline: bool = False

    @property
    def label(self) -> str:
        """``T-14``, ``T-7``, ``T``."""
        return "T" if self.days == 0 else f"T{self.days:+d}"


@dataclass(frozen=True)
class Step:
    id: str
    actors: tuple[Actor, ...]
    quote: str
    # The milestone this step is on the calendar (None: a step without a day of its own).
    milestone: str | None = None
    title: str = ""
    paired: tuple[str, ...] = ()  # HF steps on the same milestone
    needs: tuple[str, ...] = ()  # milestones that must be done first
    offset: Offset | None = None  # None: the day is recorded, not derived from T

    @property
    def label(self) -> str:
        """The step as the timeline names it: ``K5/H2``."""
        return "/".join((self.id, *self.paired))

    @property
    def when(self) -> str:
        """When the step falls, as messages name it: ``T-14``."""
        assert self.offset is not None, f"{self.id} has no day derived from T"
        return self.offset.label


ROUTINE: tuple[Step, ...] = (
    Step(
        "K1",
        (Actor.KOMMUNE, Actor.HEMIT),
        "Hemit og kommunene blir enige om aktiveringsdato.",
        milestone="agreed",
        title=N_("Activation date agreed"),
        paired=("H1",),
    ),
    Step(
        "K2",
        (Actor.KOMMUNE,),
        f"Kommunen sender bestilling til Hemit (meldingstyper og versjon avklares i bestillingen) på {ORDER_ADDRESS}.",
        milestone="order",
        title=N_("Order sent to Hemit"),
        paired=("H1",),
        needs=("agreed",),
        offset=Offset(-14, deadline=True),
    ),
    Step(
        "K3",
        (Actor.KOMMUNE,),
        "Kommunene skal publisere kommunikasjonsparten(e) i NHN AR innen 2 uker før meldingsutvekslingen aktiveres.",
        milestone="ar",
        title=N_("Communication parties published in NHN AR"),
        needs=("order",),
        offset=Offset(-14, deadline=True),
    ),
    Step(
        "K4",
        (Actor.HEMIT,),
        "Partneravtale(r) i meldingstjeneren opprettes med alle 3 helseforetak i Midt.",
    ),
    Step(
        "K5",
        (Actor.HEMIT,),
        "Hemit sender testmeldinger 1 uke før aktiveringsdato; epikrise og lab (hvis aktuell) skal ikke besvares.",
        milestone="pretest",
        title=N_("Test epikrise and lab (T-7), not to be answered"),
        paired=("H2",),
        needs=("order", "ar"),
        offset=Offset(-7),
    ),
    Step(
        "K6",
        (Actor.HF,),
        "Helseforetaket sender test-dialogmelding kl. 09 på aktiveringsdato, og disse skal besvares.",
        milestone="dialog",
        title=N_("Test dialogmelding at 09:00, to be answered"),
        paired=("H4",),
        needs=("pretest",),
        offset=Offset(0, dt.time(9, 0)),
    ),
    Step(
        "H1",
        (Actor.HF,),
        "E-meldingsansvarlige avklarer aktiveringsdato med kommune og legger inn bestilling til Hemit.",
    ),
    Step(
        "H2",
        (Actor.HEMIT,),
        "Test-epikrise og lab (hvis aktuell) sendes 1 uke før aktiveringsdato; når positiv transportkvittering "
        "og apprec er mottatt, deaktiveres tjenesten frem til aktiveringsdato.",
    ),
    Step(
        "H3",
        (Actor.HEMIT,),
        "Hemit tar kontakt med meldingsansvarlig@<kommune>.kommune.no ved eventuelle avvik i testperioden.",
    ),
    Step("H4", (Actor.HF,), "Test-dialogmelding sendes kl. 09 på aktiveringsdato."),
    Step(
        "H5",
        (Actor.HF,),
        "Når tjenesten er verifisert ok, aktiveres tjenesten (kun elektronisk).",
        milestone="activation",
        title=N_("Service activated (electronic only)"),
        needs=("dialog",),
        offset=Offset(0),
    ),
)

STEPS: dict[str, Step] = {s.id: s for s in ROUTINE}
K1, K2, K3, K4, K5, K6 = (STEPS[f"K{n}"] for n in range(1, 7))
H1, H2, H3, H4, H5 = (STEPS[f"H{n}"] for n in range(1, 6))

# The steps that fall on the calendar, in routine order: the milestones of every kommune.
MILESTONES: tuple[Step, ...] = tuple(s for s in ROUTINE if s.milestone)
BY_MILESTONE: dict[str, Step] = {s.milestone: s for s in MILESTONES if s.milestone}
