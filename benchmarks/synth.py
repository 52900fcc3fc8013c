"""Synthetic repositories at national scale, for the benchmarks.

    python benchmarks/synth.py --out benchmarks/work/n357x8 [--kommuner 357] [--parties 8] [--scale 1]

Writes ``partners/`` (and a copy of ``schemas/``) for N real kommuner (numbers, names and
organisation numbers from ``pipeline/data/kommuner.csv``, so S4/S5 hold) with P communication
parties each, the statuses spread evenly over planned, ordered, testing (with and without a
positive pretest), active, paused and withdrawn, and the three HF declarations copied from
the shipped ``partners/helseforetak``. Every repository validates with zero errors on
``--today 2026-11-26`` (``TODAY``); warnings remain where the data is realistic (kommuner
outside Helse Midt-Norge's catchment, AR publication still to do for planned kommuner).

Scaling beyond the register's 357 kommuner: kommunenummer must be real and unique, so "k× the
data" multiplies the parties per kommune (``--scale k`` gives P×k parties). Parties are what
the output grows with (one agreement per HF and party, the test messages per HF and party),
and the evidence in a declaration grows with them, so k× is k× the parties, k× the agreements
and test messages, and close to k× the bytes of YAML (the per-kommune header stays fixed).

NHN's address register as ``partners/ar/`` mirrors it comes with them: every HF and every party
of every kommune past ``planned``, in the API's shapes, with certificates from the examples' test
CA (``tests/ar/make_example_snapshot.py``; one key shared by all, so that thousands are quick).

Output is deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import shutil
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stdnum.no import orgnr  # noqa: E402

from pipeline.routine import calendar  # noqa: E402
from tests.ar import make_example_snapshot  # noqa: E402

TODAY = dt.date(2026, 11, 26)
HF_KEYS = ("st-olavs", "helse-more-og-romsdal", "helse-nord-trondelag")
# Status of kommune i is STATUSES[i % len(STATUSES)]: every status, testing twice (before and
# after a positive pretest) and paused twice (from testing and from ordered).
STATUSES = (
    "planned",
    "ordered",
    "testing",
    "active",
    "paused",
    "withdrawn",
    "testing+pretest",
    "active",
    "paused-ordered",
    "ordered",
)
# Every (type, version) here is supported by all three shipped HFs (R-K2).
MESSAGE_SETS = (
    {"dialogmelding": "1.1", "epikrise": "1.2", "svarrapport": "1.4", "plo": "1.6"},
    {"dialogmelding": "1.1", "epikrise": "1.2"},
    {"dialogmelding": "1.0", "epikrise": "1.1", "svarrapport": "1.3"},
    {"dialogmelding": "1.1", "epikrise": "1.2", "plo": "1.6"},
)
UNITS = (
    "Helse og velferd",
    "Legevakt & akuttmottak",
    "Sykehjem <avdeling A>",
    "Hjemmetjenesten",
    "Fastlegekontor",
    "Helsestasjon",
    "Rus og psykisk helse",
    "Tildelingskontoret",
)


@dataclass(frozen=True)
class Entry:
    number: str
    name: str
    org_number: str


def register() -> list[Entry]:
    text = (REPO / "pipeline" / "data" / "kommuner.csv").read_text("utf-8")
    entries = []
    for row in csv.DictReader(text.splitlines()):
        org = row["org_number"] or synthetic_org_number(row["number"])
        entries.append(Entry(row["number"], row["name"], org))
    return entries


def synthetic_org_number(kommune: str) -> str:
    """A MOD11-valid number for the few kommuner the register has none for (S5 only checks
    the check digit then)."""
    for tail in range(1000):
        number = f"9{kommune}{tail:04d}"
        if orgnr.is_valid(number):
            return number
    raise RuntimeError(f"no organisation number for {kommune}")


def slug(name: str) -> str:
    short = name.split(" - ")[0]
    folded = short.casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    ascii_only = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_only).split()
    return "-".join(words)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def working_day(start: dt.date) -> dt.date:
    day = start
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def dialog_times(t: dt.date, answered_after_minutes: int) -> tuple[str, str]:
    sent = calendar.dialog_at(t)
    answered = sent + dt.timedelta(minutes=answered_after_minutes)
    return sent.isoformat(), answered.isoformat()


@dataclass(frozen=True)
class Plan:
    status: str
    t: dt.date
    agreed_on: dt.date
    order_sent_on: dt.date | None
    published: bool
    pretest: str | None  # None, "ok", or "rejected-st-olavs"
    dialog: bool
    deviation: str | None  # None, "open", "resolved"
    paused_from: str | None = None


def plan(index: int) -> Plan:
    kind = STATUSES[index % len(STATUSES)]
    spread = dt.timedelta(days=index % 23)
    if kind == "planned":
        t = working_day(dt.date(2027, 3, 1) + spread)
        return Plan("planned", t, dt.date(2026, 11, 2), None, False, None, False, None)
    if kind == "ordered":
        t = working_day(dt.date(2027, 1, 11) + spread)
        return Plan("ordered", t, dt.date(2026, 10, 5), dt.date(2026, 11, 2), True, None, False, None)
    if kind == "testing":  # before the pretest: T-7 still ahead
        t = working_day(dt.date(2026, 12, 7) + dt.timedelta(days=index % 9))
        return Plan("testing", t, dt.date(2026, 9, 7), dt.date(2026, 10, 1), True, None, False, None)
    if kind == "testing+pretest":  # positive pretest, service deactivated until T
        t = working_day(dt.date(2026, 11, 27) + dt.timedelta(days=index % 4))
        return Plan("testing", t, dt.date(2026, 9, 7), dt.date(2026, 10, 1), True, "ok", False, None)
    if kind == "active":
        t = working_day(dt.date(2025, 9, 1) + dt.timedelta(days=(index * 7) % 400))
        deviation = "resolved" if index % 3 == 0 else None
        return Plan("active", t, t - dt.timedelta(days=90), t - dt.timedelta(days=60), True, "ok", True, deviation)
    if kind == "paused":  # a rejected AppRec from St. Olavs during testing, deviation open
        t = working_day(dt.date(2026, 12, 1) + dt.timedelta(days=index % 3))
        return Plan(
            "paused", t, dt.date(2026, 9, 1), dt.date(2026, 10, 1), True, "rejected-st-olavs", False, "open", "testing"
        )
    if kind == "paused-ordered":
        t = working_day(dt.date(2027, 2, 1) + spread)
        return Plan("paused", t, dt.date(2026, 10, 1), dt.date(2026, 11, 2), True, None, False, None, "ordered")
    # withdrawn after an order, before testing
    t = working_day(dt.date(2026, 6, 1) + spread)
    return Plan("withdrawn", t, dt.date(2026, 3, 2), dt.date(2026, 4, 1), True, None, False, None)


def kommune_yaml(index: int, entry: Entry, parties: int) -> str:
    p = plan(index)
    name = entry.name
    unit_owner = name.split(" - ")[0]
    her_base = 10_000_000 + index * 1000
    lines = [
        "# yaml-language-server: $schema=../../schemas/kommune.schema.json",
        f"# Synthetic declaration (benchmarks/synth.py), status {p.status}.",
        f"kommune: {q(entry.number)}",
        f"name: {q(name)}",
        f"org_number: {q(entry.org_number)}",
        f"contact: meldingsansvarlig@{slug(name)}.kommune.no",
        f"status: {p.status}",
    ]
    if p.paused_from:
        lines.append(f"paused_from: {p.paused_from}")
    lines += ["activation:", f"  date: {p.t.isoformat()}", f"  agreed_on: {p.agreed_on.isoformat()}"]
    if p.order_sent_on:
        lines += ["order:", f"  sent_on: {p.order_sent_on.isoformat()}", f"  reference: HEMIT-{5000 + index}"]
    published = calendar.ar_deadline(p.t) - dt.timedelta(days=3)
    her_ids = [her_base + j + 1 for j in range(parties)]
    lines.append("parties:")
    for j, her in enumerate(her_ids):
        unit = UNITS[j % len(UNITS)]
        suffix = f" {j // len(UNITS) + 1}" if j >= len(UNITS) else ""
        lines += [
            f"  - her_id: {her}",
            f"    name: {q(f'{unit_owner} kommune - {unit}{suffix}')}",
            f"    edi_address: {slug(name)}-p{j + 1}@edi.nhn.no",
        ]
        if p.published:
            lines.append(f"    ar_published_on: {published.isoformat()}")
        lines.append("    messages:")
        for mtype, version in MESSAGE_SETS[(index + j) % len(MESSAGE_SETS)].items():
            lines.append(f"      {mtype}: {q(version)}")
    if p.pretest:
        test_day = calendar.pretest_day(p.t)
        lines.append("tests:")
        for hf in HF_KEYS:
            lines.append(f"  {hf}:")
            for n, her in enumerate(her_ids):
                apprec = "rejected" if p.pretest == "rejected-st-olavs" and hf == "st-olavs" and n == 0 else "ok"
                lines += [
                    f"    {q(str(her))}:",
                    f"      pretest: {{sent_on: {test_day.isoformat()}, transport_receipt: ok, apprec: {apprec}}}",
                ]
                if p.dialog:
                    sent, answered = dialog_times(p.t, 20 + (n * 7 + index) % 120)
                    lines.append(f"      dialog: {{sent_at: {q(sent)}, answered_at: {q(answered)}}}")
    if p.deviation:
        opened = calendar.pretest_day(p.t)
        lines += [
            "deviations:",
            f"  - opened_on: {opened.isoformat()}",
            "    hf: st-olavs",
            f"    description: {q('AppRec avvist ved testepikrise (ukjent mottaker i fagsystemet)')}",
        ]
        if p.deviation == "resolved":
            lines.append(f"    resolved_on: {(opened + dt.timedelta(days=1)).isoformat()}")
    return "\n".join(lines) + "\n"


def generate(dest: Path, *, kommuner: int = 357, parties: int = 8, scale: int = 1) -> dict[str, int]:
    """Write a synthetic repository at ``dest`` (replacing its partners/); return counts."""
    entries = register()
    if not 1 <= kommuner <= len(entries):
        raise SystemExit(f"--kommuner must be 1..{len(entries)} (the register's kommuner)")
    if parties * scale > 999:
        raise SystemExit("at most 999 parties per kommune")
    # Spread the chosen kommuner over the whole register (every county), in a fixed order.
    step = len(entries) / kommuner
    chosen = [entries[int(i * step)] for i in range(kommuner)]
    partners = dest / "partners"
    if partners.exists():
        shutil.rmtree(partners)
    (partners / "kommuner").mkdir(parents=True)
    shutil.copytree(REPO / "partners" / "helseforetak", partners / "helseforetak")
    if (dest / "schemas").exists():
        shutil.rmtree(dest / "schemas")
    shutil.copytree(REPO / "schemas", dest / "schemas")
    per_kommune = parties * scale
    total_bytes = 0
    for index, entry in enumerate(chosen):
        text = kommune_yaml(index, entry, per_kommune)
        path = partners / "kommuner" / f"{entry.number}-{slug(entry.name)}.yaml"
        path.write_text(text, "utf-8")
        total_bytes += len(text.encode("utf-8"))
    snapshot = make_example_snapshot.quick(dest)
    make_example_snapshot.write(dest, snapshot)
    return {
        "kommuner": kommuner,
        "parties": kommuner * per_kommune,
        "yaml_bytes": total_bytes,
        "ar_files": len(snapshot),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="repository directory to write")
    parser.add_argument("--kommuner", type=int, default=357, help="number of kommuner (1..357)")
    parser.add_argument("--parties", type=int, default=8, help="communication parties per kommune at scale 1")
    parser.add_argument("--scale", type=int, default=1, help="multiply the parties per kommune (k× the data)")
    args = parser.parse_args(argv)
    counts = generate(args.out, kommuner=args.kommuner, parties=args.parties, scale=args.scale)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
