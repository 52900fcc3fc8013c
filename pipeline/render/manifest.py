"""``generated/MANIFEST.json``: the sha256 of every other generated file, and the tool that made them."""

from __future__ import annotations

import hashlib

import orjson

from pipeline import __version__
from pipeline.render.context import generated_by


def manifest(files: dict[str, bytes], tool_version: str = __version__) -> bytes:
    return manifest_of({p: hashlib.sha256(c).hexdigest() for p, c in files.items()}, tool_version)


def manifest_of(hashes: dict[str, str], tool_version: str = __version__) -> bytes:
    """MANIFEST.json from the sha256 (hex) of every file."""
    doc = {
        "_comment": generated_by(),
        "tool": "oppkobling",
        "tool_version": tool_version,
        "files": hashes,  # sorted by orjson with the rest, without a copy of 200k entries
    }
    # The bytes of json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n", made by
    # orjson (text only: identical), which is much quicker for tens of thousands of entries.
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
