"""Snapshots of an input tree: a file is taken by its recorded hash only when its stat was settled."""

from __future__ import annotations

from pathlib import Path

from pipeline.io import cache


def test_snapshot_trusts_only_settled_stat(tmp_path: Path) -> None:
    base = tmp_path / "tree"
    base.mkdir()
    (base / "a.yaml").write_text("one")
    first = cache.snapshot(base)
    # Just written: not settled, so a later snapshot re-reads it even with the same stat.
    forged = {k: [*v[:5], "not-the-hash", v[6]] for k, v in first.items()}
    assert cache.snapshot(base, forged)["a.yaml"][5] == first["a.yaml"][5]
    # Settled (recorded long after the mtime): the recorded hash is taken from the stat alone.
    settled = {k: [*v[:5], "recorded-hash", v[2] + cache.SETTLED_NS] for k, v in first.items()}
    assert cache.snapshot(base, settled)["a.yaml"][5] == "recorded-hash"
