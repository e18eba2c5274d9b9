"""One function over many items in worker processes: the one process pool of reelforge.

Song analysis, picture analysis and report thumbnails all decode files, which is CPU work the
GIL serialises, so each runs in a pool of forked processes (spawned where fork is missing).
``func`` must be a module-level function (it is pickled by name) and must not raise: a worker
turns a bad file into a result that says why, so one file never ends a batch.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Progress = Callable[[int, int], None]


def map_in_processes(
    func: Callable[[Item], Result], items: Sequence[Item], *, workers: int,
    progress: Progress | None = None, chunksize: int = 1,
) -> list[Result]:
    """``func`` over ``items`` in up to ``workers`` processes; results in the order of
    ``items``, ``progress(done, total)`` as they finish."""
    by_position: dict[int, Result] = {}
    finished = results_as_finished(func, items, workers=workers, chunksize=chunksize)
    for done, (position, result) in enumerate(finished, start=1):
        by_position[position] = result
        if progress:
            progress(done, len(items))
    return [by_position[position] for position in range(len(items))]


def results_as_finished(
    func: Callable[[Item], Result], items: Sequence[Item], *, workers: int, chunksize: int = 1,
) -> Iterator[tuple[int, Result]]:
    """(position in ``items``, result) pairs as workers finish them, for callers that keep
    each result as soon as it exists. One worker or one item runs here, in order, no pool."""
    if workers <= 1 or len(items) <= 1:
        for position, item in enumerate(items):
            yield position, func(item)
        return
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    calls = [(func, position, item) for position, item in enumerate(items)]
    with context.Pool(min(workers, len(items))) as pool:
        yield from pool.imap_unordered(_positioned_call, calls, chunksize=max(1, chunksize))


def _positioned_call(
    call: tuple[Callable[[Item], Result], int, Item],
) -> tuple[int, Result]:
    func, position, item = call
    return position, func(item)
