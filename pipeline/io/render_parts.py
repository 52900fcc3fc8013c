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

import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, Any

from pipeline.ar import paths as ar_paths
from pipeline.io import cache
from pipeline.render.packed import pack, unpack

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
        # A kommune's file -> the key of its remembered part, so that a build can tell, without
        # parsing the file, that its part still holds (``remembers``).
        self.by_path = {
            row["path"]: key
            for key, row in self.known.items()
            if isinstance(row, dict) and isinstance(row.get("path"), str)
        }
        self._held: dict[tuple[str, tuple[str, ...], tuple[str | None, ...]], str | None] = {}

    @staticmethod
    def key(declarations: DeclarationSet, k: KommuneDecl) -> str | None:
        """The part's inputs by content; None when the set does not say what it was parsed from."""
        from pipeline.render.generators import part_inputs

        inputs = part_inputs(declarations, k)
        digests = declarations.digests
        if k.path not in digests or any(h.path not in digests for h in declarations.helseforetak):
            return None
        return cache.digest(*(f"{p}:{digests.get(p, '-')}" for p in inputs))

    def held(self, path: str, digests: Mapping[str, str], hf_paths: list[str]) -> str | None:
        """The key of the part remembered for the kommune file ``path`` when it still holds for
        these files' contents: the inputs it was rendered from are a function of that file and
        the HF declarations alone (their HER-ids name the AR files), so when those are the files
        it lists, with the same content, its inputs are the ones listed; the key is then made
        afresh from the digests of exactly those."""
        key = self.by_path.get(path)
        row = self.known.get(key) if key else None
        inputs = row.get("inputs") if isinstance(row, dict) else None
        if not isinstance(inputs, list) or not all(isinstance(p, str) for p in inputs):
            return None
        hfs = sorted(hf_paths)
        # A build asks this of every kommune three times (which need not be parsed, which are
        # kept, which are saved): the answer, a function of the part's inputs and their digests
        # alone, is worked out once for the same digests.
        seen = (path, tuple(hfs), tuple(digests.get(p) for p in inputs))
        if seen in self._held:
            return self._held[seen]
        self._held[seen] = found = self._holds(key, inputs, path, hfs, digests)
        return found

    @staticmethod
    def _holds(key: str | None, inputs: list[str], path: str, hfs: list[str], digests: Mapping[str, str]) -> str | None:
        if inputs[: 1 + len(hfs)] != [path, *hfs] or path not in digests or any(h not in digests for h in hfs):
            return None
        if any(ar_paths.parse_path(p) is None for p in inputs[1 + len(hfs) :]):
            return None
        return key if cache.digest(*(f"{p}:{digests.get(p, '-')}" for p in inputs)) == key else None

    def remembers(self, path: str, digests: Mapping[str, str], hf_paths: list[str]) -> bool:
        """``declarations.Remembers``: this kommune file need not be parsed to be rendered."""
        key = self.held(path, digests, hf_paths)
        return key is not None and self._row(key) is not None

    def kept(self, declarations: DeclarationSet, path: str) -> Remembered | None:
        key = self.held(path, declarations.digests, [h.path for h in declarations.helseforetak])
        return self._row(key) if key else None

    def get(self, declarations: DeclarationSet, k: KommuneDecl) -> Remembered | None:
        key = self.key(declarations, k)
        return self._row(key) if key else None

    def _row(self, key: str) -> Remembered | None:
        row = self.known.get(key)
        if not isinstance(row, dict):
            return None
        try:
            packed = row["files"]
            if not isinstance(packed, str):
                return None
            text = unpack(packed)
            # Split as the kommune's files are streamed, not all of them up front (at 4x, 216k
            # tuples held through the build); the shape is checked here, cheaply.
            if text.count("\t") != (2 * (text.count("\n") + 1) if text else 0):
                return None
            files = _files(text)
            joined = row["joined"]
            if not isinstance(joined, dict) or not all(isinstance(text, str) for text in joined.values()):
                return None  # each generator's part is kept as its packed JSON
            return files, [str(n) for n in row["notes"]], joined
        except (KeyError, TypeError, ValueError, zlib.error):
            return None

    def put(self, declarations: DeclarationSet, k: KommuneDecl, remembered: Remembered) -> None:
        from pipeline.render.generators import part_inputs

        key = self.key(declarations, k)
        files, notes, joined = remembered
        files = list(files)
        # A tab or line break inside a field would read back as other lines (``_files``): such a
        # part is not kept, and its kommune is rendered every time.
        if key is not None and not any("\t" in field or "\n" in field for file in files for field in file):
            self.new[key] = {
                "files": pack("\n".join("\t".join(f) for f in files)),
                "notes": notes,
                "joined": joined,
                "path": k.path,
                "inputs": part_inputs(declarations, k),
            }

    def save(self, declarations: DeclarationSet) -> None:
        """Keep the parts of this set's kommuner (rendered now or taken from before), and no others."""
        live = {key for k in declarations.kommuner if (key := self.key(declarations, k))}
        hfs = [h.path for h in declarations.helseforetak]
        live.update(key for path in declarations.unparsed if (key := self.held(path, declarations.digests, hfs)))
        parts = {key: row for key, row in {**self.known, **self.new}.items() if key in live}
        if parts != self.known:
            self.store.put_object(KIND, self.name, parts.items())


def _files(text: str) -> Iterator[tuple[str, str, str]]:
    """(generator, path, sha256) of each line of a part's ``files``."""
    if text:
        for line in text.split("\n"):
            name, path, sha = line.split("\t")
            yield name, intern(path), intern(sha)  # shared with the scan and the last render's record
