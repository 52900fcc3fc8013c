"""How each agreement and each of its message types (HF, party HER-id, type) moves between two
declaration sets, a change's base and its head: what the lifecycle rules (L1, L3, L5) judge."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pipeline.agreements.states import AgreementState, TypeKey, type_states
from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.routine import lifecycle


@dataclass(frozen=True)
class TypeChange:
    """One message type of one agreement: its state at the base (None: it had none) and now."""

    hf: str
    her_id: int
    message_type: str
    before: AgreementState | None
    after: AgreementState | None


@dataclass(frozen=True)
class KommuneChanges:
    head: KommuneDecl | None
    base: KommuneDecl | None
    changes: tuple[TypeChange, ...]


def _states(k: KommuneDecl | None, decls: DeclarationSet) -> dict[TypeKey, AgreementState]:
    return {} if k is None else type_states(k.model, [h.model.key for h in decls.helseforetak])


def compare(head: DeclarationSet, base: DeclarationSet) -> list[KommuneChanges]:
    """Per kommune (by kommunenummer, whatever its file), every message type whose state differs
    between the base and the head. Kommuner whose status or T moves against L1 or L2 are left
    out: those rules report them as a whole."""
    found = []
    old, new = base.by_number(), head.by_number()
    for number in sorted(old.keys() | new.keys()):
        h, b = new.get(number), old.get(number)
        if h is not None and not lifecycle.status_step_allowed(b.model if b else None, h.model):
            continue
        if h is not None and b is not None and not lifecycle.date_change_allowed(b.model, h.model):
            continue
        before, after = _states(b, base), _states(h, head)
        changes = tuple(
            TypeChange(*key, before.get(key), after.get(key))
            for key in sorted(before.keys() | after.keys())
            if before.get(key) is not after.get(key)
        )
        if changes:
            found.append(KommuneChanges(h, b, changes))
    return found


def by_party(changes: tuple[TypeChange, ...]) -> dict[tuple[int, str, str], list[TypeChange]]:
    """Changes grouped by (HER-id, state before, state after), for one finding per group."""
    grouped: dict[tuple[int, str, str], list[TypeChange]] = defaultdict(list)
    for c in changes:
        grouped[(c.her_id, str(c.before or "no agreement"), str(c.after or "no agreement"))].append(c)
    return grouped


def party_index(k: KommuneDecl, her_id: int) -> int | None:
    return next((i for i, p in enumerate(k.model.parties) if p.her_id == her_id), None)


def listing(changes: list[TypeChange]) -> tuple[str, str]:
    """('st-olavs, helse-more-og-romsdal', 'dialogmelding, epikrise'): the HFs and the types."""
    hfs = ", ".join(dict.fromkeys(c.hf for c in changes))
    types = ", ".join(dict.fromkeys(c.message_type for c in changes))
    return hfs, types
