"""Which of this worker's keys fall due, for the partitions this worker owns.

A table's keys live on the partition their source records were keyed to (the producer's murmur2
partitioner), and only the worker that owns that partition may write them. Each worker therefore indexes
the keys of its own partitions only, rebuilds the index from its table when the assignment changes, and
never looks at another worker's clocks (a timer runs on every worker; ``on_leader`` would see only the
leader's partitions).
"""

from __future__ import annotations

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
            if value is not None and partition_of(key, self.partitions) in owned:
                self._index.schedule(key, self._next_instant(value))
        return len(self._index)

    def schedule(self, key: str, value: Any) -> None:
        """Called after every write of ``key``: its next instant replaces the old one."""
        self._index.schedule(key, self._next_instant(value) if value is not None else None)

    def schedule_after_check(self, key: str, value: Any, now: datetime) -> None:
        """After the owner looked at ``key``: its next instant, but never one already past — a check that
        changed nothing must not be nudged again every tick, nor forgotten until the next rebuild."""
        at = self._next_instant(value) if value is not None else None
        self._index.schedule(key, None if at is None else max(at, now + RECHECK_AFTER))

    def due(self, now: datetime) -> list[str]:
        return self._index.due(now)

    def __len__(self) -> int:
        return len(self._index)


def owned_partitions(assigned: Iterable[Any], topic: str) -> frozenset[int]:
    """The partitions of ``topic`` among a worker's active assignment (Faust TopicPartition tuples)."""
    return frozenset(tp.partition for tp in assigned if tp.topic == topic)
