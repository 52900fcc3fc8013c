"""What ``receipts import`` recorded, would record (``--dry-run``) or refused, per kommune, as text,
JSON or Markdown."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pipeline.i18n import _, terms
from pipeline.render import escape

if TYPE_CHECKING:
    from pipeline.app.receipts import Imported, KommuneImport
    from pipeline.model.models import Receipt
    from pipeline.receipts.model import Problem
    from pipeline.receipts.recording import Added, ValueChange


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return _("no time")
    from pipeline.routine.calendar import OSLO

    return moment.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")


def _value(value: Any) -> str:
    if value is None:
        return _("not recorded")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _receipt(r: Receipt) -> str:
    errors = f" {','.join(r.errors)}" if r.errors else ""
    return _("{kind} {test} {value}{errors} at {when} (id {value2})").format(
        kind=r.kind,
        test=r.test,
        value=r.result or _("received"),
        errors=errors,
        when=_when(r.at),
        value2=r.id or _("none"),
    )


def _where(a: Added | ValueChange) -> str:
    return _("{hf} → {her_id}, {kind} attempt {attempt}").format(
        hf=a.hf, her_id=a.her_id, kind=a.kind, attempt=a.attempt
    )


def verb(result: Imported) -> str:
    if result.refused:
        return _("not recorded")
    return _("would record") if result.dry_run else "recorded"


def summary(result: Imported) -> str:
    added = sum(len(k.recording.added) for k in result.kommuner)
    files = sum(k.outcome.after != k.outcome.before for k in result.kommuner)
    known = _("; {known} already recorded").format(known=result.known) if result.known else ""
    if result.refused:
        errors = len(result.errors) + sum(len(k.outcome.new_errors) for k in result.kommuner)
        return _("refused: {errors} error(s); nothing written ({receipts_read} receipt(s) read)").format(
            errors=errors, receipts_read=result.receipts_read
        )
    if not result.changes:
        return _("nothing new: {receipts_read} receipt(s) read{known}; nothing changed").format(
            receipts_read=result.receipts_read, known=known
        )
    did = _("would be recorded") if result.dry_run else _("recorded")
    return _("{added} receipt(s) {did} in {files} declaration(s){known} ({receipts_read} read)").format(
        added=added, did=did, files=files, known=known, receipts_read=result.receipts_read
    )


def _problem_lines(problems: list[Problem], label: str) -> list[str]:
    return [f"{label}: {p}" for p in problems]


def as_text(result: Imported) -> str:
    lines: list[str] = []
    for k in result.kommuner:
        rec, outcome = k.recording, k.outcome
        lines.append(f"{rec.name} ({rec.kommune}), {rec.path}: {verb(result)}")
        for a in rec.added:
            origin = _(" from {origin}").format(origin=a.origin) if a.origin else ""
            lines.append(f"  + {_where(a)}: {_receipt(a.receipt)}{origin}")
        for c in rec.changed:
            lines.append(f"  ~ {_where(c)}: {c.field} {_value(c.before)} → {_value(c.after)}")
        for f in outcome.new_errors:
            lines.append(
                _("  {location}: error {rule} {message}").format(location=f.location, rule=f.rule, message=f.message)
            )
        for f in outcome.new_warnings:
            lines.append(
                _("  {location}: warning {rule} {message}").format(location=f.location, rule=f.rule, message=f.message)
            )
    errors = result.errors
    lines += _problem_lines(errors, terms.severity("error"))
    lines += _problem_lines([p for p in result.problems if p not in errors], _("note"))
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def _kommune(k: KommuneImport) -> dict[str, Any]:
    rec, outcome = k.recording, k.outcome
    return {
        "kommune": rec.kommune,
        "name": rec.name,
        "file": rec.path,
        "added": [
            {
                "hf": a.hf,
                "her_id": a.her_id,
                "test": a.kind,
                "attempt": a.attempt,
                "receipt": a.receipt.model_dump(mode="json"),
                "read_from": str(a.origin) if a.origin else None,
            }
            for a in rec.added
        ],
        "changed": [
            {
                "hf": c.hf,
                "her_id": c.her_id,
                "test": c.kind,
                "attempt": c.attempt,
                "field": c.field,
                "before": _value(c.before) if c.before is not None else None,
                "after": _value(c.after),
            }
            for c in rec.changed
        ],
        "already_recorded": rec.known,
        "new_errors": [f.as_dict() for f in outcome.new_errors],
        "new_warnings": [f.as_dict() for f in outcome.new_warnings],
        "diff": outcome.diff(),
    }


def _problem(p: Problem) -> dict[str, Any]:
    o = p.origin
    return {
        "kind": p.kind.value,
        "error": p.is_error,
        "file": o.file,
        "item": o.item,
        "part": o.part,
        "line": o.line,
        "column": o.column,
        "message": p.message,
    }


def as_json(result: Imported) -> str:
    refusing = result.errors
    doc = {
        "today": result.today.isoformat(),
        "paths": list(result.paths),
        "dry_run": result.dry_run,
        "strict": result.strict,
        "receipts_read": result.receipts_read,
        "refused": result.refused,
        "written": result.written,
        "kommuner": [_kommune(k) for k in result.kommuner],
        "errors": [_problem(p) for p in refusing],
        "notes": [_problem(p) for p in result.problems if p not in refusing],
        "summary": summary(result),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def as_markdown(result: Imported) -> str:
    cell = escape.markdown_text
    lines = [
        _("## oppkobling receipts import ({today})").format(today=result.today.isoformat()),
        "",
        f"**{cell(summary(result))}**",
        "",
    ]
    for k in result.kommuner:
        rec = k.recording
        lines += [f"### {cell(rec.name)} ({rec.kommune}): {verb(result)}", ""]
        if rec.added:
            lines += [_("| HF → party | Test | Receipt | Result | Errors | At | Receipt id |"), "|---" * 7 + "|"]
            for a in rec.added:
                r = a.receipt
                row = [
                    f"{a.hf} → {a.her_id}",
                    f"{a.kind} {a.attempt}",
                    f"{r.kind} {r.test}",
                    r.result or "received",
                    ", ".join(r.errors) or "-",
                    _when(r.at),
                    r.id or "-",
                ]
                lines.append("| " + " | ".join(cell(c) for c in row) + " |")
            lines.append("")
        for c in rec.changed:
            lines.append(f"- {cell(_where(c))}: `{c.field}` {cell(_value(c.before))} → {cell(_value(c.after))}")
        for f in (*k.outcome.new_errors, *k.outcome.new_warnings):
            lines.append(f"- `{f.location}` {terms.severity(f.severity)} {f.rule}: {cell(f.message)}")
        lines.append("")
    errors = result.errors
    for label, problems in ((_("Errors"), errors), (_("Notes"), [p for p in result.problems if p not in errors])):
        if problems:
            lines += [f"### {label}", ""] + [f"- {cell(str(p))}" for p in problems] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


FORMATS: dict[str, Callable[[Imported], str]] = {"text": as_text, "json": as_json, "markdown": as_markdown}
