"""A new declaration for a kommune, scaffolded from the kommune register (``oppkobling new``).

File names and contact placeholders use the slug of ``pipeline.model.names``. Its comments are in
the language they are made in (``oppkobling new`` asks for the repository's, as for ``generated/``);
keys and values are the schema's, in every language.
"""

from __future__ import annotations

from pipeline import layout
from pipeline.i18n import _
from pipeline.model.kommuner import KommuneEntry
from pipeline.model.loader import LoadError, load_text
from pipeline.model.names import slug

SCHEMA_LINE = "# yaml-language-server: $schema=" + layout.SCHEMA_FROM_DECLARATION + "kommune.schema.json"


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


def _example(indent: int, key: str, value: str) -> str:
    """A commented-out example line of YAML (``#    epikrise: "1.2"``): the schema's, in every language."""
    return f"#{' ' * indent}{key}: {value}"


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
        _("organisation number, from the kommune register (S5)")
        if entry.org_number
        else _("TODO: not in the register; look it up in Enhetsregisteret (S5)")
    )
    lines = [
        SCHEMA_LINE,
        "# "
        + _("{name} ({number}): scaffolded by 'oppkobling new' from the kommune register.").format(
            name=name, number=entry.number
        ),
        "# " + _("Next: agree T with Hemit (activation, K1), send the order with its parties (K2),"),
        "# " + _("and record each step with 'oppkobling record', which keeps these comments."),
        _line(f'kommune: "{entry.number}"', _("kommunenummer, 4 digits, a string (S2, S4)")),
        _line(f"name: {_plain_or_quoted(name)}", _("the register's name (S4)")),
        _line(f"org_number: {org}", org_comment),
        _line(
            f"contact: meldingsansvarlig@{domain}.kommune.no",
            _("VERIFY: the address Hemit writes to about deviations (H3)"),
        ),
        _line("status: planned", "planned | ordered | testing | active | paused | withdrawn"),
        _line("activation:", _("K1: agreed with Hemit")),
        _line("  date:", _("T, YYYY-MM-DD: a Norwegian working day (test dialog at 09:00)")),
        _line("  agreed_on:", _("YYYY-MM-DD: the day T was agreed")),
        _line("order:", _("K2: 'oppkobling order' writes the e-mail to Hemit")),
        _line("  sent_on:", _("YYYY-MM-DD: the day the order was sent")),
        _line("parties: []", _("communication parties as published in NHN AR (K2, K3), e.g.:")),
        _line("#  - her_id: 1234567", _("the party's HER-id in AR"), 35),
        f"#    name: {name} kommune - Helse og omsorg",
        _example(4, "edi_address", f"{domain}-helse@edi.nhn.no"),
        _line("#    ar_published_on: YYYY-MM-DD", _("K3: no later than T-14"), 35),
        _line("#    messages:", _("message type: version, supported by all three HFs (K2)"), 35),
        _example(6, "dialogmelding", '"1.1"'),
        _example(6, "epikrise", '"1.2"'),
    ]
    return path, "\n".join(lines) + "\n"
