"""Findings as text for a person (``text``), for a machine (``json``) or as GitHub workflow
commands that annotate the changed lines (``github``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from pipeline.findings import Finding, count
from pipeline.i18n import _, terms
from pipeline.layout import printable

GITHUB_ANNOTATION_LIMIT = 10


def summary_line(findings: Sequence[Finding]) -> str:
    c = count(findings)
    if not findings:
        return _("no findings: every declaration follows the routine")
    return _("{errors} error(s), {warnings} warning(s)").format(errors=c["error"], warnings=c["warning"])


def safe(f: Finding) -> dict[str, str | int]:
    """A finding as the reporters write it: one line each, every control or invisible character
    in its file name or message escaped (a file name may hold a newline, an escape sequence)."""
    doc = f.as_dict()
    doc["file"], doc["message"] = printable(f.file), printable(f.message)
    return doc


def text(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        d = safe(f)
        shown = terms.severity(d["severity"])  # feil/advarsel in nb; JSON and github keep the value
        lines.append(f"{d['file']}:{d['line']}:{d['column']}: {shown} {d['rule']} {d['message']}")
    lines.append(summary_line(findings))
    return "\n".join(lines) + "\n"


def as_json(findings: Sequence[Finding]) -> str:
    c = count(findings)
    doc = {
        "findings": [safe(f) for f in findings],
        "summary": {"errors": c["error"], "warnings": c["warning"], "total": len(findings)},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding]) -> str:
    """Workflow commands. GitHub shows about ten annotations per severity per step, so the first
    ten of each are annotated and the rest are counted (the plan's summary lists them all)."""
    lines = []
    shown = {"error": 0, "warning": 0}
    for f in findings:
        sev = f.severity.value
        if shown[sev] >= GITHUB_ANNOTATION_LIMIT:
            continue
        shown[sev] += 1
        props = ",".join(
            [
                f"file={printable(_escape_property(f.file))}",
                f"line={f.line}",
                f"col={f.column}",
                f"title={_escape_property(f.rule)}",
            ]
        )
        # GitHub's own escapes for line breaks (an annotation shows them), every other control escaped.
        lines.append(f"::{sev} {props}::{printable(_escape_data(f.message))}")
    c = count(findings)
    hidden = c["error"] + c["warning"] - shown["error"] - shown["warning"]
    if hidden:
        lines.append(_("::notice::{hidden} more finding(s) not annotated; see the job summary").format(hidden=hidden))
    lines.append(summary_line(findings))
    return "\n".join(lines) + "\n"


FORMATS: dict[str, Callable[[Sequence[Finding]], str]] = {"text": text, "json": as_json, "github": github}
