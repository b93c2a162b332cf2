"""streams/due.py: a worker indexes only the keys on the partitions it owns, as Kafka's partitioner places them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from aiokafka.partitioner import DefaultPartitioner

from streams.due import RECHECK_AFTER, OwnedDueIndex, owned_partitions, partition_of

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


class TP(NamedTuple):
    topic: str
    partition: int


def test_partition_of_matches_the_producers_default_partitioner() -> None:
    partitioner = DefaultPartitioner()
    for n in range(200):
        key = f"R-{n:020d}"
        assert partition_of(key, 3) == partitioner(key.encode(), [0, 1, 2], [0, 1, 2])


def test_owned_partitions_are_those_of_the_named_topic() -> None:
    assigned = {TP("referrals.events", 0), TP("referrals.events", 2), TP("journeys.steps", 1)}
    assert owned_partitions(assigned, "referrals.events") == frozenset({0, 2})
    assert owned_partitions(assigned, "journeys.steps") == frozenset({1})


def _due_at(value: Any) -> datetime | None:
    return T0 + timedelta(minutes=value) if value is not None else None


def test_rebuild_indexes_only_owned_keys_and_pops_what_falls_due() -> None:
    keys = [f"R-{n:020d}" for n in range(60)]
    index = OwnedDueIndex("referrals.events", 3, _due_at)
    owned = frozenset({partition_of(keys[0], 3)})
    waiting = index.rebuild(owned, [(key, minute) for minute, key in enumerate(keys)])
    mine = [key for key in keys if partition_of(key, 3) in owned]
    assert waiting == len(mine) and 0 < len(mine) < len(keys)
    assert index.due(T0 + timedelta(minutes=len(keys))) == mine


def test_a_write_reschedules_its_key_and_none_forgets_it() -> None:
    index = OwnedDueIndex("journeys.steps", 3, _due_at)
    index.rebuild(frozenset({0, 1, 2}), [])
    index.schedule("S-a", 10)
    index.schedule("S-a", 30)  # the journey moved on: only the new instant counts
    index.schedule("S-b", 5)
    index.schedule("S-b", None)
    assert index.due(T0 + timedelta(minutes=20)) == []
    assert index.due(T0 + timedelta(minutes=30)) == ["S-a"]
    assert len(index) == 0


def test_a_changed_assignment_asks_for_a_rebuild() -> None:
    index = OwnedDueIndex("referrals.events", 3, _due_at)
    assert index.needs_rebuild(frozenset())
    index.rebuild(frozenset({1}), [])
    assert not index.needs_rebuild(frozenset({1}))
    assert index.needs_rebuild(frozenset({1, 2}))
    assert index.needs_rebuild(frozenset({1}), generation=5), "revoked and given back between two ticks"


def test_a_check_that_changed_nothing_is_neither_forgotten_nor_repeated_every_tick() -> None:
    index = OwnedDueIndex("referrals.events", 3, _due_at)
    index.rebuild(frozenset({0, 1, 2}), [])
    now = T0 + timedelta(minutes=10)
    index.schedule_after_check("R-past", 5, now)  # the clock still says "5 minutes after T0"
    index.schedule_after_check("R-later", 30, now)
    index.schedule_after_check("R-done", None, now)
    assert index.due(now + timedelta(seconds=30)) == []
    assert index.due(now + RECHECK_AFTER) == ["R-past"]
    assert index.due(T0 + timedelta(minutes=30)) == ["R-later"]
    assert len(index) == 0


def test_a_stepwise_rebuild_yields_to_the_loop_and_keeps_the_writes_made_meanwhile() -> None:
    index = OwnedDueIndex("referrals.events", 3, _due_at)
    everything = frozenset({0, 1, 2})
    rows = [(f"R-{n:04d}", n) for n in range(50)]
    turns: list[int] = []

    async def writer() -> None:
        while len(turns) < 3:
            turns.append(len(turns))
            if len(turns) == 2:  # mid-rebuild: one key re-opened, one dropped, one new
                index.schedule("R-0001", 500)
                index.schedule("R-0002", None)
                index.schedule("R-9999", 7)
            await asyncio.sleep(0)

    async def both() -> int:
        task = asyncio.create_task(writer())
        waiting = await index.rebuild_stepwise(everything, rows, step=10)
        await task
        return waiting

    assert asyncio.run(both()) == 50
    assert len(turns) == 3, "the rebuild gave the loop a turn between steps"
    due = index.due(T0 + timedelta(minutes=100))
    assert "R-0001" not in due and "R-0002" not in due and "R-9999" in due
    assert index.due(T0 + timedelta(minutes=500)) == ["R-0001"]


def test_postpone_looks_at_a_key_again_later_whatever_its_value_says() -> None:
    index = OwnedDueIndex("referrals.events", 3, _due_at)
    index.rebuild(frozenset({0, 1, 2}), [("R-a", 0)])
    index.postpone("R-a", T0 + timedelta(days=1))
    assert index.due(T0 + timedelta(hours=23)) == []
    assert index.due(T0 + timedelta(days=1)) == ["R-a"]
