"""The one process pool: results in the order of the items, progress as they finish."""

from __future__ import annotations

import os
import time

from reelforge.media.parallel import map_in_processes, results_as_finished


def slow_square_with_pid(n: int) -> tuple[int, int]:
    time.sleep(0.05 if n == 0 else 0.0)  # the first item finishes last
    return n * n, os.getpid()


def test_results_keep_the_order_of_the_items_across_worker_processes() -> None:
    seen: list[tuple[int, int]] = []
    results = map_in_processes(slow_square_with_pid, list(range(8)), workers=2,
                               progress=lambda done, total: seen.append((done, total)))
    assert [square for square, _ in results] == [n * n for n in range(8)]
    assert {pid for _, pid in results} - {os.getpid()}  # ran in other processes
    assert seen == [(done, 8) for done in range(1, 9)]


def test_one_worker_runs_here_in_order_without_a_pool() -> None:
    finished = list(results_as_finished(slow_square_with_pid, [3, 1, 2], workers=1))
    assert [(i, r[0]) for i, r in finished] == [(0, 9), (1, 1), (2, 4)]
    assert {r[1] for _, r in finished} == {os.getpid()}


def test_no_items_give_no_results() -> None:
    assert map_in_processes(slow_square_with_pid, [], workers=4) == []
