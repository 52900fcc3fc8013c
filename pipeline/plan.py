"""The plan: what a pull request does, for its reviewers (pure core). "Plan" means this only.

Given the declarations at the base revision and in the change, and the ``generated/`` trees
rendered from each, the plan says per HF which partner agreements (step K4) are added, changed
or removed and which change state ("Stjørdal: 3 agreements test → active at St. Olavs hospital
HF", read from the two renders' partner indexes), shows the routine's timeline for every kommune
the change touches, lists the incomplete drafts (agreements a party of which has no certificate
in AR yet: never deployed), and lists every finding. ``pipeline.reporters.plan`` writes it as Markdown
or JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline import changes, layout
from pipeline.agreements import index
from pipeline.agreements.agreement import collect
from pipeline.changes import Change, Kind
from pipeline.findings import Finding, count
from pipeline.i18n import N_, _, terms
from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.model.models import TYPED_BY_HAND, Dialog, Kommune, Pretest, Receipt
from pipeline.routine import timeline

NOT_THERE = N_("no agreement")  # a state in the sentences (translated there), and in the JSON as is


def _state(value: str) -> str:
    """An agreement's state as a sentence shows it (``pipeline.i18n.terms``; the JSON keeps the value)."""
    return _(NOT_THERE) if value == NOT_THERE else terms.state(value)


MOVED = "moved from "  # how ``change`` says a declaration moved (JSON: never translated)


@dataclass(frozen=True)
class KommuneStateChange:
    """``count`` agreements of one kommune at one HF moving from ``before`` to ``after`` (with
    ``message``: that message type of ``count`` agreements whose own state stays)."""

    kommune: str
    name: str
    before: str
    after: str
    count: int
    message: str = ""

    def sentence(self, hf_name: str) -> str:
        noun = _("agreement") if self.count == 1 else _("agreements")
        if self.message:
            what = _("message type {message}").format(message=self.message)
            if self.before == NOT_THERE:
                return _("{name}: {what} added to {count} {noun} ({after}) at {hf_name}").format(
                    name=self.name, what=what, count=self.count, noun=noun, after=_state(self.after), hf_name=hf_name
                )
            if self.after == NOT_THERE:
                return _("{name}: {what} removed from {count} {noun} (was {before}) at {hf_name}").format(
                    name=self.name, what=what, count=self.count, noun=noun, before=_state(self.before), hf_name=hf_name
                )
            return _("{name}: {what} of {count} {noun} {before} → {after} at {hf_name}").format(
                name=self.name,
                what=what,
                count=self.count,
                noun=noun,
                before=_state(self.before),
                after=_state(self.after),
                hf_name=hf_name,
            )
        if self.before == NOT_THERE:
            return _("{name}: {count} new {noun} ({after}) at {hf_name}").format(
                name=self.name, count=self.count, noun=noun, after=_state(self.after), hf_name=hf_name
            )
        if self.after == NOT_THERE:
            return _("{name}: {count} {noun} removed (was {before}) at {hf_name}").format(
                name=self.name, count=self.count, noun=noun, before=_state(self.before), hf_name=hf_name
            )
        return _("{name}: {count} {noun} {before} → {after} at {hf_name}").format(
            name=self.name,
            count=self.count,
            noun=noun,
            before=_state(self.before),
            after=_state(self.after),
            hf_name=hf_name,
        )


@dataclass
class HfPlan:
    key: str
    name: str
    agreements: list[Change] = field(default_factory=list)  # CPA files, relative to generated/
    states: list[KommuneStateChange] = field(default_factory=list)
    # The incomplete drafts after the change (CPA file relative to generated/, why): not deployed.
    drafts: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        return [a for a in self.agreements if a.kind == kind]


@dataclass(frozen=True)
class EvidenceChange:
    """One piece of test evidence the change adds or alters (what an import records shows here)."""

    hf: str
    her_id: str
    test: str  # pretest | dialog
    attempt: int
    field: str  # a value's name, or "receipt"
    before: str | None
    after: str | None
    source: str | None = None  # the receipt's own MsgId, or "typed by hand"

    def sentence(self) -> str:
        where = _("{hf} → {her_id}, {test} attempt {attempt}").format(
            hf=self.hf, her_id=self.her_id, test=self.test, attempt=self.attempt
        )
        if self.field == "receipt":
            return _("{where}: receipt {after} (id {value})").format(
                where=where, after=self.after, value=self.source or _("none")
            )
        said = f"{where}: {self.field} {self.before or _('not recorded')} → {self.after or _('removed')}"
        return said + (f" ({self.source})" if self.source else "")

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "sentence": self.sentence()}


