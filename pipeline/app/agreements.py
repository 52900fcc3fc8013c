"""``agreements show`` and ``agreements compare``: what a message server sees in a CPA (or CPP), and what differs
between ours and one exported from a message server or from NHN's CPPA service."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.agreements import compare as comparing
from pipeline.agreements import reader
from pipeline.agreements.reading import Reading
from pipeline.app import rendering
from pipeline.errors import DocumentError, UsageError
from pipeline.i18n import _


@dataclass(frozen=True)
class Shown:
    reading: Reading
    skipped: str | None  # why the document was not checked against the OASIS schema


@dataclass(frozen=True)
class Compared:
    ours: Reading
    theirs: Reading
    differences: tuple[comparing.Difference, ...]
    skipped: str | None


def show(path: Path, her_id: int | None, *, lenient: bool = False, xsd_dir: Path | None = None) -> Shown:
    """``path`` read as the party ``her_id`` (a CPA needs one; a CPP is its own party's profile)."""
    schemas = rendering.schemas(xsd_dir)
    mode: reader.Mode = "lenient" if lenient else "strict"
    try:
        reading = reader.read_file(path, her_id=her_id, mode=mode, schemas=schemas.found)
    except DocumentError as exc:
        if her_id is None and exc.rule == reader.COUNTERPARTY:
            raise UsageError(_("{exc}: say which party reads it with --as HER-ID").format(exc=exc)) from None
        raise
    return Shown(reading, schemas.skipped)


def compare(ours: Path, theirs: Path, her_id: int | None, *, xsd_dir: Path | None = None) -> Compared:
    """Both read as ``her_id`` (default: our CPA's first party, the HF); ours strictly, theirs leniently (NHN's
    CPAs reuse xs:IDs, which the lenient reading reports as a warning)."""
    schemas = rendering.schemas(xsd_dir)
    if her_id is None:
        her_id = reader.first_party(ours)
        if her_id is None:
            raise UsageError(
                _("{ours}: its first PartyInfo has no HER-id: say which party to read as with --as").format(ours=ours)
            )
    a = reader.read_file(ours, her_id=her_id, mode="strict", schemas=schemas.found)
    b = reader.read_file(theirs, her_id=her_id, mode="lenient", schemas=schemas.found)
    return Compared(a, b, comparing.compare(a, b), schemas.skipped)
