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
from dataclasses import dataclass, field
from typing import Any

from pipeline import changes, layout
from pipeline.agreements import index
from pipeline.changes import Change, Kind
from pipeline.findings import Finding, count
from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.routine import timeline

NOT_THERE = "no agreement"


@dataclass(frozen=True)
class KommuneStateChange:
    """``count`` agreements of one kommune at one HF moving from ``before`` to ``after``."""

    kommune: str
    name: str
    before: str
    after: str
    count: int

    def sentence(self, hf_name: str) -> str:
        noun = "agreement" if self.count == 1 else "agreements"
        if self.before == NOT_THERE:
            return f"{self.name}: {self.count} new {noun} ({self.after}) at {hf_name}"
        if self.after == NOT_THERE:
            return f"{self.name}: {self.count} {noun} removed (was {self.before}) at {hf_name}"
        return f"{self.name}: {self.count} {noun} {self.before} → {self.after} at {hf_name}"


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
class KommuneTimeline:
    kommune: str
    name: str
    status: str
    change: str  # added | changed | removed
    entries: tuple[timeline.Entry, ...]


@dataclass
class Plan:
    base: str
    today: dt.date
    hfs: list[HfPlan]
    kommuner: list[KommuneTimeline]
    findings: list[Finding]
    files: dict[str, list[str]]  # added/changed/removed paths under generated/

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
                }
                for k in self.kommuner
            ],
            layout.GENERATED: self.files,
            "findings": [f.as_dict() for f in self.findings],
            "summary": count(self.findings),
        }


def _state_changes(base_files: dict[str, bytes], head_files: dict[str, bytes], hf_key: str) -> list[KommuneStateChange]:
    """The agreements of one HF that change state, from the partner index of each render."""
    where = layout.partner_index(hf_key)
    grouped: Counter[tuple[str, str, str, str]] = Counter()
    for c in index.state_changes(base_files.get(where), head_files.get(where)):
        a = c.agreement
        grouped[(a.kommune, a.kommune_name, c.before or NOT_THERE, c.after or NOT_THERE)] += 1
    return [KommuneStateChange(k, name, b, a, n) for (k, name, b, a), n in sorted(grouped.items())]


def _touched(base: DeclarationSet, head: DeclarationSet) -> list[tuple[KommuneDecl, str]]:
    old = {k.model.kommune: k for k in base.kommuner}
    new = {k.model.kommune: k for k in head.kommuner}
    touched: list[tuple[KommuneDecl, str]] = []
    for number in sorted(old.keys() | new.keys()):
        if number not in old:
            touched.append((new[number], "added"))
        elif number not in new:
            touched.append((old[number], "removed"))
        elif old[number].model != new[number].model:
            touched.append((new[number], "changed"))
    return touched


def _digests(files: dict[str, bytes]) -> dict[str, str]:
    return {p: hashlib.sha256(c).hexdigest() for p, c in files.items()}


def make_plan(
    *,
    base_ref: str,
    today: dt.date,
    base: DeclarationSet,
    head: DeclarationSet,
    base_files: dict[str, bytes],
    head_files: dict[str, bytes],
    findings: list[Finding],
) -> Plan:
    diff, _ = changes.diff(_digests(base_files), _digests(head_files))
    files = {kind.value: [c.path for c in changes.of(diff, kind)] for kind in Kind}
    hfs = []
    for hf in sorted(head.helseforetak, key=lambda h: h.model.key):
        key = hf.model.key
        prefix = f"{key}/{layout.CPA_DIR}/"
        agreements = [c for kind in Kind for c in changes.of(diff, kind) if c.path.startswith(prefix)]
        listed = index.read(head_files.get(layout.partner_index(key))).values()
        drafts = sorted((f"{key}/{a.cpa}", a.reasons) for a in listed if a.incomplete)
        hfs.append(HfPlan(key, hf.model.name, agreements, _state_changes(base_files, head_files, key), drafts))
    kommuner = [
        KommuneTimeline(
            k.model.kommune,
            k.model.name,
            k.model.status.value,
            change,
            tuple(timeline.states(k.model, today, head.ar.snapshot)),
        )
        for k, change in _touched(base, head)
    ]
    return Plan(base_ref, today, hfs, kommuner, findings, files)
