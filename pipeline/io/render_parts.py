"""Remembered render parts (issue 18, incremental render): for each kommune, the sha256 of every
file its part of generated/ holds, the notes its render made and what the files put together
from every kommune (partner indexes, calendar.ics, STATUS.md, status.html) take of it
(``generators.Generator.part``), keyed by the sha256 of exactly
the files it was rendered from (``generators.part_inputs``: its declaration, the HFs' and the AR
snapshot files of their HER-ids, as parsed) under the tool's fingerprint and the schema set. A
build after one edit renders that kommune and the files that need the whole set; every other
kommune's files are taken as they are (``generators.Kept``), once their bytes on disk are shown
to be the remembered ones.

One signed entry (``pipeline.io.cache``) per tool and schema set, holding only the parts of the
last render, each as one string (a national tree has 200k files: one object per kommune, not per
file)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.io import cache

if TYPE_CHECKING:
    from pipeline.model.declarations import DeclarationSet, KommuneDecl
    from pipeline.render.generators import Remembered

KIND = "render-parts"


class RenderParts:
    """``generators.Parts`` kept in the cache of one repository."""

    def __init__(self, store: cache.Cache, schemas_root: Path | None, language: str) -> None:
        self.store = store
        # The files of a part are in the repository's language: parts in one never serve the other.
        self.name = cache.named(KIND, [cache.xsd_identity(schemas_root), language])
        known = store.get(KIND, self.name)
        self.known: dict[str, Any] = known if isinstance(known, dict) else {}
        self.new: dict[str, Any] = {}

    @staticmethod
    def key(declarations: DeclarationSet, k: KommuneDecl) -> str | None:
        """The part's inputs by content; None when the set does not say what it was parsed from."""
        from pipeline.render.generators import part_inputs

        inputs = part_inputs(declarations, k)
        digests = declarations.digests
        if k.path not in digests or any(h.path not in digests for h in declarations.helseforetak):
            return None
        return cache.digest(*(f"{p}:{digests.get(p, '-')}" for p in inputs))

    def get(self, declarations: DeclarationSet, k: KommuneDecl) -> Remembered | None:
        key = self.key(declarations, k)
        row = self.known.get(key) if key else None
        if not isinstance(row, dict):
            return None
        try:
            lines = str(row["files"]).split("\n") if row["files"] else []
            files = [(name, path, sha) for name, path, sha in (line.split("\t") for line in lines)]
            joined = row["joined"]
            if not isinstance(joined, dict) or not all(isinstance(text, str) for text in joined.values()):
                return None  # each generator's part is kept as its JSON text
            return files, [str(n) for n in row["notes"]], joined
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, declarations: DeclarationSet, k: KommuneDecl, remembered: Remembered) -> None:
        key = self.key(declarations, k)
        files, notes, joined = remembered
        if key is not None:
            self.new[key] = {"files": "\n".join("\t".join(f) for f in files), "notes": notes, "joined": joined}

    def save(self, declarations: DeclarationSet) -> None:
        """Keep the parts of this set's kommuner (rendered now or taken from before), and no others."""
        live = {key for k in declarations.kommuner if (key := self.key(declarations, k))}
        parts = {key: row for key, row in {**self.known, **self.new}.items() if key in live}
        if parts != self.known:
            self.store.put(KIND, self.name, parts)
