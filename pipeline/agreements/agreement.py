"""Which agreements exist: one per HF and communication party of every kommune from ``ordered`` on.

An ``Agreement`` carries what the CPA and the partner index are built from: both declarations
(and the files they came from), the party, and the values derived from them (cpaid, validity,
state). Nothing here reads the clock.

Policies (documented here, used by ``cpa`` and ``index``):

- **cpaid**: ``uuid5(NAMESPACE_URL, "oppkobling:cpa:<hf HER-id>:<party HER-id>")``. It names the
  agreement between the two parties and stays the same while the agreement's content (versions,
  state) changes, so a message server replaces the agreement rather than adding a second one.
- **Start**: the first test day, T−7 (K5/H2), at 00:00 Europe/Oslo: the pretest is the first
  message the agreement must carry.
- **End**: Start + 5 years (same day and time; 28 February for a 29 February start), or, when
  earlier, the moment the first of the four certificates (each party's signing and encryption
  certificate in AR) expires, in Europe/Oslo time: NHN's CPAs end when a certificate does. The CPA
  is regenerated from the declarations and ``partners/ar/``; a renewed certificate moves End.
  A **withdrawn** agreement keeps its Start and End (no withdrawal date is declared): its CPA
  Status is ``proposed`` and the index says ``withdrawn``, and a message server must not use it.
- **Certificates** come from the AR snapshot (``partners/ar/certificate/<herId>/``). An
  agreement a party of which has no signing or no encryption certificate there is an
  **incomplete draft**: its CPA leaves that Certificate out and says why, the partner index says
  ``incomplete`` with the reasons, and ``deploy`` does not ship it (R-K3 makes that an error from
  ``testing`` on, so only an ``ordered`` or paused one is generated this way).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline import layout
from pipeline.agreements import states
from pipeline.agreements.states import AgreementState, CpaStatus
from pipeline.ar.certificates import ParsedCertificate
from pipeline.ar.paths import Entry, Kind
from pipeline.ar.snapshot import Snapshot
from pipeline.i18n import N_, Later, _, terms
from pipeline.model.catalogue import Version, catalogue
from pipeline.model.declarations import DeclarationSet
from pipeline.model.models import HF_KEYS, Helseforetak, Kommune, Party, Status
from pipeline.routine import calendar, lifecycle

VALIDITY_YEARS = 5


def cpaid(hf_her: int, party_her: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"oppkobling:cpa:{hf_her}:{party_her}"))


def start(t: dt.date) -> dt.datetime:
    return calendar.at_oslo_midnight(calendar.pretest_day(t))


def end(begin: dt.datetime) -> dt.datetime:
    day = begin.date()
    year = day.year + VALIDITY_YEARS
    later = day.replace(year=year, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=year)
    return dt.datetime.combine(later, begin.timetz())


@dataclass(frozen=True)
class Certificates:
    """One party's certificates in AR, and why any is missing (an incomplete draft)."""

    her_id: int
    signing: ParsedCertificate | None = None
    encryption: ParsedCertificate | None = None
    missing: tuple[Later, ...] = ()  # said in the language of where it is shown

    @property
    def all(self) -> tuple[ParsedCertificate, ...]:
        return tuple(c for c in (self.signing, self.encryption) if c is not None)


def _party(her_id: int) -> Later:
    return Later(N_("party {her_id}"), (("her_id", her_id),))


def _hf(name: str, her_id: int) -> str:
    return f"{name} {her_id}"


def certificates(snapshot: Snapshot, her_id: int, who: Later | str) -> Certificates:
    """``who`` (``party 8170001``) as the AR snapshot has it: both certificates, or the reasons."""
    party = snapshot.party(her_id)
    if party is None:
        path = Entry(her_id, Kind.PARTY).path
        return Certificates(her_id, missing=(Later(N_("{who} is not in AR ({path})"), (("who", who), ("path", path))),))
    found: dict[Kind, ParsedCertificate | None] = {}
    missing = []
    for kind in (Kind.SIGNING, Kind.ENCRYPTION):
        file = party.certificate(kind)
        found[kind] = file.certificate if file else None
        if found[kind] is None:
            values = (
                ("who", who),
                ("kind", terms.Shown(terms.CERTIFICATE, kind.value)),
                ("path", Entry(her_id, kind).path),
            )
            missing.append(Later(N_("{who} has no {kind} certificate in AR ({path})"), values))
    return Certificates(her_id, found[Kind.SIGNING], found[Kind.ENCRYPTION], tuple(missing))


@dataclass(frozen=True)
class Message:
    """A message type the party ordered, at its ordered version, as the catalogue knows it."""

    key: str
    version: Version
    kommune_sends: bool


