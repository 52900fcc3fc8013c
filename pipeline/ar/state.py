"""What the AR snapshot says of one communication party, for people: published or not, valid from
and to, and each certificate's expiry. The status board, ``timeline``, ``status`` and the order
e-mail show it per party; R-K3 is what judges it. Dates are Europe/Oslo; nothing here reads the
clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.ar.paths import Entry, Kind
from pipeline.i18n import N_, _
from pipeline.routine.calendar import OSLO

if TYPE_CHECKING:
    from pipeline.ar.snapshot import Snapshot

OPEN_END = 9999  # AR writes an open end as 9999-12-31


def _day(moment: dt.datetime | None) -> dt.date | None:
    if moment is None:
        return None
    try:
        day = moment.astimezone(OSLO).date()
    except OverflowError:
        return None
    return None if day.year >= OPEN_END else day


@dataclass(frozen=True)
class Words:
    """The phrases ``PartyState.describe`` is made of ({} is a day, or a certificate's name)."""

    not_in_ar: str = N_("not in AR")
    in_ar: str = N_("in AR, ")
    valid_from: str = N_("valid from {}")
    valid: str = N_("valid")
    to: str = N_(" to {}")
    both_until: str = N_("certificates until {}")
    until: str = N_("{} certificate until {}")
    missing: str = N_("{} certificate missing")
    signing: str = N_("signing")
    encryption: str = N_("encryption")

    def translated(self) -> Words:
        """These phrases in the language in force (``pipeline.i18n``)."""
        return Words(**{f.name: _(getattr(self, f.name)) for f in dataclasses.fields(self)})


ENGLISH = Words()


@dataclass(frozen=True)
class PartyState:
    her_id: int
    in_ar: bool
    file: str  # the party's snapshot file (where it is, or would be)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None  # None: open-ended
    signing_expires: dt.date | None = None  # None: no signing certificate in AR
    encryption_expires: dt.date | None = None

    @property
    def certificates_until(self) -> dt.date | None:
        """When the first of the two certificates expires (None: one is missing)."""
        if self.signing_expires is None or self.encryption_expires is None:
            return None
        return min(self.signing_expires, self.encryption_expires)

    @property
    def missing(self) -> tuple[str, ...]:
        """The certificates AR does not have: ``signing``, ``encryption``."""
        found = (("signing", self.signing_expires), ("encryption", self.encryption_expires))
        return tuple(kind for kind, until in found if until is None)

    def describe(self, words: Words | None = None) -> str:
        """``in AR, valid from 2026-11-20; certificates until 2049-12-31`` or ``not in AR`` (in
        other ``words``: the order e-mail's are Norwegian)."""
        w = words or ENGLISH.translated()
        if not self.in_ar:
            return w.not_in_ar
        since = w.valid_from.format(self.valid_from) if self.valid_from else w.valid
        until = w.to.format(self.valid_to) if self.valid_to else ""
        if self.signing_expires is not None and self.signing_expires == self.encryption_expires:
            certificates = w.both_until.format(self.signing_expires)
        else:
            certificates = ", ".join(
                w.until.format(name, day) if day else w.missing.format(name)
                for name, day in ((w.signing, self.signing_expires), (w.encryption, self.encryption_expires))
            )
        return f"{w.in_ar}{since}{until}; {certificates}"

    def as_dict(self) -> dict[str, Any]:
        def iso(day: dt.date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "her_id": self.her_id,
            "in_ar": self.in_ar,
            "file": self.file,
            "valid_from": iso(self.valid_from),
            "valid_to": iso(self.valid_to),
            "signing_certificate_expires": iso(self.signing_expires),
            "encryption_certificate_expires": iso(self.encryption_expires),
        }


def party_state(snapshot: Snapshot, her_id: int) -> PartyState:
    party = snapshot.party(her_id)
    if party is None:
        return PartyState(her_id, False, Entry(her_id, Kind.PARTY).path)

    def expires(kind: Kind) -> dt.date | None:
        file = party.certificate(kind)
        cert = file.certificate if file else None
        return cert.not_after.astimezone(OSLO).date() if cert else None

    return PartyState(
        her_id,
        True,
        party.path,
        _day(party.valid_from),
        _day(party.valid_to),
        expires(Kind.SIGNING),
        expires(Kind.ENCRYPTION),
    )