@dataclass(frozen=True)
class KommuneTimeline:
    kommune: str
    name: str
    status: str
    change: str  # added | changed | removed | moved from <path> (or changed, moved from <path>)
    entries: tuple[timeline.Entry, ...]
    evidence: tuple[EvidenceChange, ...] = ()

    def change_text(self) -> str:
        """``change`` for a person, in the language in force (the JSON keeps ``change`` as is)."""
        words = {"added": _("added"), "changed": _("changed"), "removed": _("removed")}
        parts = []
        for part in self.change.split(", "):
            moved = part.removeprefix(MOVED)
            parts.append(_("moved from {path}").format(path=moved) if moved != part else words.get(part, part))
        return ", ".join(parts)


@dataclass
class Plan:
    base: str
    today: dt.date
    hfs: list[HfPlan]
    kommuner: list[KommuneTimeline]
    findings: list[Finding]
    files: dict[str, list[str]]  # added/changed/removed paths under generated/
    helseforetak: list[str] = field(default_factory=list)  # HF declarations the change touches
    gate: list[str] = field(default_factory=list)  # files of the gate itself the change touches
    ar: list[str] = field(default_factory=list)  # files of the AR snapshot (partners/ar/) the change touches

    @property
    def generated_changes(self) -> int:
        return sum(len(paths) for paths in self.files.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "today": self.today.isoformat(),
            "helseforetak": [
                {
                    "key": h.key,
                    "name": h.name,
                    "agreements": {kind: [a.path for a in h.of(kind)] for kind in Kind},
                    "state_changes": [{**s.__dict__, "sentence": s.sentence(h.name)} for s in h.states],
                    "incomplete_drafts": [{"cpa": path, "reasons": list(why)} for path, why in h.drafts],
                }
                for h in self.hfs
            ],
            "kommuner": [
                {
                    "kommune": k.kommune,
                    "name": k.name,
                    "status": k.status,
                    "change": k.change,
                    "timeline": [e.as_dict() for e in k.entries],
                    "evidence": [c.as_dict() for c in k.evidence],
                }
                for k in self.kommuner
            ],
            layout.GENERATED: self.files,
            "helseforetak_changed": self.helseforetak,
            "gate_changed": self.gate,
            "ar_changed": self.ar,
            "findings": [f.as_dict() for f in self.findings],
            "summary": count(self.findings),
        }


def _state_changes(
    base_files: Mapping[str, bytes], head_files: Mapping[str, bytes], hf_key: str
) -> list[KommuneStateChange]:
    """The agreements of one HF that change state, from the partner index of each render."""
    where = layout.partner_index(hf_key)
    grouped: Counter[tuple[str, str, str, str, str]] = Counter()
    for c in index.state_changes(base_files.get(where), head_files.get(where)):
        a = c.agreement
        grouped[(a.kommune, a.kommune_name, c.message or "", c.before or NOT_THERE, c.after or NOT_THERE)] += 1
    return [KommuneStateChange(k, name, b, a, n, m) for (k, name, m, b, a), n in sorted(grouped.items())]


def _touched(base: DeclarationSet, head: DeclarationSet) -> list[tuple[KommuneDecl, str]]:
    old = {k.model.kommune: k for k in base.kommuner}
    new = {k.model.kommune: k for k in head.kommuner}
    touched: list[tuple[KommuneDecl, str]] = []
    for number in sorted(old.keys() | new.keys()):
        if number not in old:
            touched.append((new[number], "added"))
        elif number not in new:
            touched.append((old[number], "removed"))
        else:
            what = [] if old[number].model == new[number].model else ["changed"]
            if old[number].path != new[number].path:  # judged by what it holds; the move is said
                what.append(f"{MOVED}{old[number].path}")
            if what:
                touched.append((new[number], ", ".join(what)))
    return touched


def _hfs_touched(base: DeclarationSet, head: DeclarationSet) -> list[str]:
    old = {h.model.key: h for h in base.helseforetak}
    new = {h.model.key: h for h in head.helseforetak}
    return sorted(
        key
        for key in old.keys() | new.keys()
        if key not in old or key not in new or old[key].model != new[key].model or old[key].path != new[key].path
    )


def _receipt_text(r: Receipt) -> str:
    errors = f" {','.join(r.errors)}" if r.errors else ""
    return f"{r.kind} {r.test} {r.result or _('received')}{errors}" + (
        _(" at {at}").format(at=r.at.isoformat()) if r.at else ""
    )


def _attempt_changes(
    hf: str, her: str, test: str, number: int, old: Pretest | Dialog | None, new: Pretest | Dialog
) -> list[EvidenceChange]:
    found = []
    names = ("sent_on", "transport_receipt", "apprec") if isinstance(new, Pretest) else ("sent_at", "answered_at")
    by_hand = TYPED_BY_HAND if new.source == TYPED_BY_HAND else None
    for name in names:
        before, after = getattr(old, name, None) if old else None, getattr(new, name)
        if before != after:
            text = [
                None if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v) for v in (before, after)
            ]
            found.append(EvidenceChange(hf, her, test, number, name, text[0], text[1], by_hand))
    known = {(r.kind, r.message) for r in old.receipts} if old else set()
    for r in new.receipts:
        if (r.kind, r.message) not in known:
            found.append(EvidenceChange(hf, her, test, number, "receipt", None, _receipt_text(r), r.id))
    return found


