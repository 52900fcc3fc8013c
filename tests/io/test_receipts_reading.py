"""The file-system edge of receipt reading: a Maildir, a directory and an mbox are read alike
whether in this process or on every core, in the same order, with the same problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from pipeline.io import receipts as reading
from tests.receipts import make_receipts as mk


def test_reading_on_every_core_gives_the_same_batch_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [molde] = [mk.fixtures(s, d) for s, d in mk.schedules(REPO / "generated") if s["kommune"] == "1506"]
    items = mk.build(molde, mk.Plan(reject={("st-olavs", "epikrise"): ("E21",)}))
    mk.write(items, tmp_path / "out")
    (tmp_path / "out" / "xml" / "junk.txt").write_text("not a receipt\n", "utf-8")
    paths = [tmp_path / "out", tmp_path / "missing"]
    monkeypatch.setattr(reading, "CHUNK", 3)  # many small tasks
    monkeypatch.setenv("OPPKOBLING_JOBS", "1")
    alone = reading.read_paths(paths, base=tmp_path)
    monkeypatch.setenv("OPPKOBLING_JOBS", "2")
    forked = reading.read_paths(paths, base=tmp_path)
    assert forked == alone
    eml = sum(i.form == "eml" for i in items)
    assert len(alone.receipts) > 3 * eml  # each .eml three times (eml/, the Maildir, the mbox), and more
    assert [str(p) for p in alone.errors] == [
        "missing: malformed: no such file or directory",
        "out/xml/junk.txt: unrecognised: text, but not XML, JSON or an RFC 5322 / MIME message",
    ]
