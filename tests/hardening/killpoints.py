"""Kill ``pipeline.io.generated_tree.write`` at chosen file-system operations and look at what is left.

Run as a script (``python killpoints.py CONFIG-JSON``), single-threaded so fork is safe. For each
kill point the old ``generated/`` tree is restored, a child process starts ``generated_tree.write`` of the
new tree and SIGKILLs itself just before its N-th file-system operation (creating, writing,
fsyncing, renaming, exchanging, linking, removing). The parent then records what is on disk, runs
the next write (as the next ``oppkobling generate`` would after rendering) and records again.

Counted operations: os.open with O_CREAT, os.write, os.fsync, os.mkdir, os.rename, os.link,
os.symlink, os.unlink, os.rmdir, and the renameat2 exchange. fsync only counts (it is not
performed, here or in the parent): a killed process loses nothing from the page cache, and
skipping the flushes keeps hundreds of runs fast. The real-fsync path is exercised by the random kills of test_crash.py.

Config: {"root", "old" (a copy of the old generated/), "new" (the new tree, as files), "mode"
("exchange" or "fallback"), "spare" (true: the old tree is restored with its mirror as the spare,
so the write brings the spare up to date and exchanges it; false: no spare, so the write makes a
staging tree), "max_points"}. Prints one JSON object: the operations of a full run
and, per kill point, the tree after the kill and after the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.io import atomic, generated_tree

OPS = ("open", "write", "fsync", "mkdir", "rename", "link", "symlink", "unlink", "rmdir")
DIRS = ("generated", ".generated.new", ".generated.old")


def tree(path: Path) -> dict[str, str] | None:
    if not os.path.lexists(path):
        return None
    found = {}
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [*dirnames, *filenames]:
            p = Path(dirpath) / name
            rel = p.relative_to(path).as_posix()
            if p.is_symlink():
                found[rel] = "link:" + os.readlink(p)
            elif p.is_file():
                found[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return found


def state(root: Path) -> dict[str, Any]:
    return {name: tree(root / name) for name in DIRS}


def install(kill_at: int | None, fallback: bool, log: list[str]) -> None:
    """Count (and at ``kill_at``, die before) every file-system operation from now on."""

    def step(name: str) -> None:
        log.append(name)
        if kill_at is not None and len(log) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            if name == "open" and not (args[1] if len(args) > 1 else kwargs.get("flags", 0)) & os.O_CREAT:
                return original(*args, **kwargs)
            step(name)
            if name == "fsync":
                return None
            return original(*args, **kwargs)

        return counted

    for name in OPS:
        setattr(os, name, wrap(name, getattr(os, name)))
    exchange = atomic._exchange

    def counted_exchange(a: Path, b: Path) -> bool:
        step("exchange")
        return False if fallback else exchange(a, b)

    atomic._exchange = counted_exchange  # type: ignore[assignment]


def restore(root: Path, old: Path, spare: bool) -> None:
    for name in (*DIRS, atomic.spare(root / "generated").parent.name):
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
    shutil.copytree(old, root / "generated", symlinks=True)
    if spare:  # what a write from nothing leaves: a hard link of each file
        atomic.spare_home(root / "generated")
        shutil.copytree(root / "generated", atomic.spare(root / "generated"), copy_function=os.link)


def run(config: dict[str, Any]) -> dict[str, Any]:
    os.fsync = lambda fd: None  # the parent's runs too: durability is not what is tested here
    root, old, new_dir = Path(config["root"]), Path(config["old"]), Path(config["new"])
    new = {p.relative_to(new_dir).as_posix(): p.read_bytes() for p in sorted(new_dir.rglob("*")) if p.is_file()}
    fallback = config["mode"] == "fallback"
    spare = bool(config["spare"])
    log_path = root.parent / "ops.json"

    def child(kill_at: int | None) -> int:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                log: list[str] = []
                install(kill_at, fallback, log)
                generated_tree.write(root, new)
                log_path.write_text(json.dumps(log))
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)

    # A full run first: the operations, in order, that the kill points are chosen from.
    restore(root, old, spare)
    assert child(None) == 0, "the write failed without being killed"
    ops: list[str] = json.loads(log_path.read_text())
    first_swap = next(i for i, op in enumerate(ops) if op in ("exchange", "rename"))
    limit = int(config["max_points"])
    # Every operation from the first rename/exchange on (the dangerous part), and an even
    # sample of the staging before it.
    tail = list(range(first_swap + 1, len(ops) + 1))
    room = max(limit - len(tail), 2)
    head = sorted({1 + (i * first_swap) // room for i in range(room)})
    results = []
    for point in [*head, *tail]:
        restore(root, old, spare)
        code = child(point)
        killed = state(root)
        generated_tree.write(root, new)  # the next run, unpatched
        results.append({"point": point, "op": ops[point - 1], "code": code, "killed": killed, "next": state(root)})
    return {"ops": ops, "results": results}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run(json.loads(sys.argv[1]))) + "\n")
