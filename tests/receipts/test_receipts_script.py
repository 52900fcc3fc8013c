"""The test-data script: it runs as a command, and what it writes is read back without a problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import make_receipts as mk
from conftest import REPO
from receipts_support import TESTING, match, read, recorded, verdict

from pipeline.receipts.model import PartyKey


def test_script_writes_every_form(tmp_path: Path) -> None:
    script = Path(mk.__file__)
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path), "--kommune", TESTING, "--reject", "st-olavs:epikrise:E21"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "1506-molde"
    assert sorted(p.name for p in out.iterdir()) == ["edi2", "eml", "maildir", "receipts.mbox", "xml"]
    assert len(list((out / "maildir" / "new").iterdir())) == len(list((out / "eml").iterdir())) == 21
    result = match(read(out).receipts)
    assert result.errors == ()
    found = result.of(PartyKey(TESTING, "st-olavs", 8160001))
    assert found is not None and verdict(found, "apprec") == "rejected"
    assert [r.errors for r in recorded(found) if r.result == "rejected"] == [["E21"]]


def test_the_benchmark_maildir_is_honest(tmp_path: Path) -> None:
    """benchmarks/receipts_maildir.py times a Maildir in which every message is one readable receipt,
    against the very XML documents inside it (no timing here)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import receipts_maildir as bench

    box = bench.make_maildir(tmp_path / "box", 12)
    batch = read(box)
    assert batch.problems == [] and len(batch.receipts) == 12
    assert len({r.references for r in batch.receipts}) == 12
    docs = bench.xml_documents(box)
    assert len(docs) == 24 and sum(d.startswith(b"<?xml") for d in docs) == 24