def evidence_changes(base: Kommune | None, head: Kommune) -> list[EvidenceChange]:
    """The test evidence ``head`` records that ``base`` did not: attempts, values, receipts."""
    found: list[EvidenceChange] = []
    for hf, parties in head.tests.items():
        for her, ev in parties.items():
            before = base.tests.get(hf, {}).get(her) if base else None
            old_pretests, old_dialogs = (before.pretests, before.dialogs) if before else ([], [])
            for i, pre in enumerate(ev.pretests):
                earlier = old_pretests[i] if i < len(old_pretests) else None
                found += _attempt_changes(hf, her, "pretest", i + 1, earlier, pre)
            for i, dialog in enumerate(ev.dialogs):
                said = old_dialogs[i] if i < len(old_dialogs) else None
                found += _attempt_changes(hf, her, "dialog", i + 1, said, dialog)
    return found


@dataclass(frozen=True)
class Rendered:
    """A render as the plan compares it: the sha256 of every file, and the bytes of the partner
    indexes only (the agreements' states are read from them). A national render is never held."""

    digests: dict[str, str]
    indexes: dict[str, bytes]

    @classmethod
    def of(cls, files: Iterable[tuple[str, bytes | str]], digests: dict[str, str] | None = None) -> Rendered:
        """From each file's bytes, or its sha256 (a str) when that is all there is of it (a file
        another render of the same inputs made); a partner index comes as bytes. ``digests``:
        the sha256 of every file, filled by whatever yields ``files`` (the render's own table,
        so that a national render's hashes are neither computed nor held twice)."""
        given = digests is not None
        digests = {} if digests is None else digests
        indexes: dict[str, bytes] = {}
        for path, content in files:
            is_index = path.rpartition("/")[2] == layout.PARTNER_INDEX
            if isinstance(content, str):
                assert not is_index, path  # the indexes are joined, so always rendered
                if not given:
                    digests[path] = content
                continue
            if not given:
                digests[path] = hashlib.sha256(content).hexdigest()
            if is_index:
                indexes[path] = content
        return cls(digests, indexes)


def _rendered(files: Mapping[str, bytes] | Rendered) -> Rendered:
    return files if isinstance(files, Rendered) else Rendered.of(files.items())


def make_plan(
    *,
    base_ref: str,
    today: dt.date,
    base: DeclarationSet,
    head: DeclarationSet,
    base_files: Mapping[str, bytes] | Rendered,
    head_files: Mapping[str, bytes] | Rendered,
    findings: list[Finding],
    gate: list[str] | None = None,
    ar: list[str] | None = None,
) -> Plan:
    base_render, head_render = _rendered(base_files), _rendered(head_files)
    diff, __ = changes.diff(base_render.digests, head_render.digests)
    files = {kind.value: [c.path for c in changes.of(diff, kind)] for kind in Kind}
    hfs = []
    # Why a draft is incomplete, in the person's language (the partner index holds it in the
    # repository's); the index decides which agreements are drafts.
    why = {layout.cpa_path(a.hf.key, a.kommune.kommune, a.party.her_id): a.incomplete for a in collect(head)}
    for hf in sorted(head.helseforetak, key=lambda h: h.model.key):
        key = hf.model.key
        prefix = f"{key}/{layout.CPA_DIR}/"
        agreements = [c for kind in Kind for c in changes.of(diff, kind) if c.path.startswith(prefix)]
        listed = index.read(head_render.indexes.get(layout.partner_index(key))).values()
        drafts = sorted((f"{key}/{a.cpa}", why.get(f"{key}/{a.cpa}", a.reasons)) for a in listed if a.incomplete)
        states = _state_changes(base_render.indexes, head_render.indexes, key)
        hfs.append(HfPlan(key, hf.model.name, agreements, states, drafts))
    before = {k.model.kommune: k.model for k in base.kommuner}
    kommuner = [
        KommuneTimeline(
            k.model.kommune,
            k.model.name,
            k.model.status.value,
            change,
            tuple(timeline.states(k.model, today, head.ar.snapshot)),
            tuple(evidence_changes(before.get(k.model.kommune), k.model)) if change != "removed" else (),
        )
        for k, change in _touched(base, head)
    ]
    return Plan(base_ref, today, hfs, kommuner, findings, files, _hfs_touched(base, head), gate or [], ar or [])
