"""Forked rendering: results in task order across pools, workers replaced, errors raised here."""

from __future__ import annotations

import os
import sys

import pytest

from pipeline.render import parallel

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")


def _pid_of(index: int) -> tuple[int, int]:
    return index, os.getpid()


def test_results_come_in_task_order_and_workers_are_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "TASKS_PER_POOL", 3)
    results = list(parallel.ordered(_pid_of, 10, 2))
    assert [index for index, __ in results] == list(range(10))
    pools = [{pid for index, pid in results if index // 3 == chunk} for chunk in range(4)]
    assert os.getpid() not in set().union(*pools)
    # Each pool's workers are fresh forks: no worker of one pool ran a task of another.
    for one in range(4):
        for other in range(one + 1, 4):
            assert not pools[one] & pools[other]


def test_a_single_pool_when_the_tasks_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "TASKS_PER_POOL", 100)
    results = list(parallel.ordered(_pid_of, 7, 2))
    assert [index for index, __ in results] == list(range(7))
    assert len({pid for __, pid in results}) <= 2


def _fails_at_five(index: int) -> int:
    if index == 5:
        raise ValueError("task 5 failed")
    return index


def test_an_error_in_a_later_pool_is_raised_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "TASKS_PER_POOL", 2)
    seen: list[int] = []
    with pytest.raises(ValueError, match="task 5 failed"):
        for result in parallel.ordered(_fails_at_five, 9, 2):
            seen.append(result)
    assert seen == [0, 1, 2, 3, 4]


def test_one_worker_runs_here() -> None:
    assert [pid for __, pid in parallel.ordered(_pid_of, 4, 1)] == [os.getpid()] * 4
