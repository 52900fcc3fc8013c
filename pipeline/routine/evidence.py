"""What the recorded test evidence proves, per HF and communication party: "is this agreement
verified" (R-H2 + R-K6 + R-H5), decided here once.

Shared by the rules (R-H2, R-K6, R-H5), the timeline and the agreement states, so that "R-H5
holds" means the same thing in a finding, on the status board and in a generated partner
agreement. Nothing here reads "today".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pipeline.model.models import Kommune, Party, Pretest, Status
from pipeline.routine.calendar import OSLO


def stage(k: Kommune) -> Status:
    """How far along the routine a kommune is: a paused kommune counts as where it paused."""
    if k.status is Status.PAUSED:
        return k.paused_from or Status.PLANNED
    return k.status


def pairs(k: Kommune, hf_keys: Iterable[str]) -> Iterator[tuple[str, Party]]:
    """Every (HF, communication party) of ``k``: one agreement each."""
    for hf in hf_keys:
        for party in k.parties:
            yield hf, party


def pretest_positive(k: Kommune, hf: str, party: Party) -> bool:
    """K5/H2: a positive transport receipt and a positive AppRec came back (R-H2)."""
    ev = k.evidence(hf, party.her_id)
    return bool(ev and ev.pretest and ev.pretest.positive)


def dialog_verified(k: Kommune, hf: str, party: Party) -> bool:
    """K6/H4: the test dialog was sent on T (Europe/Oslo) and answered after it was sent (R-K6)."""
    ev = k.evidence(hf, party.her_id)
    t = k.t
    if not (ev and ev.dialog and ev.dialog.sent_at and ev.dialog.answered_at and t):
        return False
    sent = ev.dialog.sent_at.astimezone(OSLO)
    return sent.date() == t and ev.dialog.answered_at > ev.dialog.sent_at


def verified(k: Kommune, hf_keys: Iterable[str]) -> bool:
    """R-H5's evidence: R-H2 and R-K6 hold for every HF and party, and no deviation is open."""
    keys = list(hf_keys)
    return (
        bool(k.parties)
        and not k.open_deviations()
        and all(pretest_positive(k, hf, p) and dialog_verified(k, hf, p) for hf, p in pairs(k, keys))
    )


# -- how the receipts of a pretest are described (findings and the timeline) -----------------

TRANSPORT_RECEIPT = "transport receipt"
APPREC = "AppRec"


def receipts(pre: Pretest, *, transport: str = "transport") -> str:
    """``transport ok, apprec missing``: each receipt of the test messages as recorded."""
    return f"{transport} {pre.transport_receipt or 'missing'}, apprec {pre.apprec or 'missing'}"


def missing_receipts(pre: Pretest) -> list[str]:
    """The receipts not recorded yet: ``["transport receipt", "AppRec"]``."""
    return [name for name, value in ((TRANSPORT_RECEIPT, pre.transport_receipt), (APPREC, pre.apprec)) if value is None]
