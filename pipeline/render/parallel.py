"""Rendering on every core: per-kommune work in forked worker processes, results in order.

``pipeline.render.generators`` hands this module tasks -- "the generators that need the whole set" and
"the per-kommune generators for kommune i" -- and gets back each task's files in task order, so
the result never depends on which worker finished first. Workers are forked after the
declarations are loaded (they inherit them, and the compiled schemas, without pickling); only
task numbers go out and ``(generator, path, bytes)`` lists come back. At most a few tasks per
worker are in flight, so memory stays bounded however large the repository is, and every
``TASKS_PER_POOL`` tasks the workers are replaced by fresh forks, so that what they copied of the
inherited pages is given back.

Small workloads run in the calling process: forking costs more than it saves below
``MIN_TASKS`` tasks. ``OPPKOBLING_JOBS`` overrides the choice (``1``: never fork; ``N``: N
workers whatever the size, which is how the tests exercise this path on small data).
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

from pipeline import environment

ENV = environment.JOBS
MIN_TASKS = 24
IN_FLIGHT_PER_WORKER = 2
# A worker is replaced by a fresh fork after this many tasks: reading the inherited declarations
# writes their reference counts, so every page a task touched becomes the worker's own copy, and
# a long-lived worker holds more of those copies with every task.
TASKS_PER_POOL = 48

R = TypeVar("R")

# What the workers run, set before they are forked (fork copies it; nothing is pickled).
_TASK: Callable[[int], object] | None = None


def _run(index: int) -> object:
    assert _TASK is not None
    result = _TASK(index)
    trim()
    return result


def trim() -> None:
    """Give the memory a task freed back to the system (glibc keeps freed heap otherwise, so a
    worker that once rendered a large part would hold that much for the rest of the run)."""
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        try:
            _MALLOC_TRIM = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):  # pragma: no cover - not glibc
            _MALLOC_TRIM = False
    if callable(_MALLOC_TRIM):
        _MALLOC_TRIM(0)


_MALLOC_TRIM: Callable[[int], int] | bool | None = None


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def jobs(tasks: int) -> int:
    """How many worker processes to use for ``tasks`` tasks (1: none)."""
    if not sys.platform.startswith("linux"):
        return 1  # fork is the only start method that shares the loaded state cheaply
    configured = os.environ.get(ENV, "").strip()
    if configured:
        try:
            return max(1, min(int(configured), tasks))
        except ValueError:
            return 1
    if tasks < MIN_TASKS:
        return 1
    return max(1, min(cores(), tasks))


def ordered(task: Callable[[int], R], count: int, workers: int) -> Iterator[R]:
    """``task(0) ... task(count - 1)``, in that order, computed by ``workers`` forked processes
    (in this process when ``workers`` is 1). An exception in a task is raised here."""
    if workers <= 1 or count <= 1:
        for index in range(count):
            yield task(index)
        return
    global _TASK
    _TASK = task
    # Freeze what is loaded: the workers' garbage collector then never touches (and so never
    # copies) the inherited pages of the declarations, which stay shared with this process.
    gc.collect()
    gc.freeze()
    trim()
    pools = (_pooled(first, min(count, first + TASKS_PER_POOL), workers) for first in range(0, count, TASKS_PER_POOL))
    results = itertools.chain.from_iterable(pools)
    try:
        for __ in range(count - 1):
            yield next(results)  # type: ignore[misc]
        result = next(results)
    finally:
        gc.unfreeze()
        _TASK = None
    # The workers are gone before the last result is handed over: what the caller does next (the
    # render joins the whole-set files) is not paid for on top of their memory.
    yield result  # type: ignore[misc]


def _pooled(first: int, last: int, workers: int) -> Iterator[object]:
    """Tasks ``first ... last - 1`` by a pool forked for them, in order; the pool is shut down
    before the last result is handed over."""
    pool = ProcessPoolExecutor(max_workers=min(workers, last - first), mp_context=multiprocessing.get_context("fork"))
    pending: deque[Future[object]] = deque()
    try:
        submitted = first
        while True:
            while submitted < last and len(pending) < workers * IN_FLIGHT_PER_WORKER:
                pending.append(pool.submit(_run, submitted))
                submitted += 1
            result = pending.popleft().result()
            if submitted == last and not pending:
                break
            yield result
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
    yield result
