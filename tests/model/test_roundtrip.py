"""A declaration loaded and dumped round trip is byte for byte what it was."""

from __future__ import annotations

import glob
from pathlib import Path

from conftest import REPO

from pipeline.model import roundtrip


def test_every_example_round_trips_unchanged() -> None:
    for path in sorted(glob.glob(str(REPO / "partners" / "*" / "*.yaml"))):
        raw = Path(path).read_bytes()
        doc, layout = roundtrip.load_rt(raw)
        assert roundtrip.dump_rt(doc, layout) == raw, path
