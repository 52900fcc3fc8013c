"""The state of an agreement between an HF and a kommune's communication party (step K4 onwards).

The state is computed from the declared status and the recorded evidence (``pipeline.routine.evidence``)
only, never from "today": a generated agreement changes when a declaration changes, and the
merge of that change is the activation gate (RULES.md, "Lifecycle and the merge gate").

The states follow the routine's steps H2 (the service deactivated until T once the pretest's
receipts are positive) and H5 (activated when verified, electronic only); their words are in
``pipeline.routine.steps``.

=============================== ===========================================================
status                          state
=============================== ===========================================================
planned                         no agreement (``has_agreement`` is false)
ordered                         ``pending``
testing                         ``test``; ``deactivated-until-activation`` once the pretest
                                from this HF to this party is positive (R-H2)
active                          ``active`` only when R-H5's evidence holds
                                (``evidence.verified`` for every HF and party); otherwise the
                                state ``testing`` would give: never ``active`` on a say-so
paused                          ``paused``
withdrawn                       ``withdrawn``
=============================== ===========================================================

Beside these, ``incomplete`` (``pipeline.agreements.agreement``): a party of the agreement has no
certificate in AR yet, whatever the status (but withdrawn); the draft is never deployed.

Evidence is recorded per HF and party, not per message type, so every message type of a party
has the same state today; ``message_states`` gives the per-type view the partner index shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pipeline.model.catalogue import catalogue
from pipeline.model.models import HF_KEYS, Kommune, Party, Status
from pipeline.routine import evidence

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
    return evidence.stage(k) is not Status.PLANNED


def _testing_state(k: Kommune, hf_key: str, party: Party) -> AgreementState:
    if evidence.pretest_positive(k, hf_key, party):
        return AgreementState.DEACTIVATED_UNTIL_ACTIVATION
    return AgreementState.TEST


def agreement_state(k: Kommune, hf_key: str, party: Party, hf_keys: Iterable[str] = HF_KEYS) -> AgreementState:
    """The state of the agreement between HF ``hf_key`` and ``party`` of kommune ``k``.

    ``hf_keys`` is the set of HFs R-H5 requires evidence from (all three in Midt-Norge).
    Raises ValueError for a kommune that has no agreement yet (see ``has_agreement``).
    """
    if not has_agreement(k):
        raise ValueError(f"kommune {k.kommune} is {k.status}: no agreement before the order (K2)")
    match k.status:
        case Status.WITHDRAWN:
            return AgreementState.WITHDRAWN
        case Status.PAUSED:
            return AgreementState.PAUSED
        case Status.ORDERED:
            return AgreementState.PENDING
        case Status.TESTING:
            return _testing_state(k, hf_key, party)
        case Status.ACTIVE:
            if evidence.verified(k, hf_keys):
                return AgreementState.ACTIVE
            # Declared active without R-H5's evidence: stay where the evidence says we are.
            return _testing_state(k, hf_key, party)
    raise AssertionError(f"unhandled status {k.status}")  # pragma: no cover


def message_states(
    k: Kommune, hf_key: str, party: Party, hf_keys: Iterable[str] = HF_KEYS
) -> dict[str, AgreementState]:
    """Message type -> state, for the types the party ordered, in catalogue order (types or
    versions the catalogue does not know are left out: rule R-K2 reports those)."""
    state = agreement_state(k, hf_key, party, hf_keys)
    types = catalogue().types
    return {key: state for key, mt in types.items() if party.messages.get(key, "") in mt.versions}


def cpa_status(k: Kommune, hf_key: str, party: Party, hf_keys: Iterable[str] = HF_KEYS) -> CpaStatus:
    """``agreed`` only when the declaration is active and R-H5's evidence holds; else ``proposed``
    (a withdrawn or paused agreement is not in force, so it is never ``agreed`` either)."""
    if agreement_state(k, hf_key, party, hf_keys) is AgreementState.ACTIVE:
        return "agreed"
    return "proposed"