@dataclass(frozen=True)
class Agreement:
    hf: Helseforetak
    hf_source: str
    kommune: Kommune
    kommune_source: str
    party: Party
    hf_keys: tuple[str, ...] = HF_KEYS
    hf_certificates: Certificates | None = None  # None: as if AR had none
    party_certificates: Certificates | None = None

    @property
    def cpaid(self) -> str:
        return cpaid(self.hf.her_id, self.party.her_id)

    @property
    def start(self) -> dt.datetime:
        t = lifecycle.t_of(self.kommune, self.party)
        if t is None:  # excluded by collect(); kept total for the type checker
            raise ValueError(_("kommune {kommune} has no activation date").format(kommune=self.kommune.kommune))
        return start(t)

    @property
    def certificates(self) -> tuple[Certificates, Certificates]:
        """The HF's and the party's, in that order."""
        return (
            self.hf_certificates or certificates(Snapshot({}), self.hf.her_id, _hf(self.hf.name, self.hf.her_id)),
            self.party_certificates or certificates(Snapshot({}), self.party.her_id, _party(self.party.her_id)),
        )

    @property
    def incomplete(self) -> tuple[str, ...]:
        """Why the agreement is an incomplete draft (empty: it is complete)."""
        return tuple(str(reason) for side in self.certificates for reason in side.missing)

    @property
    def end(self) -> dt.datetime:
        planned = end(self.start)
        expiries = [c.not_after for side in self.certificates for c in side.all]
        if not expiries or min(expiries) >= planned:
            return planned
        return min(expiries).astimezone(calendar.OSLO)

    @property
    def state(self) -> AgreementState:
        if self.incomplete and self.kommune.status is not Status.WITHDRAWN:
            return AgreementState.INCOMPLETE
        return states.agreement_state(self.kommune, self.hf.key, self.party, self.hf_keys)

    @property
    def message_states(self) -> dict[str, AgreementState]:
        found = states.message_states(self.kommune, self.hf.key, self.party, self.hf_keys)
        return dict.fromkeys(found, self.state) if self.state is AgreementState.INCOMPLETE else found

    @property
    def cpa_status(self) -> CpaStatus:
        if self.state is AgreementState.INCOMPLETE:
            return "proposed"
        return states.cpa_status(self.kommune, self.hf.key, self.party, self.hf_keys)

    @property
    def messages(self) -> tuple[Message, ...]:
        return ordered_messages(self.party)

    @property
    def cpa_messages(self) -> tuple[Message, ...]:
        """What the CPA carries: an agreed CPA only the active types (``states.cpa_types``)."""
        carried = set(states.cpa_types(self.kommune, self.hf.key, self.party, self.hf_keys))
        return tuple(m for m in self.messages if m.key in carried)


def ordered_messages(party: Party) -> tuple[Message, ...]:
    """The party's ordered message types known to the catalogue, in catalogue order (R-K2 reports
    the rest)."""
    found = []
    for key, mt in catalogue().types.items():
        number = party.messages.get(key)
        version = mt.versions.get(number) if number else None
        if version is not None:
            found.append(Message(key, version, mt.kommune_sends()))
    return tuple(found)


def why_none(k: Kommune, party: Party) -> str | None:
    """Why a kommune past ``planned`` still gets no agreement for a party (rules report the cause)."""
    if lifecycle.t_of(k, party) is None:
        return _("no activation date (K1), so no start of validity")
    if not ordered_messages(party):
        return _("no ordered message type the catalogue knows (R-K2)")
    return None


def collect(declarations: DeclarationSet, notes: list[str] | None = None) -> list[Agreement]:
    """Every agreement, by HF key, kommune number and HER-id. Pairs that cannot have one yet are
    left out, with a note saying why."""
    found: list[Agreement] = []
    for k in sorted(declarations.kommuner, key=lambda k: k.model.kommune):
        if not states.has_agreement(k.model):
            continue
        for party in sorted(k.model.parties, key=lambda p: p.her_id):
            reason = why_none(k.model, party)
            if reason:
                if notes is not None:
                    notes.append(
                        _("no agreement for party {her_id} of kommune {kommune}: {reason}").format(
                            her_id=party.her_id, kommune=k.model.kommune, reason=reason
                        )
                    )
                continue
            mine = certificates(declarations.ar.snapshot, party.her_id, _party(party.her_id))
            for hf in declarations.helseforetak:
                theirs = certificates(declarations.ar.snapshot, hf.model.her_id, _hf(hf.model.name, hf.model.her_id))
                found.append(Agreement(hf.model, hf.path, k.model, k.path, party, HF_KEYS, theirs, mine))
    return sorted(found, key=lambda a: (a.hf.key, a.kommune.kommune, a.party.her_id))


def drafts(declarations: DeclarationSet, hf_key: str) -> dict[str, tuple[str, ...]]:
    """The incomplete drafts of one HF: each CPA's path in the HF's directory, and why. ``deploy``
    does not ship them, and ``drift`` does not expect them on the message server."""
    return {
        layout.cpa_file(a.kommune.kommune, a.party.her_id): a.incomplete
        for a in collect(declarations)
        if a.hf.key == hf_key and a.state is AgreementState.INCOMPLETE
    }


def by_hf(agreements: Iterable[Agreement]) -> dict[str, list[Agreement]]:
    grouped: dict[str, list[Agreement]] = {}
    for a in agreements:
        grouped.setdefault(a.hf.key, []).append(a)
    return grouped
