"""A new declaration for a kommune, scaffolded from the kommune register (``oppkobling new``).

File names and contact placeholders use the slug of ``pipeline.model.names``.
"""

from __future__ import annotations

from pipeline import layout
from pipeline.model.kommuner import KommuneEntry
from pipeline.model.loader import LoadError, load_text
from pipeline.model.names import slug

SCHEMA_LINE = f"# yaml-language-server: $schema={layout.SCHEMA_FROM_DECLARATION}kommune.schema.json"


def _plain_or_quoted(value: str) -> str:
    """``value`` as a YAML scalar: plain where it reads back as the same text, else double-quoted."""
    try:
        plain = load_text(f"v: {value}\n").data
    except LoadError:
        plain = None
    if isinstance(plain, dict) and plain.get("v") == value and "#" not in value:
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _line(text: str, comment: str, column: int = 32) -> str:
    return f"{text.ljust(column)}# {comment}" if len(text) < column else f"{text}  # {comment}"


def scaffold(entry: KommuneEntry) -> tuple[str, str]:
    """(repository path, text) of a new ``planned`` declaration for ``entry``. Values come from
    the register; the contact is a placeholder to verify; the fields still to fill in are there
    with empty values and a comment each, so ``oppkobling record`` can fill them in place."""
    name = entry.short_name
    file_slug = slug(name)
    domain = slug(name.split(" (")[0])
    path = layout.kommune_file(entry.number, file_slug)
    org = f'"{entry.org_number}"' if entry.org_number else '"TODO"'
    org_comment = (
        "organisation number, from the kommune register (S5)"
        if entry.org_number
        else "TODO: not in the register; look it up in Enhetsregisteret (S5)"
    )
    lines = [
        SCHEMA_LINE,
        f"# {name} ({entry.number}): scaffolded by 'oppkobling new' from the kommune register.",
        "# Next: agree T with Hemit (activation, K1), send the order with its parties (K2),",
        "# and record each step with 'oppkobling record', which keeps these comments.",
        _line(f'kommune: "{entry.number}"', "kommunenummer, 4 digits, a string (S2, S4)"),
        _line(f"name: {_plain_or_quoted(name)}", "the register's name (S4)"),
        _line(f"org_number: {org}", org_comment),
        _line(
            f"contact: meldingsansvarlig@{domain}.kommune.no",
            "VERIFY: the address Hemit writes to about deviations (H3)",
        ),
        _line("status: planned", "planned | ordered | testing | active | paused | withdrawn"),
        _line("activation:", "K1: agreed with Hemit"),
        _line("  date:", "T, YYYY-MM-DD: a Norwegian working day (test dialog at 09:00)"),
        _line("  agreed_on:", "YYYY-MM-DD: the day T was agreed"),
        _line("order:", "K2: 'oppkobling order' writes the e-mail to Hemit"),
        _line("  sent_on:", "YYYY-MM-DD: the day the order was sent"),
        _line("parties: []", "communication parties as published in NHN AR (K2, K3), e.g.:"),
        "#  - her_id: 1234567               # the party's HER-id in AR",
        f"#    name: {name} kommune - Helse og omsorg",
        f"#    edi_address: {domain}-helse@edi.nhn.no",
        "#    ar_published_on: YYYY-MM-DD   # K3: no later than T-14",
        "#    messages:                     # message type: version, supported by all three HFs (K2)",
        '#      dialogmelding: "1.1"',
        '#      epikrise: "1.2"',
    ]
    return path, "\n".join(lines) + "\n"
