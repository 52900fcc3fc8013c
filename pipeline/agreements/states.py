"""The state of an agreement between an HF and a kommune's communication party (step K4 onwards),
per message type of the party and for the agreement as a whole.

The state is computed from the declared status and the recorded evidence (``pipeline.routine.evidence``)
only, never from "today": a generated agreement changes when a declaration changes, and the
merge of that change is the activation gate (RULES.md, "Lifecycle and the merge gate").

The states follow the routine's steps H2 (the service deactivated until T once the pretest's
receipts are positive) and H5 (activated when verified, electronic only); their words are in
``pipeline.routine.steps``.

=============================== ===========================================================
status                          state of a message type
=============================== ===========================================================
planned                         no agreement (``has_agreement`` is false)
ordered                         ``pending``
testing                         ``test``; ``deactivated-until-activation`` once the pretest
                                from this HF to this party is positive (R-H2)
active                          ``active`` only when R-H5's evidence holds
                                (``evidence.verified`` for every HF and party); otherwise the
                                state ``testing`` would give: never ``active`` on a say-so
paused                          ``paused``
withdrawn                       ``withdrawn`` (so is a type or party the declaration withdraws)
=============================== ===========================================================

A message type that joined late (``pipeline.routine.lifecycle``) in a testing or active kommune
has its own routine: ``pending`` until test messages dated on or after the day it joined are
recorded (``test``), ``deactivated-until-activation`` once they are positive, ``active`` once the
kommune is active and its own evidence (dialog on its own T) holds for every HF.

The agreement's state is the furthest any of its types has come (``RANK``); its CPA is
``agreed`` only when that is ``active``, and an agreed CPA carries only the active types
(``cpa_types``): a type still in its own routine is never usable through an agreed CPA.

Beside these, ``incomplete`` (``pipeline.agreements.agreement``): a party of the agreement has no
certificate in AR yet, whatever the status (but withdrawn); the draft is never deployed.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pipeline.i18n import _
from pipeline.model.catalogue import catalogue
from pipeline.model.models import HF_KEYS, Join, Kommune, Party, Status
from pipeline.routine import evidence, lifecycle

CpaStatus = Literal["proposed", "agreed"]


class AgreementState(StrEnum):
    PENDING = "pending"
    TEST = "test"
    DEACTIVATED_UNTIL_ACTIVATION = "deactivated-until-activation"
    ACTIVE = "active"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"
    # A party has no certificate in AR yet: an incomplete draft, never deployed (``agreement``).
    INCOMPLETE = "incomplete"


def has_agreement(k: Kommune) -> bool:
    """Agreements exist from ``ordered`` on (K4 follows the order, K2), paused and withdrawn included.
    A paused kommune that paused while still planned has none."""
    return lifecycle.stage(k) is not Status.PLANNED


def _testing_state(k: Kommune, hf_key: str, party: Party) -> AgreementState:
    if evidence.pretest_positive(k, hf_key, party):
        return AgreementState.DEACTIVATED_UNTIL_ACTIVATION
    return AgreementState.TEST


def _late_state(k: Kommune, hf_key: str, party: Party, join: Join, hf_keys: Iterable[str]) -> AgreementState:
    if k.status is Status.ACTIVE and evidence.late_verified(k, party, join, hf_keys):
        return AgreementState.ACTIVE
    if evidence.pretest_positive(k, hf_key, party, since=join.on):
        return AgreementState.DEACTIVATED_UNTIL_ACTIVATION
    if evidence.pretest_recorded(k, hf_key, party, since=join.on):
        return AgreementState.TEST
    return AgreementState.PENDING


def message_state(
    k: Kommune, hf_key: str, party: Party, message_type: str | None, hf_keys: Iterable[str] = HF_KEYS
) -> AgreementState:
    """The state of one message type (None: the agreement of a party with no known type) of the
    agreement between HF ``hf_key`` and ``party`` of kommune ``k``.

    ``hf_keys`` is the set of HFs R-H5 requires evidence from (all three in Midt-Norge).
    Raises ValueError for a kommune that has no agreement yet (see ``has_agreement``).
    """
    if not has_agreement(k):
        raise ValueError(
            _("kommune {kommune} is {status}: no agreement before the order (K2)").format(
                kommune=k.kommune, status=k.status
            )
        )
    withdrawn = party.withdrawn is not None and (message_type is None or party.withdrawn_type(message_type))
    if k.status is Status.WITHDRAWN or withdrawn:
        return AgreementState.WITHDRAWN
    if k.status is Status.PAUSED:
        return AgreementState.PAUSED
    if k.status is Status.ORDERED:
        return AgreementState.PENDING
    join = lifecycle.join_of(party, message_type) if message_type is not None else None
    if join is not None:
        return _late_state(k, hf_key, party, join, hf_keys)
    if k.status is Status.ACTIVE and evidence.verified(k, hf_keys):
        return AgreementState.ACTIVE
    # Testing, or declared active without R-H5's evidence: stay where the evidence says we are.
    return _testing_state(k, hf_key, party)


# How far along the routine a state is: the agreement is as far as its furthest type.
RANK = {
    AgreementState.WITHDRAWN: 0,
    AgreementState.PAUSED: 0,
    AgreementState.PENDING: 1,
    AgreementState.TEST: 2,
    AgreementState.DEACTIVATED_UNTIL_ACTIVATION: 3,
    AgreementState.ACTIVE: 4,
}
# The routine's steps, for "one step at a time" (L1): test and deactivated are one step (testing).
STEP = {
    AgreementState.PENDING: 1,
    AgreementState.TEST: 2,
    AgreementState.DEACTIVATED_UNTIL_ACTIVATION: 2,
    AgreementState.ACTIVE: 3,
}


def ordered_types(party: Party) -> list[str]:
    """The party's ordered message types the catalogue knows at their version, in catalogue order
    (R-K2 reports the rest)."""
    return [key for key, mt in catalogue().types.items() if party.messages.get(key, "") in mt.versions]


def message_states(
    k: Kommune, hf_key: str, party: Party, hf_keys: Iterable[str] = HF_KEYS
) -> dict[str, AgreementState]:
    """Message type -> state, for the types the party ordered, in catalogue order."""
    keys = list(hf_keys)
    return {t: message_state(k, hf_key, party, t, keys) for t in ordered_types(party)}


def agreement_state(k: Kommune, hf_key: str, party: Party, hf_keys: Iterable[str] = HF_KEYS) -> AgreementState:
    """The state of the agreement between HF ``hf_key`` and ``party`` of kommune ``k``: the
    furthest any of its message types has come."""
    by_type = message_states(k, hf_key, party, hf_keys)
    if not by_type:
        return message_state(k, hf_key, party, None, hf_keys)
    return max(by_type.values(), key=RANK.__getitem__)


def cpa_status(k: Kommune, hf_key: str, party: Party, hf_keys: Iterable[str] = HF_KEYS) -> CpaStatus:
    """``agreed`` only when the agreement is active (R-H5's evidence holds for some type); else
    ``proposed`` (a withdrawn or paused agreement is not in force, so it is never ``agreed`` either)."""
    if agreement_state(k, hf_key, party, hf_keys) is AgreementState.ACTIVE:
        return "agreed"
    return "proposed"


def cpa_types(k: Kommune, hf_key: str, party: Party, hf_keys: Iterable[str] = HF_KEYS) -> list[str]:
    """The message types the CPA carries: when it is agreed, only the active ones; otherwise every
    type not withdrawn (every type, when all are)."""
    by_type = message_states(k, hf_key, party, hf_keys)
    if any(s is AgreementState.ACTIVE for s in by_type.values()):
        return [t for t, s in by_type.items() if s is AgreementState.ACTIVE]
    kept = [t for t, s in by_type.items() if s is not AgreementState.WITHDRAWN]
    return kept or list(by_type)


TypeKey = tuple[str, int, str]  # (HF key, party HER-id, message type): one state of an agreement


def type_states(k: Kommune, hf_keys: Iterable[str]) -> dict[TypeKey, AgreementState]:
    """Every message type of every agreement of ``k`` with the HFs ``hf_keys``, and its state
    (nothing before the order). A paused kommune is taken where it paused: the states it returns to."""
    if k.status is Status.PAUSED:
        k = k.model_copy(update={"status": k.paused_from or Status.PLANNED, "paused_from": None})
    if not has_agreement(k):
        return {}
    keys = list(hf_keys)
    return {
        (hf, party.her_id, t): message_state(k, hf, party, t, keys)
        for hf in keys
        for party in k.parties
        for t in ordered_types(party)
    }
