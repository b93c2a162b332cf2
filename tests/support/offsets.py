"""End offsets of every topic on the broker, to show that a refused request changed nothing."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from kafka import KafkaConsumer, TopicPartition

Offsets = dict[str, int]
"""topic → the sum of its partitions' end offsets (records ever written, transaction markers included)."""


def snapshot(bootstrap: str) -> Offsets:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in sorted(consumer.topics())
            if not topic.startswith("__")  # the broker's own (consumer offsets, transaction state)
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        totals: Offsets = {}
        for tp, end in consumer.end_offsets(partitions).items():
            totals[tp.topic] = totals.get(tp.topic, 0) + end
        return totals
    finally:
        consumer.close()


def changed(before: Offsets, after: Offsets, allowed: Iterable[str] = ()) -> dict[str, tuple[int, int]]:
    """The topics whose end offsets moved (or that appeared), except ``allowed`` ones: topic → (before, after)."""
    allow = set(allowed)
    return {
        topic: (before.get(topic, 0), after.get(topic, 0))
        for topic in sorted(set(before) | set(after))
        if topic not in allow and before.get(topic, 0) != after.get(topic, 0)
    }


def settled(bootstrap: str, quiet: float = 1.0, timeout: float = 30.0) -> Offsets:
    """The end offsets once no topic has moved for ``quiet`` seconds: what earlier requests set off (routing,
    journeys, table changelogs) has been written."""
    deadline = time.monotonic() + timeout
    last = snapshot(bootstrap)
    while True:
        time.sleep(quiet)
        now = snapshot(bootstrap)
        if now == last:
            return now
        assert time.monotonic() < deadline, f"the broker's topics kept moving for {timeout} s: {changed(last, now)}"
        last = now


@contextmanager
def unchanged(bootstrap: str, allowed: Iterable[str] = (), what: str = "the refused requests") -> Iterator[None]:
    """Asserts that no topic but ``allowed`` grew while the block ran (starting once the topics are quiet)."""
    before = settled(bootstrap)
    yield
    moved = changed(before, snapshot(bootstrap), allowed)
    assert not moved, f"{what} wrote to the broker: {moved}"
