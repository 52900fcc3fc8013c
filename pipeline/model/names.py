"""How a kommune is named on the command line and in file names.

Slugs (file names, contact placeholders) follow the examples and the kommune.no domains:
æ → ae, ø → o, å → a, other accents dropped (á → a), anything else non-alphanumeric → "-",
so "Stjørdal" → ``stjordal``, "Bærum" → ``baerum``, "Møre og Romsdal" → ``more-og-romsdal``.
The same folding makes lookups case- and diacritics-insensitive: "Roros", "røros" and
"5025-roros" all name Røros.
"""

from __future__ import annotations

import re
import unicodedata

_FOLD = {"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"}


def slug(name: str) -> str:
    text = "".join(_FOLD.get(ch, ch) for ch in name)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def names(number: str, name: str, stem: str) -> set[str]:
    """Every folded form that names this kommune: its number, its name, its file stem and the
    stem's slug (the file name without the number)."""
    file_slug = stem.split("-", 1)[1] if stem[:4] == number and "-" in stem else stem
    return {number, slug(name), slug(stem), slug(file_slug)}


def matches(wanted: str, number: str, name: str, stem: str) -> bool:
    """Whether ``wanted`` (as typed) names this kommune."""
    folded = slug(wanted.strip())
    return bool(folded) and folded in names(number, name, stem)
