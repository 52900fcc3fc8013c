"""What the recorded test evidence proves, per HF and communication party.

Shared by the rules (R-H2, R-K6, R-H5) and by the agreement states, so that "R-H5 holds" means
the same thing in a finding and in a generated partner agreement. Nothing here reads "today".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pipeline import routine
from pipeline.model.models import Kommune, Party, Status


def stage(k: Kommune) -> Status:
    """How far along the routine a kommune is: a paused kommune counts as where it paused."""
    if k.status is Status.PAUSED:
        return k.paused_from or Status.PLANNED
    return k.status


def pretest_positive(k: Kommune, hf: str, party: Party) -> bool:
    ev = k.evidence(hf, party.her_id)
    return bool(ev and ev.pretest and ev.pretest.positive)


def dialog_verified(k: Kommune, hf: str, party: Party) -> bool:
    """K6/H4: the test dialog was sent on T (Europe/Oslo) and answered after it was sent."""
    ev = k.evidence(hf, party.her_id)
    t = k.t
    if not (ev and ev.dialog and ev.dialog.sent_at and ev.dialog.answered_at and t):
        return False
    sent = ev.dialog.sent_at.astimezone(routine.OSLO)
    return sent.date() == t and ev.dialog.answered_at > ev.dialog.sent_at


def pairs(k: Kommune, hf_keys: Iterable[str]) -> Iterator[tuple[str, Party]]:
    for hf in hf_keys:
        for party in k.parties:
            yield hf, party


def verified(k: Kommune, hf_keys: Iterable[str]) -> bool:
    """R-H5's evidence part: R-H2 and R-K6 hold for every HF and party, no open deviation."""
    keys = list(hf_keys)
    return (
        bool(k.parties)
        and not k.open_deviations()
        and all(pretest_positive(k, hf, p) and dialog_verified(k, hf, p) for hf, p in pairs(k, keys))
    )
