"""Reporter details not covered by the CLI tests."""

from __future__ import annotations

from pipeline.findings import Finding, Location, Severity
from pipeline.reporters.findings import FORMATS as REPORTERS


def test_text_keeps_one_finding_per_line_when_a_message_quotes_a_line_break() -> None:
    finding = Finding("S1", Severity.ERROR, Location("partners/kommuner/5035-stjordal.yaml", 3, 7), "name 'a\nb\r'")
    lines = REPORTERS["text"]([finding]).splitlines()
    assert lines == [
        "partners/kommuner/5035-stjordal.yaml:3:7: error S1 name 'a\\nb\\r'",
        "1 error(s), 0 warning(s)",
    ]
