"""streams/gateway/intake.py: a submission's writes go out a bounded number at a time, every one of them, and a
failure starts no more of them (issue 8, item 6: one file of 50,000 refused records held the worker for minutes).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable

import pytest

from streams.gateway.intake import MAX_IN_FLIGHT, _bounded


def test_every_write_runs_and_never_more_than_the_bound_at_once() -> None:
    in_flight = 0
    most = 0
    done: list[int] = []

    async def write(n: int) -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0)
        in_flight -= 1
        done.append(n)

    count = 5 * MAX_IN_FLIGHT + 3
    asyncio.run(_bounded([write(n) for n in range(count)]))
    assert sorted(done) == list(range(count))
    assert most == MAX_IN_FLIGHT


def test_a_small_submission_writes_all_at_once() -> None:
    started: list[int] = []
    gate = asyncio.Event()

    async def write(n: int) -> None:
        started.append(n)
        if len(started) == 3:
            gate.set()
        await gate.wait()  # would never return if the three did not run together

    asyncio.run(asyncio.wait_for(_bounded([write(n) for n in range(3)]), 5))
    assert sorted(started) == [0, 1, 2]


def test_a_failed_write_stops_the_rest_and_leaves_no_coroutine_unawaited() -> None:
    started: list[int] = []

    async def write(n: int) -> None:
        started.append(n)
        await asyncio.sleep(0)
        if n == 0:
            raise ConnectionError("broker gone")
        await asyncio.sleep(10)

    sends = [write(n) for n in range(3 * MAX_IN_FLIGHT)]
    with pytest.raises(ConnectionError):
        asyncio.run(_bounded(list[Awaitable[None]](sends)))
    assert len(started) == MAX_IN_FLIGHT, "nothing past the first round was started after the failure"
    # Cancelled or never started, each is closed (an unstarted one left open warns "never awaited").
    assert {inspect.getcoroutinestate(send) for send in sends} == {inspect.CORO_CLOSED}
