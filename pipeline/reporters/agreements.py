"""What ``agreements show`` found in a CPA or CPP (what a message server sees, read as one party) and what
``agreements compare`` found differing between two, as text or JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.agreements.reading import Binding, Certificate, MessageFunction, Party, Reading
    from pipeline.app.agreements import Compared, Shown


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _certificate(usage: str, c: Certificate | None) -> str:
    if c is None:
        return f"{usage} certificate: NONE (a message server cannot {'verify' if usage == 'signing' else 'encrypt'})"
    if c.status != "x509":
        return f"{usage} certificate: {c.cert_id} {c.status}: {c.problem}"
    until = c.not_after.isoformat() if c.not_after else "?"
    return f"{usage} certificate: {c.subject}, serial {c.serial}, {c.key}, valid until {until}, SHA-1 {c.sha1}"


def _party(title: str, p: Party) -> list[str]:
    ids = ", ".join(f"{i.type or '(no type)'} {i.value}" for i in p.party_ids)
    return [
        f"{title}: {p.name}, HER-id {p.her_id} (PartyId {ids})",
        f"  PartyRef {p.party_ref or '(none)'}",
        f"  {_certificate('signing', p.signing)}",
        f"  {_certificate('encryption', p.encryption)}",
    ]


def _parts(b: Binding) -> str:
    if b.parts is None:
        return f"package {b.package}: NOT IN THE DOCUMENT (no parts)"
    return "; ".join(f"{x.namespace} ({x.location} {x.version or ''})".replace(" )", ")") for x in b.parts)


def _function(f: MessageFunction, repeats: int) -> list[str]:
    p = f.process
    where = f.destination
    also = f" (in {repeats} roles; the first is what a message server finds)" if repeats > 1 else ""
    to = f"{where.uri} ({where.protocol} {where.protocol_version})" if where else "(no endpoint of mine)"
    return [
        f"  {f.direction:<7} {f.action:<28} {p.name} {p.version} uuid {p.uuid or '(none)'}{also}",
        f"          service {f.service}, their role {f.counterparty_role}, mine {f.my_role or '(none)'}",
        f"          delivered to {to}",
        f"          parts {_parts(f.binding)}",
    ]


def _functions(r: Reading) -> list[str]:
    seen: dict[tuple[str, str | None, str | None, str], list[MessageFunction]] = {}
    for f in r.functions:
        seen.setdefault((f.direction, f.process.name, f.process.version, f.action.upper()), []).append(f)
    lines = [f"message functions ({len(seen)}, seen from {r.her_id}: send = I may send it, receive = it sends me):"]
    for found in seen.values():
        lines += _function(found[0], len(found))
    return lines


def _warnings(r: Reading, skipped: str | None) -> list[str]:
    lines = [f"{r.file}:{w.line}: warning: {w.message} [{w.rule}]" for w in r.warnings]
    return lines + ([f"warning: {skipped}"] if skipped else [])


def show_text(s: Shown) -> str:
    r = s.reading
    period = f"{r.start.isoformat() if r.start else '?'} to {r.end.isoformat() if r.end else '?'}"
    lines = [f"{r.file}: {r.kind.upper()} {r.id}, version {r.version}, status {r.status}, valid {period}"]
    if r.kind == "cpa":
        lines.append(f"read as HER-id {r.her_id}" + (f" ({r.me.name})" if r.me else " (not a party of it)"))
    lines += _party("counterparty" if r.kind == "cpa" else "party", r.counterparty)
    if r.me is not None:
        lines += _party("my party", r.me)
    lines += _functions(r)
    lines += _warnings(r, s.skipped)
    return "\n".join(lines) + "\n"


def show_json(s: Shown) -> str:
    return json.dumps({"reading": _plain(s.reading), "schema_skipped": s.skipped}, ensure_ascii=False, indent=2) + "\n"


def compare_text(c: Compared) -> str:
    lines = [f"ours {c.ours.file}, theirs {c.theirs.file}, both read as HER-id {c.ours.her_id}:"]
    if not c.differences:
        lines.append(
            "  no differences: the same counterparty, period, status, certificates and message functions "
            "(process, roles, service, action, endpoint, payload namespaces)"
        )
    else:
        lines.append(f"  {len(c.differences)} difference(s):")
        lines += [f"  {d.aspect}: {d.message}" for d in c.differences]
    lines += _warnings(c.ours, c.skipped) + _warnings(c.theirs, None)
    return "\n".join(lines) + "\n"


def compare_json(c: Compared) -> str:
    data = {
        "ours": c.ours.file,
        "theirs": c.theirs.file,
        "her_id": c.ours.her_id,
        "differences": [{**_plain(d), "function": str(d.function) if d.function else None} for d in c.differences],
        "warnings": [_plain(w) for w in (*c.ours.warnings, *c.theirs.warnings)],
        "schema_skipped": c.skipped,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


SHOW: dict[str, Callable[[Shown], str]] = {"text": show_text, "json": show_json}
COMPARE: dict[str, Callable[[Compared], str]] = {"text": compare_text, "json": compare_json}
