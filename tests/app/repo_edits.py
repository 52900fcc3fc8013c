"""Random edits of a synthetic repository (``benchmarks/synth.py``), as a coordinator makes them:
what the incremental validate and build are held to a cold run after (tests/app/test_incremental*.py).

Each edit is ``(kind, seed)``; the seed picks the file, the party and the new value, so a failing
sequence from hypothesis is replayed exactly."""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from benchmarks import synth

KOMMUNER = "partners/kommuner"
HFS = "partners/helseforetak"
AR = "partners/ar"


def make(dest: Path, *, kommuner: int = 30, parties: int = 2) -> Path:
    """A synthetic repository with ``kommuner`` kommuner, generated once per test session."""
    synth.generate(dest, kommuner=kommuner, parties=parties)
    return dest


def restore(pristine: Path, work: Path) -> None:
    """``work``'s partners/ made the pristine one again (its cache and generated/ kept)."""
    shutil.rmtree(work / "partners", ignore_errors=True)
    shutil.copytree(pristine / "partners", work / "partners")


def fixtures() -> tuple[Callable[..., Path], Callable[..., Iterator[Path]]]:
    """The module-scoped fixtures ``pristine`` (the 30-kommune repository the edits start from,
    generated once) and ``work`` (a copy of it to edit), for a test module to take as
    ``pristine, work = repo_edits.fixtures()``."""

    @pytest.fixture(scope="module")
    def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
        return make(tmp_path_factory.mktemp("synthetic"), kommuner=30, parties=1)

    @pytest.fixture(scope="module")
    def work(tmp_path_factory: pytest.TempPathFactory, pristine: Path) -> Iterator[Path]:
        root = tmp_path_factory.mktemp("work")
        restore(pristine, root)
        yield root

    return pristine, work


def _files(root: Path, where: str) -> list[Path]:
    return sorted((root / where).glob("*.yaml"))


def _pick(rng: random.Random, root: Path, where: str = KOMMUNER) -> Path | None:
    files = _files(root, where)
    return rng.choice(files) if files else None


def _replace_nth(text: str, pattern: str, new: Callable[[re.Match[str]], str], rng: random.Random) -> str:
    found = list(re.finditer(pattern, text, flags=re.M))
    if not found:
        return text
    m = rng.choice(found)
    return text[: m.start()] + new(m) + text[m.end() :]


def party_name(root: Path, rng: random.Random) -> None:
    """A party's name: what a coordinator corrects most often (the benchmark's one edit)."""
    p = _pick(rng, root)
    if p:
        word = rng.choice(["Legevakt", "Sykehjem Øst", "Helsehus & co", "Rus <psykiatri>"])
        text = _replace_nth(
            p.read_text("utf-8"), r'^    name: ".*"$', lambda m: f'    name: "{word} {rng.randint(1, 99)}"', rng
        )
        p.write_text(text, "utf-8")


def her_id(root: Path, rng: random.Random) -> None:
    """A party's HER-id: another party's (S3), an HF's (S3), or a new one (no AR record: R-K3)."""
    p = _pick(rng, root)
    if not p:
        return
    everything = re.findall(r"^  - her_id: (\d+)$", "".join(f.read_text("utf-8") for f in _files(root, KOMMUNER)), re.M)
    choice = rng.choice([*everything, "9990001", str(rng.randint(20_000_000, 20_000_100))])
    p.write_text(
        _replace_nth(p.read_text("utf-8"), r"^  - her_id: \d+$", lambda m: f"  - her_id: {choice}", rng), "utf-8"
    )


def status(root: Path, rng: random.Random) -> None:
    p = _pick(rng, root)
    if p:
        new = rng.choice(["planned", "ordered", "testing", "active", "paused", "withdrawn"])
        p.write_text(re.sub(r"^status: \w+$", f"status: {new}", p.read_text("utf-8"), count=1, flags=re.M), "utf-8")


def activation_date(root: Path, rng: random.Random) -> None:
    p = _pick(rng, root)
    if p:
        new = f"2027-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"
        text = re.sub(r"^(activation:\n  date: )\S+$", rf"\g<1>{new}", p.read_text("utf-8"), count=1, flags=re.M)
        p.write_text(text, "utf-8")


def kommunenummer(root: Path, rng: random.Random) -> None:
    """One kommune takes another's number (S3, S2, S4)."""
    files = _files(root, KOMMUNER)
    if len(files) >= 2:
        a, b = rng.sample(files, 2)
        number = re.search(r'^kommune: "(\d+)"$', b.read_text("utf-8"), re.M)
        if number:
            a.write_text(
                re.sub(r'^kommune: "\d+"$', f'kommune: "{number[1]}"', a.read_text("utf-8"), count=1, flags=re.M),
                "utf-8",
            )


