"""The test-data script and the schedules it reads: it runs as a command, and what it writes
is read back without a problem; a broken schedule is refused with its file named."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import make_receipts as mk
from conftest import REPO
from receipts_support import GENERATED, TESTING, match, read

from pipeline.io import receipts as reading
from pipeline.receipts.model import PartyKey, ProblemKind


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
    evidence = result.of(PartyKey(TESTING, "st-olavs", 8160001))
    assert evidence is not None and evidence.pretest_apprec is not None
    assert evidence.pretest_apprec.error_codes == ("E21",)


def test_broken_schedule_is_named(tmp_path: Path) -> None:
    shutil.copytree(GENERATED / "fixtures", tmp_path / "fixtures")
    target = next((tmp_path / "fixtures").glob("1506-*/schedule.json"))
    target.write_text(target.read_text("utf-8").replace('"msg_id": "', '"msg_id": "not-a-uuid-', 1), "utf-8")
    messages, problems = reading.read_schedules(tmp_path, base=tmp_path)
    [found] = problems
    assert found.kind is ProblemKind.INCOMPLETE
    assert found.origin.file == "fixtures/1506-molde/schedule.json" and found.origin.part is not None
    assert "msg_id" in found.origin.part
    assert {m.kommune for m in messages} == {"1505", "1811", "5001", "5007", "5035"}


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
