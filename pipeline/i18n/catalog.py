"""Keep the translations in step with the code (Babel): extract every marked message from
``pipeline/`` (``_()``, ``N_()``, ``ngettext()``; ``{{ _("...") }}`` in the templates), update the
Norwegian catalog (``pipeline/locale/nb/LC_MESSAGES/oppkobling.po``: new messages added
untranslated, gone ones dropped, translations kept) and compile it to ``oppkobling.mo``, which
ships in the package. Part of the build: run it after changing a message, commit both files.

    python -m pipeline.i18n.catalog           # extract, update, compile
    python -m pipeline.i18n.catalog --check   # change nothing; exit 1 if anything is out of step

Deterministic: no dates, no source line numbers, messages sorted, so the files change only when
a message or a translation does. ``--check`` (and ``tests/test_i18n.py``) fails on a message
without a Norwegian translation, a fuzzy one, or a .mo that is not the .po compiled.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from pipeline import i18n

PACKAGE = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}
METHODS = [("templates/**.j2", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {"templates/**.j2": {"trim_blocks": "true", "lstrip_blocks": "true"}}
FIXED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)  # the catalogs' dates never change: no churn
LANGUAGE = "nb"


def po_path(language: str = LANGUAGE) -> Path:
    return i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def mo_path(language: str = LANGUAGE) -> Path:
    return po_path(language).with_suffix(".mo")


# argparse's own words in the help and its errors (argparse looks them up through ``_``).
ARGPARSE = (
    "usage: ",
    "options",
    "positional arguments",
    "show this help message and exit",
    "show program's version number and exit",
    "the following arguments are required: %s",
    "invalid choice: %(value)r (choose from %(choices)s)",
    "unrecognized arguments: %s",
    "expected one argument",
    "argument %(argument_name)s: %(message)s",
)


def template() -> Catalog:
    """Every message marked in the package and every help text of the command line (collected
    from the parser itself, in English), as a fresh template."""
    from pipeline.cli.main import build_parser
    from pipeline.i18n.command_line import help_texts

    catalog = Catalog(project="oppkobling", creation_date=FIXED, revision_date=FIXED, fuzzy=False)
    for _file, _line, message, comments, context in extract_from_dir(
        PACKAGE, METHODS, OPTIONS, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(message, None, auto_comments=comments, context=context)
    with i18n.use("en"):
        texts = help_texts(build_parser())
    for text in (*texts, *ARGPARSE):
        if text not in catalog:
            catalog.add(text, None, auto_comments=["command-line help"])
    return catalog


def _dump_po(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, no_location=True, omit_header=False, sort_output=True, width=100)
    return out.getvalue()


def _dump_mo(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def updated() -> tuple[Catalog, bytes, bytes]:
    """The Norwegian catalog updated from the code, and its .po and .mo bytes."""
    if po_path().is_file():
        with po_path().open("rb") as f:
            catalog = read_po(f, locale=LANGUAGE)
    else:
        catalog = Catalog(locale=LANGUAGE, project="oppkobling", creation_date=FIXED, fuzzy=False)
    catalog.update(template(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.creation_date = catalog.revision_date = FIXED
    return catalog, _dump_po(catalog), _dump_mo(catalog)


def problems() -> list[str]:
    """What is out of step: untranslated or fuzzy messages, stale files."""
    catalog, po, mo = updated()
    found = []
    for message in catalog:
        if not message.id:
            continue
        shown = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy:
            found.append(f"{po_path()}: fuzzy translation of {shown!r}")
        elif not (message.string if isinstance(message.string, str) else all(message.string or ())):
            found.append(f"{po_path()}: no Norwegian for {shown!r}")
    if po_path().read_bytes() != po:
        found.append(f"{po_path()}: not up to date with the code (run python -m pipeline.i18n.catalog)")
    if not mo_path().is_file() or mo_path().read_bytes() != mo:
        found.append(f"{mo_path()}: not the compiled .po (run python -m pipeline.i18n.catalog)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is out of step")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        return 1 if found else 0
    catalog, po, mo = updated()
    po_path().write_bytes(po)
    mo_path().write_bytes(mo)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{po_path()}: {len(catalog)} message(s), {len(missing)} without Norwegian")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
