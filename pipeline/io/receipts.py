"""The file-system edge of receipt reading: paths in, a ``Batch`` out.

A path is a file, a Maildir (a directory with ``cur/``, ``new/`` and ``tmp/``: every message in
``cur/`` and ``new/``, never the half-delivered ones in ``tmp/``), or any other directory (every
entry under it, in name order, a Maildir inside it read as one). A file whose first line is an
mbox ``From`` line is an mbox; every other file is read by ``pipeline.receipts.recognise``, by
content. Nothing is skipped: a file that is no receipt is reported. Each file is read once
(an mbox by ``mailbox.mbox`` once its first line showed what it is).
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterable
from pathlib import Path

from pipeline import collector
from pipeline.i18n import N_, _
from pipeline.receipts import recognise
from pipeline.receipts.model import Batch, Origin, ProblemKind
from pipeline.render import parallel

MBOX_START = b"From "
MAX_FILE = 64 * 1024 * 1024  # a receipt, base64 and all, is far smaller; an mbox is read as a mailbox


def _display(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


# One thing to read: (file, the name problems give it, its key when it is a message in a Maildir).
# A file may turn out to be an mbox, a Maildir message is never taken for one. Plain tuples,
# the Origin made by the worker that reads it: listing a national Maildir is done before the
# workers start, and a dataclass and an Origin a message made that listing twice as long.
_Item = tuple[str, str, str | None]


CHUNK = 128  # items per task on the fork pool


def read_paths(paths: Iterable[Path], *, base: Path | None = None) -> Batch:
    """Every receipt under ``paths``; names in problems are relative to ``base`` when inside it.

    The files are listed first, then read in chunks on every core (``pipeline.render.parallel``:
    forked workers, results in order, so the batch is the same whichever finishes first)."""
    batch = Batch()
    items: list[_Item] = []
    for path in paths:
        _list(path, items, batch, base)
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]

    def task(index: int) -> Batch:
        part = Batch()
        for item in chunks[index]:
            _read_item(item, part)
        return part

    # No cyclic garbage collection while reading (the forked workers inherit the pause).
    # Reading makes no reference cycles -- every tree, part and string is freed by its
    # reference count -- but it keeps what it reads, and the collections that growing batch
    # triggers were a fifth of the time a Maildir took (issue 18).
    with collector.paused():
        for part in parallel.ordered(task, len(chunks), parallel.jobs(len(chunks))):
            batch.receipts.extend(part.receipts)
            batch.problems.extend(part.problems)
    return batch


def _list(path: Path, items: list[_Item], batch: Batch, base: Path | None) -> None:
    name = _display(path, base)
    if path.is_dir():
        if is_maildir(path):
            try:
                messages = maildir_messages(path)
            except OSError as exc:
                batch.problem(
                    ProblemKind.MALFORMED,
                    Origin(name),
                    _("cannot read the Maildir: {value}").format(value=exc.strerror or exc),
                )
                return
            items.extend((file, name, key) for key, file in messages)
            return
        for child in sorted(path.iterdir()):
            if child.is_dir():
                _list(child, items, batch, base)
            else:
                items.append((str(child), _display(child, base), None))
    elif path.exists():
        items.append((str(path), name, None))
    else:
        batch.problem(ProblemKind.MALFORMED, Origin(name), _("no such file or directory"))


def _read_item(item: _Item, batch: Batch) -> None:
    file, name, key = item
    origin = Origin(name) if key is None else Origin(name, item=f"Maildir message {key}")
    try:
        data = _read(file, mbox=key is None)
    except _TooLarge:
        batch.problem(ProblemKind.UNSAFE, origin, _(_TOO_LARGE).format(mib=MAX_FILE // (1 << 20)))
        return
    except OSError as exc:
        batch.problem(ProblemKind.MALFORMED, origin, _("cannot read: {value}").format(value=exc.strerror or exc))
        return
    if data is None:
        read_mbox(Path(file), batch, name)
    else:
        recognise.read_bytes(data, origin, batch)


def _read(path: str, *, mbox: bool = False) -> bytes | None:
    """The file's bytes; None when it is an mbox (``mbox``: look for one) -- it is read as a
    mailbox instead. More than ``MAX_FILE`` bytes raise ``_TooLarge``."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = b""
        if mbox:
            data = os.read(fd, len(MBOX_START))
            if data == MBOX_START:
                return None
        data += os.read(fd, min(size, MAX_FILE) + 1 - len(data))
        # Read on only when the file grew while being read (one read syscall otherwise).
        while size < len(data) <= MAX_FILE and (more := os.read(fd, MAX_FILE + 1 - len(data))):
            data += more
        if len(data) > MAX_FILE:
            raise _TooLarge
        return data
    finally:
        os.close(fd)


class _TooLarge(Exception):
    """A file over ``MAX_FILE`` bytes (reported, never read whole)."""


_TOO_LARGE = N_("over {mib} MiB: no receipt is that large, not read")


def maildir_messages(path: Path) -> list[tuple[str, str]]:
    """(key, file) of every message in ``cur/`` and ``new/``, by key. The Maildir rules as the
    stdlib ``mailbox.Maildir`` applies them (names starting with a dot are not messages; the key
    is the name up to its ":2," info), read with a plain directory scan: ``Maildir.get_bytes``
    costs four times a plain read per message."""
    found: list[tuple[str, str]] = []
    for sub in ("new", "cur"):
        with os.scandir(path / sub) as entries:
            for entry in entries:
                if not entry.name.startswith(".") and entry.is_file():
                    found.append((entry.name.split(mailbox.Maildir.colon)[0], entry.path))
    return sorted(found)


def read_mbox(path: Path, batch: Batch, name: str) -> None:
    box = mailbox.mbox(path, factory=None, create=False)
    try:
        keys = list(box.keys())
        for number, key in enumerate(keys, start=1):
            item = f"message {number} of {len(keys)} in the mbox"
            recognise.read_bytes(box.get_bytes(key), Origin(name, item=item), batch)
    except OSError as exc:
        batch.problem(
            ProblemKind.MALFORMED, Origin(name), _("cannot read the mbox: {value}").format(value=exc.strerror or exc)
        )
    finally:
        box.close()
