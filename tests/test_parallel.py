"""Worker processes for CPU-bound chunks: order, bounded memory, and the in-process fallback."""

from __future__ import annotations

import os

from refaire.parallel import Workers

MAIN_PID = os.getpid()


def square_all(chunk: list[int]) -> list[tuple[int, int]]:
    return [(x * x, os.getpid()) for x in chunk]


def die_in_a_worker(chunk: list[int]) -> list[int]:
    if os.getpid() != MAIN_PID:
        os._exit(3)  # a worker that cannot run (killed, out of memory)
    return [x + 1 for x in chunk]


def test_results_come_in_order_from_other_processes() -> None:
    chunks = [list(range(i, i + 10)) for i in range(0, 200, 10)]
    with Workers(max_workers=2) as workers:
        out = [pair for result in workers.map(square_all, chunks) for pair in result]
    assert [v for v, _pid in out] == [x * x for x in range(200)]
    if (os.cpu_count() or 1) >= 2:
        assert {pid for _v, pid in out} - {MAIN_PID}


def test_chunks_are_taken_as_results_are_used() -> None:
    taken = []

    def chunks():
        for i in range(100):
            taken.append(i)
            yield [i]

    with Workers(max_workers=2) as workers:
        results = workers.map(square_all, chunks())
        first = next(results)
        assert first[0][0] == 0
        assert len(taken) < 100  # not everything submitted at once
        rest = list(results)
    assert len(rest) == 99 and len(taken) == 100


def test_broken_workers_fall_back_to_this_process() -> None:
    chunks = [[1, 2], [3], [4, 5, 6]]
    with Workers(max_workers=2) as workers:
        assert list(workers.map(die_in_a_worker, chunks)) == [[2, 3], [4], [5, 6, 7]]


def test_disabled_runs_here() -> None:
    with Workers(enabled=False) as workers:
        out = list(workers.map(square_all, [[1], [2]]))
    assert out == [[(1, MAIN_PID)], [(4, MAIN_PID)]]