def broken_yaml(root: Path, rng: random.Random) -> None:
    p = _pick(rng, root)
    if p:
        p.write_text(p.read_text("utf-8") + "parties: [\n", "utf-8")


def comment(root: Path, rng: random.Random) -> None:
    p = _pick(rng, root)
    if p:
        p.write_text(p.read_text("utf-8") + f"# note {rng.randint(0, 10**6)}\n", "utf-8")


def remove_kommune(root: Path, rng: random.Random) -> None:
    p = _pick(rng, root)
    if p:
        p.unlink()


def add_kommune(root: Path, rng: random.Random) -> None:
    """A copy of a kommune under a new file name: a duplicate of everything (S2, S3)."""
    p = _pick(rng, root)
    if p:
        (p.parent / f"{9000 + rng.randint(0, 99)}-ny.yaml").write_text(p.read_text("utf-8"), "utf-8")


def ar_record(root: Path, rng: random.Random) -> None:
    """An AR snapshot file: removed, its EDI address changed, or made unreadable JSON."""
    files = sorted((root / AR).rglob("*.json"))
    if not files:
        return
    p = rng.choice(files)
    how = rng.randint(0, 2)
    if how == 0:
        p.unlink()
    elif how == 1:
        p.write_text(p.read_text("utf-8").replace("@edi.nhn.no", "@test.edi.nhn.no", 1), "utf-8")
    else:
        p.write_text(p.read_text("utf-8")[:-3], "utf-8")


def hf(root: Path, rng: random.Random) -> None:
    """An HF declaration: its name, its EDI address onto the test network, or a version dropped."""
    p = _pick(rng, root, HFS)
    if not p:
        return
    text = p.read_text("utf-8")
    how = rng.randint(0, 2)
    if how == 0:
        text = re.sub(r"^name: .*$", f"name: HF {rng.randint(1, 9)}", text, count=1, flags=re.M)
    elif how == 1:
        text = text.replace("@edi.nhn.no", "@test.edi.nhn.no", 1)
    else:
        text = text.replace('["1.1", "1.2"]', '["1.2"]', 1)
    p.write_text(text, "utf-8")


def kommune_name(root: Path, rng: random.Random) -> None:
    """The kommune's name: in its row of STATUS.md and status.html, its chart bar, its calendar
    events and every entry of the partner indexes."""
    p = _pick(rng, root)
    if p:
        new = rng.choice(["Nyby", "Øvre Ås", "Sør & Nord", "<Fjell>"])
        p.write_text(re.sub(r'^name: ".*"$', f'name: "{new}"', p.read_text("utf-8"), count=1, flags=re.M), "utf-8")


def milestone(root: Path, rng: random.Random) -> None:
    """When T was agreed or the order sent (a milestone done on another day): the status rows,
    the chart's span and markers, the calendars' events and DTSTAMP."""
    p = _pick(rng, root)
    if p:
        field = rng.choice(["agreed_on", "sent_on"])
        new = f"202{rng.randint(4, 6)}-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"
        text = re.sub(rf"^(  {field}: )\S+$", rf"\g<1>{new}", p.read_text("utf-8"), count=1, flags=re.M)
        p.write_text(text, "utf-8")


def generated_file(root: Path, rng: random.Random) -> None:
    """A file under generated/ edited by hand (an aggregate or a kommune's): the next build must
    find it and write it again, though its inputs did not change."""
    files = sorted(p for p in (root / "generated").rglob("*") if p.is_file())
    if not files:
        return
    p = rng.choice(files)
    data = p.read_bytes()
    if rng.randint(0, 1) or not data:
        p.write_bytes(data + b" ")
        return
    # The same size and mtime: only the inode's ctime tells (the stat that vouches includes it).
    before = p.stat()
    i = rng.randrange(len(data))
    p.write_bytes(data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :])
    os.utime(p, ns=(before.st_atime_ns, before.st_mtime_ns))


EDITS: dict[str, Callable[[Path, random.Random], None]] = {
    f.__name__: f
    for f in (
        party_name,
        her_id,
        status,
        activation_date,
        kommunenummer,
        broken_yaml,
        comment,
        remove_kommune,
        add_kommune,
        ar_record,
        hf,
        kommune_name,
        milestone,
        generated_file,
    )
}


def apply(root: Path, kind: str, seed: int) -> None:
    EDITS[kind](root, random.Random(seed))
