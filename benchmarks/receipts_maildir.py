"""Reading a Maildir of receipts against lxml parsing the same XML (issue 18's receipts figure).

    python benchmarks/receipts_maildir.py                    # 357 kommuner x 8 parties x 9 test messages
    python benchmarks/receipts_maildir.py --messages 3000 --runs 3

Makes (once, in ``benchmarks/work/receipts-<n>/``, git-ignored) a Maildir with one receipt per
test message: an ebXML APPREC message, envelope part and AppRec 1.1 part, as
``tests/receipts/make_receipts.py`` builds them for the shipped examples. Then, alternating, wall
time (what a coordinator waits for; the ratio) and CPU time of this process and its forked
workers (``read_paths`` reads on every core), best of ``--runs``:

- lxml parsing the same XML documents from memory (``etree.fromstring``, the safe parser);
- lxml parsing the same XML documents from files (``etree.parse``), one file per document;
- ``pipeline.io.receipts.read_paths`` on the Maildir: listing, reading, MIME, parsing,
  extracting every receipt (no matching).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "receipts"))

import make_receipts as mk  # noqa: E402

from pipeline import i18n  # noqa: E402
from pipeline.io import receipts as reading  # noqa: E402
from pipeline.receipts import mime  # noqa: E402
from pipeline.receipts.model import Batch, Origin  # noqa: E402
from pipeline.render import parallel  # noqa: E402
from pipeline.render.xml import safe_parser  # noqa: E402

NATIONAL = 357 * 8 * 9  # kommuner x parties x (3 HF x epikrise, lab, dialog)
SENT = dt.datetime(2027, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def make_maildir(path: Path, messages: int) -> Path:
    """A Maildir of ``messages`` APPREC messages, each for its own test message and party."""
    mails = []
    for i in range(messages):
        data = {
            "hf": "st-olavs",
            "message_type": "epikrise",
            "action": "EPIKRISE",
            "msg_id": f"00000000-0000-5000-8000-{i:012d}",
            "send_at": SENT.isoformat(),
            "sender": {"her_id": 9990001, "name": "St. Olavs hospital HF"},
            "receiver": {"her_id": 8000000 + i, "name": f"Kommune {i} helse og omsorg"},
            "apprec": {"version": "1.1"},
            "answer": None,
        }
        fx = mk.Fixture("5001", path, data)
        mails.append(mk.apprec_message(fx, mk.apprec(fx)))
    return mk.write_maildir(path, mails)


def xml_documents(box: Path) -> list[bytes]:
    """The XML inside every message, as the message server would hand it to a parser."""
    docs: list[bytes] = []
    for _, file in reading.maildir_messages(box):
        mime.read(Path(file).read_bytes(), Origin(file), Batch(), lambda data, _o, _b: docs.append(data))
    return docs


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (the fork pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    cpu, wall = [], []
    for _ in range(runs):
        gc.collect()
        c, w = _cpu(), time.perf_counter()
        fn()
        cpu.append(_cpu() - c)
        wall.append(time.perf_counter() - w)
    return min(cpu), min(wall)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=NATIONAL)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object (benchmarks/run.py)")
    args = parser.parse_args(argv)
    base = args.work / f"receipts-{args.messages}"
    box, files = base / "maildir", base / "xml"
    if not (base / "done").exists():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        make_maildir(box, args.messages)
        files.mkdir(parents=True)
        for i, doc in enumerate(xml_documents(box)):
            (files / f"{i:07d}.xml").write_bytes(doc)
        (base / "done").write_text("ok\n")
    docs = xml_documents(box)
    names = sorted(str(p) for p in files.iterdir())
    batch = reading.read_paths([box])
    assert len(batch.receipts) == args.messages and not batch.problems, batch.problems[:3]

    def memory() -> None:
        for doc in docs:
            etree.fromstring(doc, safe_parser())

    def from_files() -> None:
        for name in names:
            etree.parse(name, safe_parser())

    def ours() -> None:
        # In the language the command sets (pipeline/cli/main.py): outside a command every text
        # asks the environment for its language, which the command never pays.
        with i18n.use(i18n.choose(None)):
            reading.read_paths([box])

    results: dict[str, tuple[float, float]] = {}
    for _ in range(args.runs):  # alternate, so that load on a shared machine hits all three alike
        for label, fn in (("memory", memory), ("files", from_files), ("maildir", ours)):
            cpu, wall = best(fn, 1)
            old = results.get(label, (cpu, wall))
            results[label] = (min(cpu, old[0]), min(wall, old[1]))
    (mem_cpu, mem), (fil_cpu, fil) = results["memory"], results["files"]
    got_cpu, got = results["maildir"]
    size = sum(len(d) for d in docs)
    if args.json:
        figures = {"messages": args.messages, "lxml_memory": mem, "lxml_files": fil, "maildir": got}
        print(json.dumps({**figures, "maildir_cpu": got_cpu, "lxml_memory_cpu": mem_cpu}))
        return 0
    print(
        f"{args.messages} messages, {len(docs)} XML documents, {size / 1e6:.1f} MB of XML, {parallel.cores()} core(s)\n"
        f"lxml parse from memory    {mem:7.3f} s wall {mem_cpu:7.3f} s CPU\n"
        f"lxml parse from files     {fil:7.3f} s wall {fil_cpu:7.3f} s CPU\n"
        f"read_paths(Maildir)       {got:7.3f} s wall {got_cpu:7.3f} s CPU, "
        f"{got / args.messages * 1e6:.0f} us a message\n"
        f"wall-time ratio to memory {got / mem:.2f}, to files {got / fil:.2f} (target: 2); "
        f"CPU ratio to memory {got_cpu / mem_cpu:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
