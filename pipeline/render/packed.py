"""A per-kommune part as the build holds it between the kommune's render and the join, and as
the cache keeps it (``pipeline.io.render_parts``): text, compressed."""

from __future__ import annotations

import binascii
import json
import zlib
from typing import Any

import orjson


def pack(text: str) -> str:
    """``text`` as a part holds it until the join and the cache keeps it: compressed (zlib's
    fastest level) and in base64, so that it stays text for the cache's JSON entry. Parts repeat
    the same keys, names, paths and dates: at 1x their 18 MB of JSON are 2.4 MB so, and their
    lists of files 7.5 MB are 2.7 (issue 18: at 4x they were the largest table the parent held
    through a build, and the largest part of what the workers send it)."""
    return binascii.b2a_base64(zlib.compress(text.encode("utf-8"), 1), newline=False).decode("ascii")


def unpack(packed: str) -> str:
    """What ``pack`` was given (``ValueError`` or ``zlib.error`` when ``packed`` is no such text)."""
    return zlib.decompress(binascii.a2b_base64(packed)).decode("utf-8")


def packed(part: Any) -> str:
    return pack(json.dumps(part, ensure_ascii=False, separators=(",", ":")))


def unpacked(text: str) -> Any:
    return orjson.loads(unpack(text))
