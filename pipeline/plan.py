"""What a change does: the reviewer's view of a pull request (pure core).

Given the declarations at the base revision and in the change, and the ``generated/`` trees
rendered from each, the plan says per HF which partner agreements (step K4) are added, changed
or removed and which change state ("Stjørdal: 3 agreements test → active at St. Olavs hospital
HF"), shows the routine's timeline for every kommune the change touches, and lists every
finding. Rendering to markdown (jinja2) and JSON is in ``render_markdown``/``as_dict``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import jinja2
import jinja2.sandbox

from pipeline.agreements.states import AgreementState, agreement_state, has_agreement
from pipeline.findings import Finding, count
from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.routine import timeline

CPA_DIR = "cpa"
COMMENT_LIMIT = 65_536  # characters in a GitHub comment; the job summary allows 1 MiB
NOT_THERE = "no agreement"


@dataclass(frozen=True)
class AgreementChange:
    kind: str  # added | changed | removed
    file: str  # relative to generated/


@dataclass(frozen=True)
class StateChange:
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
    agreements: list[AgreementChange] = field(default_factory=list)
    states: list[StateChange] = field(default_factory=list)

    def of(self, kind: str) -> list[AgreementChange]:
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
                    "agreements": {kind: [a.file for a in h.of(kind)] for kind in ("added", "changed", "removed")},
                    "state_changes": [{**s.__dict__, "sentence": s.sentence(h.name)} for s in h.states],
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
            "generated": self.files,
            "findings": [f.as_dict() for f in self.findings],
            "summary": count(self.findings),
        }


def _states(decls: DeclarationSet, hf_key: str) -> dict[tuple[str, int], tuple[str, str, str]]:
    """(kommune, HER-id) -> (kommune name, state) for every agreement at one HF."""
    result = {}
    for k in decls.kommuner:
        m = k.model
        if not has_agreement(m) or m.t is None:
            continue
        for party in m.parties:
            state: AgreementState = agreement_state(m, hf_key, party)
            result[(m.kommune, party.her_id)] = (m.name, state.value, "")
    return result


def _state_changes(base: DeclarationSet, head: DeclarationSet, hf_key: str) -> list[StateChange]:
    before, after = _states(base, hf_key), _states(head, hf_key)
    grouped: Counter[tuple[str, str, str, str]] = Counter()
    for key in sorted(before.keys() | after.keys()):
        old = before.get(key, ("", NOT_THERE, ""))
        new = after.get(key, ("", NOT_THERE, ""))
        if old[1] != new[1]:
            grouped[(key[0], new[0] or old[0], old[1], new[1])] += 1
    return [StateChange(k, name, b, a, n) for (k, name, b, a), n in sorted(grouped.items())]


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
    files: dict[str, list[str]] = {
        "added": sorted(p for p in head_files if p not in base_files),
        "changed": sorted(p for p in head_files if p in base_files and base_files[p] != head_files[p]),
        "removed": sorted(p for p in base_files if p not in head_files),
    }
    hfs = []
    for hf in sorted(head.helseforetak, key=lambda h: h.model.key):
        key = hf.model.key
        prefix = f"{key}/{CPA_DIR}/"
        agreements = [
            AgreementChange(kind, path)
            for kind in ("added", "changed", "removed")
            for path in files[kind]
            if path.startswith(prefix)
        ]
        hfs.append(HfPlan(key, hf.model.name, agreements, _state_changes(base, head, key)))
    kommuner = [
        KommuneTimeline(
            k.model.kommune, k.model.name, k.model.status.value, change, tuple(timeline.states(k.model, today))
        )
        for k, change in _touched(base, head)
    ]
    return Plan(base_ref, today, hfs, kommuner, findings, files)


def when(m: timeline.Milestone) -> str:
    """The routine's day for a milestone (the deadline, not when it was done)."""
    if m.at is not None:
        return timeline.describe_day(m)
    return m.due.isoformat() if m.due else "not set"


def _md_cell(value: object) -> str:
    # Table cells: a pipe would end the cell, a newline the row.
    return str(value).replace("|", "\\|").replace("\n", " ")


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.PackageLoader("pipeline", "templates"),
        autoescape=True,  # GitHub renders HTML entities, so escaped names display as written
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = _md_cell
    env.globals["when"] = when
    return env


def render_markdown(plan: Plan, limit: int = COMMENT_LIMIT) -> str:
    text = _environment().get_template("plan.md.j2").render(plan=plan, summary=count(plan.findings))
    return truncate(text, limit)


def truncate(text: str, limit: int) -> str:
    """Keep within ``limit`` characters, cutting at a line and saying so."""
    if len(text) <= limit:
        return text
    note = (
        f"\n\n> **Truncated:** this plan is {len(text):,} characters; GitHub shows at most {limit:,} here. "
        "Run `oppkobling plan --format json` for all of it.\n"
    )
    cut = text.rfind("\n", 0, limit - len(note))
    return text[: max(cut, 0)] + note
