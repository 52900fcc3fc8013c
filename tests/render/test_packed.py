"""A part packed for the join and the cache is read back as it was, and is far smaller."""

from __future__ import annotations

import json
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.render.packed import pack, packed, unpack, unpacked

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(st.text())
def test_a_text_is_unpacked_as_it_was_packed(text: str) -> None:
    kept = pack(text)
    assert kept.isascii() and unpack(kept) == text


@given(JSON)
def test_a_part_is_unpacked_as_json_reads_it(part: object) -> None:
    assert unpacked(packed(part)) == json.loads(json.dumps(part))


def test_a_part_is_held_in_a_fraction_of_its_json() -> None:
    rows = [
        ["5001", "partners/kommuner/5001-trondheim.yaml", f"815000{i}", "Trondheim kommune - Tråante", "active"]
        for i in range(200)
    ]
    assert len(packed(rows)) * 4 < len(json.dumps(rows, ensure_ascii=False))


@pytest.mark.parametrize("kept", ["not base64 !", pack("a part")[:-4], "eA=="], ids=["base64", "cut-off", "zlib"])
def test_what_was_not_packed_is_refused(kept: str) -> None:
    with pytest.raises((ValueError, zlib.error)):
        unpack(kept)
