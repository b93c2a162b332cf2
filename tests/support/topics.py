"""Reading what the hub wrote, straight from the broker (kafka-python, no consumer group)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas.codec import decode_any


@dataclass(frozen=True)
class Message:
    topic: str
    key: bytes | None
    raw: bytes
    value: dict[str, Any]
    timestamp: int = 0
    """The record's timestamp (ms since the epoch): when its producer sent it (CreateTime)."""


def raw_records(bootstrap: str, topic: str) -> Iterator[tuple[bytes | None, bytes | None]]:
    """(key, value) of every record on the topic now, tombstones (value None) included, in each partition's order
    (up to the end offsets at the time of the call)."""
    for key, value, _ in timed_records(bootstrap, topic):
        yield key, value


def timed_records(bootstrap: str, topic: str) -> Iterator[tuple[bytes | None, bytes | None, int]]:
    """:func:`raw_records` with each record's timestamp."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    if record.offset < end[TopicPartition(record.topic, record.partition)]:
                        yield record.key, record.value, record.timestamp
    finally:
        consumer.close()


def read_topic(bootstrap: str, topic: str) -> list[Message]:
    """Everything on the topic now (up to the end offsets at the time of the call), tombstones left out."""
    return [
        Message(topic, key, value, decode_any(value)[1], timestamp)
        for key, value, timestamp in timed_records(bootstrap, topic)
        if value is not None
    ]


def wait_for(
    bootstrap: str,
    topic: str,
    match: Callable[[Message], bool],
    count: int,
    timeout: float = 60.0,
    distinct: Callable[[Message], object] | None = None,
) -> list[Message]:
    """Poll the topic until ``count`` matching messages (or ``count`` distinct ones, when ``distinct`` says
    what makes two the same) are there, or the timeout passes; return every match."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in read_topic(bootstrap, topic) if match(m)]
        seen = len({distinct(m) for m in found}) if distinct else len(found)
        if seen >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def wait_for_referrals(bootstrap: str, topic: str, referral_ids: set[str], timeout: float = 120.0) -> list[Message]:
    """Poll the topic until a record of every one of these referrals is there, or the timeout passes; return
    every record of theirs (repeats included)."""
    return wait_for(
        bootstrap,
        topic,
        lambda m: m.value.get("referral_id") in referral_ids,
        len(referral_ids),
        timeout=timeout,
        distinct=lambda m: m.value["referral_id"],
    )


def end_offsets_total(bootstrap: str, topic: str) -> int:
    """How many records the topic has ever had (cheap: no records are read)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        return sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()


def produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> float:
    """Write every (key, value) record (acks=all) and wait for the broker; return the seconds it took."""
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all", linger_ms=5, batch_size=256 * 1024)
    try:
        began = time.monotonic()
        futures = [producer.send(topic, key=key, value=value) for key, value in records]
        producer.flush(timeout=120)
        for future in futures:
            future.get(timeout=0)  # raises the broker's error, if a record was refused
        return time.monotonic() - began
    finally:
        producer.close()
