"""The build's worker pool: results in submission order, work handed out without waiting, and
a few items done in this process rather than starting workers for them."""

from __future__ import annotations

import gc
import os

from reportgen.build.collector import THRESHOLDS
from reportgen.build.parallel import MIN_ITEMS_TO_SUBMIT, WorkerPool


def square_with_pid(batch: list[int]) -> list[tuple[int, int]]:
    return [(n * n, os.getpid()) for n in batch]


def fail_on_seven(batch: list[int]) -> list[int]:
    if 7 in batch:
        raise ValueError("seven")
    return batch


def test_results_come_back_in_order_from_worker_processes() -> None:
    items = list(range(40))
    with WorkerPool(2) as pool:
        out = pool.map_batched(square_with_pid, items, ())
    assert [v for v, _ in out] == [n * n for n in items]
    assert {pid for _, pid in out} - {os.getpid()}  # done by workers


def test_few_items_are_done_here_until_workers_run() -> None:
    with WorkerPool(2) as pool:
        few = pool.submit_batched(square_with_pid, [1, 2, 3], ())
        assert [get() for get in few] == [(1, os.getpid()), (4, os.getpid()), (9, os.getpid())]
        many = pool.submit_batched(square_with_pid, list(range(MIN_ITEMS_TO_SUBMIT)), ())
        assert [get()[0] for get in many] == [n * n for n in range(MIN_ITEMS_TO_SUBMIT)]
        assert all(get()[1] != os.getpid() for get in many)
        # once workers run, even a few items go to them
        again = pool.submit_batched(square_with_pid, [5], ())
        assert again[0]()[1] != os.getpid()


def test_a_failed_job_raises_where_its_result_is_asked_for() -> None:
    with WorkerPool(2) as pool:
        later = pool.submit_batched(fail_on_seven, list(range(MIN_ITEMS_TO_SUBMIT)), ())
        assert later[0]() == 0
        try:
            later[7]()
        except ValueError as exc:
            assert str(exc) == "seven"
        else:
            raise AssertionError("the job's error was lost")


def test_one_worker_does_everything_here() -> None:
    with WorkerPool(1) as pool:
        out = pool.map_batched(square_with_pid, list(range(20)), ())
        later = pool.submit_batched(square_with_pid, list(range(20)), ())
    assert {pid for _, pid in out} == {os.getpid()}
    assert {get()[1] for get in later} == {os.getpid()}


def test_items_handed_out_a_few_at_a_time_start_workers_once_there_are_enough() -> None:
    with WorkerPool(2) as pool:
        pids = []
        for start in range(0, 2 * MIN_ITEMS_TO_SUBMIT, 3):  # a group's three figures at a time
            pids += [get()[1] for get in pool.submit_batched(square_with_pid, [start, start + 1, start + 2], ())]
    assert pids[0] == os.getpid()  # the first few here
    assert pids[-1] != os.getpid()  # then the workers


def thresholds_with_pid(batch: list[int]) -> list[tuple[tuple[int, int, int], int]]:
    return [(gc.get_threshold(), os.getpid()) for _ in batch]


def test_the_build_collects_garbage_less_often_here_and_in_workers_and_restores_after() -> None:
    # build/collector.py: the default thresholds cost a 200-run build ~1.3 CPU-s of collector passes
    before = gc.get_threshold()
    assert before != THRESHOLDS
    with WorkerPool(2) as pool:
        assert gc.get_threshold() == THRESHOLDS
        out = pool.map_batched(thresholds_with_pid, list(range(8)), ())
    assert {pid for _, pid in out} - {os.getpid()}  # asked in the workers
    assert {t for t, _ in out} == {THRESHOLDS}
    assert gc.get_threshold() == before
