"""The file-system edge of receipt reading: a Maildir, a directory and an mbox are read alike
whether in this process or on every core, in the same order, with the same problems."""

from __future__ import annotations

import concurrent.futures
import gc
from pathlib import Path

import pytest
from conftest import REPO

from pipeline.io import receipts as reading
from pipeline.receipts.model import Batch
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


def _molde(tmp_path: Path) -> Path:
    [molde] = [mk.fixtures(s, d) for s, d in mk.schedules(REPO / "generated") if s["kommune"] == "1506"]
    mk.write(mk.build(molde, mk.Plan(reject={("st-olavs", "epikrise"): ("E21",)})), tmp_path / "out")
    (tmp_path / "out" / "xml" / "truncated.xml").write_bytes(b"<AppRec xmlns='x'><Id>")
    return tmp_path / "out"


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_leaves_the_garbage_collector_as_it_found_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    """Collection is paused while reading; afterwards it is on exactly when it was on before,
    also when reading raised."""
    out = _molde(tmp_path)
    monkeypatch.setenv("OPPKOBLING_JOBS", "1")
    seen: list[bool] = []
    real = reading._read_item

    def spy(item: reading._Item, batch: Batch) -> None:
        seen.append(gc.isenabled())
        real(item, batch)

    monkeypatch.setattr(reading, "_read_item", spy)
    (gc.enable if enabled else gc.disable)()
    try:
        batch = reading.read_paths([out], base=tmp_path)
        assert gc.isenabled() is enabled
        assert batch.receipts and seen and not any(seen)

        def boom(item: reading._Item, batch: Batch) -> None:
            raise RuntimeError("a bug while reading")

        monkeypatch.setattr(reading, "_read_item", boom)
        with pytest.raises(RuntimeError):
            reading.read_paths([out], base=tmp_path)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_threads_reading_at_once_each_get_what_one_reader_gets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each thread parses with a parser of its own (``pipeline.receipts.xmldoc``): readers in
    parallel threads get the receipts and problems, line numbers included, that one reader gets."""
    out = _molde(tmp_path)
    monkeypatch.setenv("OPPKOBLING_JOBS", "1")
    alone = reading.read_paths([out], base=tmp_path)
    assert any(p.origin.line for p in alone.problems)  # the truncated document's position is part of it
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda _: reading.read_paths([out], base=tmp_path), range(8)))
    assert all(batch == alone for batch in together)
