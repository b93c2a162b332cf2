"""Which of this worker's keys fall due, for the partitions this worker owns.

A table's keys live on the partition their source records were keyed to (the producer's murmur2
partitioner), and only the worker that owns that partition may write them. Each worker therefore indexes
the keys of its own partitions only, rebuilds the index from its table when the assignment changes, and
never looks at another worker's clocks (a timer runs on every worker; ``on_leader`` would see only the
leader's partitions).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from aiokafka.partitioner import murmur2

from processors.sla.clocks import DueIndex

NextInstant = Callable[[Any], datetime | None]

RECHECK_AFTER = timedelta(minutes=1)
"""How long a key whose instant is already past waits before it is looked at again."""


def partition_of(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner gives ``key`` (same hash as the Java client and aiokafka)."""
    hashed: int = murmur2(key.encode())
    return (hashed & 0x7FFFFFFF) % partitions


class OwnedDueIndex:
    """A due index over the keys of one table that sit on the partitions this worker owns."""

    def __init__(self, topic: str, partitions: int, next_instant: NextInstant) -> None:
        self.topic = topic
        self.partitions = partitions
        self._next_instant = next_instant
        self._index = DueIndex()
        self._owned: frozenset[int] | None = None
        self._generation: int | None = None
        self._written_meanwhile: dict[str, Any] | None = None
        """While a stepwise rebuild runs: the keys written since it began (their value now), applied after it."""

    @property
    def owned(self) -> frozenset[int]:
        return self._owned or frozenset()

    def needs_rebuild(self, owned: frozenset[int], generation: int = 0) -> bool:
        return owned != self._owned or generation != self._generation

    def rebuild(self, owned: frozenset[int], items: Iterable[tuple[str, Any]], generation: int = 0) -> int:
        """Index every owned key of the table afresh; returns how many keys have an instant to wait for."""
        self._index = DueIndex()
        self._owned = owned
        self._generation = generation
        for key, value in items:
            self._take(self._index, owned, key, value)
        return len(self._index)

    def _take(self, index: DueIndex, owned: frozenset[int], key: str, value: Any) -> None:
        if value is not None and partition_of(key, self.partitions) in owned:
            index.schedule(key, self._next_instant(value))

    async def rebuild_stepwise(
        self, owned: frozenset[int], items: Iterable[tuple[str, Any]], generation: int = 0, step: int = 500
    ) -> int:
        """:meth:`rebuild`, yielding to the event loop every ``step`` keys: on RocksDB every value is decoded
        as it is read, and a table of a million rows would otherwise hold the loop (and the consumer's
        heartbeats) for longer than the broker's session timeout. Writes made meanwhile are kept."""
        fresh = DueIndex()
        self._written_meanwhile = {}
        try:
            for count, (key, value) in enumerate(items, start=1):
                self._take(fresh, owned, key, value)
                if count % step == 0:
                    await asyncio.sleep(0)
            for key, value in self._written_meanwhile.items():
                fresh.schedule(key, self._next_instant(value) if value is not None else None)
        finally:
            self._written_meanwhile = None
        self._index, self._owned, self._generation = fresh, owned, generation
        return len(fresh)

    def schedule(self, key: str, value: Any) -> None:
        """Called after every write of ``key``: its next instant replaces the old one."""
        if self._written_meanwhile is not None:
            self._written_meanwhile[key] = value
        self._index.schedule(key, self._next_instant(value) if value is not None else None)

    def schedule_after_check(self, key: str, value: Any, now: datetime) -> None:
        """After the owner looked at ``key``: its next instant, but never one already past — a check that
        changed nothing must not be nudged again every tick, nor forgotten until the next rebuild."""
        at = self._next_instant(value) if value is not None else None
        self._index.schedule(key, None if at is None else max(at, now + RECHECK_AFTER))

    def postpone(self, key: str, at: datetime) -> None:
        """Look at ``key`` again at ``at``, whatever its value says (it is due, but something else holds it)."""
        if self._written_meanwhile is not None:
            self._written_meanwhile.pop(key, None)
        self._index.schedule(key, at)

    def due(self, now: datetime) -> list[str]:
        return self._index.due(now)

    def __len__(self) -> int:
        return len(self._index)


def owned_partitions(assigned: Iterable[Any], topic: str) -> frozenset[int]:
    """The partitions of ``topic`` among a worker's active assignment (Faust TopicPartition tuples)."""
    return frozenset(tp.partition for tp in assigned if tp.topic == topic)
