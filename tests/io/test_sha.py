"""The quick path's SHA-256 and HMAC (``pipeline.io.sha``) are the standard library's."""

from __future__ import annotations

import hashlib
import hmac
import random
import subprocess
import sys

import pytest

from pipeline.io import sha


@pytest.mark.parametrize("key_length", [0, 1, 32, 63, 64, 65, 200])
def test_hmac_is_the_standard_librarys(key_length: int) -> None:
    rng = random.Random(key_length)
    for size in (0, 1, 55, 64, 1000, 70_000):
        key, message = rng.randbytes(key_length), rng.randbytes(size)
        assert sha.hmac_sha256(key, message) == hmac.new(key, message, hashlib.sha256).hexdigest()
        assert sha.sha256(message).hexdigest() == hashlib.sha256(message).hexdigest()
        cut = rng.randrange(size + 1)
        parts = (message[:cut], memoryview(message)[cut:])  # how the cache signs an entry: header, then a view
        assert sha.hmac_sha256(key, *parts) == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_without_hashlib_loaded_it_uses_python_s_own_and_gives_the_same_digests() -> None:
    code = (
        "import sys\n"
        "from pipeline.io import sha\n"
        "print(sha.hmac_sha256(b'k' * 70, b'message'), sha.sha256(b'abc').hexdigest())\n"
        "print('_hashlib' in sys.modules, 'hashlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0].split() == [
        hmac.new(b"k" * 70, b"message", hashlib.sha256).hexdigest(),
        hashlib.sha256(b"abc").hexdigest(),
    ]
    assert out[1] == "False False"
    assert sha.compare_digest("ab", "ab") and not sha.compare_digest("ab", "ac")
