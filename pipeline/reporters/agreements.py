"""What ``agreements show`` found in a CPA or CPP (what a message server sees, read as one party) and what
``agreements compare`` found differing between two, as text or JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pipeline.i18n import _

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
        return _("{usage} certificate: NONE (a message server cannot {value})").format(
            usage=usage, value=_("verify") if usage == "signing" else _("encrypt")
        )
    if c.status != "x509":
        return _("{usage} certificate: {cert_id} {status}: {problem}").format(
            usage=usage, cert_id=c.cert_id, status=c.status, problem=c.problem
        )
    until = c.not_after.isoformat() if c.not_after else "?"
    return _("{usage} certificate: {subject}, serial {serial}, {key}, valid until {until}, SHA-1 {sha1}").format(
        usage=usage, subject=c.subject, serial=c.serial, key=c.key, until=until, sha1=c.sha1
    )


def _party(title: str, p: Party) -> list[str]:
    ids = ", ".join(f"{i.type or _('(no type)')} {i.value}" for i in p.party_ids)
    return [
        _("{title}: {name}, HER-id {her_id} (PartyId {ids})").format(
            title=title, name=p.name, her_id=p.her_id, ids=ids
        ),
        _("  PartyRef {value}").format(value=p.party_ref or _("(none)")),
        f"  {_certificate('signing', p.signing)}",
        f"  {_certificate('encryption', p.encryption)}",
    ]


def _parts(b: Binding) -> str:
    if b.parts is None:
        return _("package {package}: NOT IN THE DOCUMENT (no parts)").format(package=b.package)
    return "; ".join(f"{x.namespace} ({x.location} {x.version or ''})".replace(" )", ")") for x in b.parts)


def _function(f: MessageFunction, repeats: int) -> list[str]:
    p = f.process
    where = f.destination
    also = (
        _(" (in {repeats} roles; the first is what a message server finds)").format(repeats=repeats)
        if repeats > 1
        else ""
    )
    to = f"{where.uri} ({where.protocol} {where.protocol_version})" if where else _("(no endpoint of mine)")
    return [
        _("  {direction:<7} {action:<28} {name} {version} uuid {value}{also}").format(
            direction=f.direction,
            action=f.action,
            name=p.name,
            version=p.version,
            value=p.uuid or _("(none)"),
            also=also,
        ),
        _("          service {service}, their role {counterparty_role}, mine {value}").format(
            service=f.service, counterparty_role=f.counterparty_role, value=f.my_role or _("(none)")
        ),
        _("          delivered to {to}").format(to=to),
        _("          parts {parts}").format(parts=_parts(f.binding)),
    ]


def _functions(r: Reading) -> list[str]:
    seen: dict[tuple[str, str | None, str | None, str], list[MessageFunction]] = {}
    for f in r.functions:
        seen.setdefault((f.direction, f.process.name, f.process.version, f.action.upper()), []).append(f)
    lines = [
        _("message functions ({n}, seen from {her_id}: send = I may send it, receive = it sends me):").format(
            n=len(seen), her_id=r.her_id
        )
    ]
    for found in seen.values():
        lines += _function(found[0], len(found))
    return lines


def _warnings(r: Reading, skipped: str | None) -> list[str]:
    lines = [
        _("{file}:{line}: warning: {message} [{rule}]").format(file=r.file, line=w.line, message=w.message, rule=w.rule)
        for w in r.warnings
    ]
    return lines + ([_("warning: {skipped}").format(skipped=skipped)] if skipped else [])


def show_text(s: Shown) -> str:
    r = s.reading
    period = _("{value} to {value2}").format(
        value=r.start.isoformat() if r.start else "?", value2=r.end.isoformat() if r.end else "?"
    )
    lines = [
        _("{file}: {upper} {id}, version {version}, status {status}, valid {period}").format(
            file=r.file, upper=r.kind.upper(), id=r.id, version=r.version, status=r.status, period=period
        )
    ]
    if r.kind == "cpa":
        lines.append(
            _("read as HER-id {her_id}").format(her_id=r.her_id)
            + (f" ({r.me.name})" if r.me else _(" (not a party of it)"))
        )
    lines += _party("counterparty" if r.kind == "cpa" else "party", r.counterparty)
    if r.me is not None:
        lines += _party(_("my party"), r.me)
    lines += _functions(r)
    lines += _warnings(r, s.skipped)
    return "\n".join(lines) + "\n"


def show_json(s: Shown) -> str:
    return json.dumps({"reading": _plain(s.reading), "schema_skipped": s.skipped}, ensure_ascii=False, indent=2) + "\n"


def compare_text(c: Compared) -> str:
    lines = [
        _("ours {file}, theirs {file2}, both read as HER-id {her_id}:").format(
            file=c.ours.file, file2=c.theirs.file, her_id=c.ours.her_id
        )
    ]
    if not c.differences:
        lines.append(
            _(
                "  no differences: the same counterparty, period, status, certificates and "
                "message functions (process, roles, service, action, endpoint, payload "
                "namespaces)"
            )
        )
    else:
        lines.append(_("  {n} difference(s):").format(n=len(c.differences)))
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
