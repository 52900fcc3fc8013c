"""SHA-256 and HMAC-SHA256 for the quick path (``pipeline.io.answers``, ``pipeline.io.cache``)
without loading OpenSSL.

``import hashlib`` (and ``hmac``, which imports it) loads ``_hashlib``, the OpenSSL binding:
about 2.7 ms, the largest single import of a ``validate`` answered from the cache, for hashing
a few hundred bytes. CPython's own SHA-256 (``_sha256``, ``_sha2`` since 3.12) gives the same
digests. Once something else has imported ``hashlib`` (every command that does real work), its
OpenSSL SHA-256 is used instead, being the quicker one for the large cache entries. HMAC is
RFC 2104 over that hash, as ``hmac``'s own fallback computes it (tests hold it to ``hmac.new``).
"""

from __future__ import annotations

import sys
from _operator import _compare_digest as compare_digest

TYPE_CHECKING = False  # typing is not imported on the quick path (pipeline.io.answers)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from hashlib import _Hash


def _own_sha256() -> Callable[[bytes], _Hash]:
    for name in ("_sha256", "_sha2"):  # 3.11; 3.12 and later
        try:
            made: Callable[[bytes], _Hash] = __import__(name).sha256
        except (ImportError, AttributeError):
            continue
        return made
    import hashlib  # pragma: no cover - an interpreter without them

    return hashlib.sha256  # pragma: no cover


_builtin_sha256 = _own_sha256()

__all__ = ["compare_digest", "hmac_sha256", "hmac_sha256_of", "sha256"]

_BLOCK = 64  # SHA-256's block size in bytes
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def sha256(data: bytes = b"") -> _Hash:
    """A SHA-256 hash object (``update``, ``digest``, ``hexdigest``)."""
    loaded = sys.modules.get("hashlib")
    made: _Hash = (loaded.sha256 if loaded is not None else _builtin_sha256)(data)
    return made


def hmac_sha256(key: bytes, *message: bytes | memoryview) -> str:
    """HMAC-SHA256 of the concatenation of ``message`` under ``key``, as hexadecimal digits (the
    parts are hashed in turn: a cache entry of tens of MB is signed without a copy of it)."""
    return hmac_sha256_of(key, message)


def hmac_sha256_of(key: bytes, message: Iterable[bytes | memoryview]) -> str:
    """``hmac_sha256`` of parts given one at a time (an entry written as it is made)."""
    if len(key) > _BLOCK:
        key = sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = sha256(key.translate(_IPAD))
    for part in message:
        inner.update(part)
    outer = sha256(key.translate(_OPAD))
    outer.update(inner.digest())
    return outer.hexdigest()
