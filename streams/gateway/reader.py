"""Reading topics on request (partner pulls, replay): one long-lived consumer without a group, one read at a time.

Starting and stopping an aiokafka consumer per request is slow, and aiokafka 0.14 raises ``CancelledError``
from ``stop()`` when it comes soon after ``start()`` (its offset-reset task is cancelled under it), which
aiohttp answers by dropping the connection. So the consumer is made once and reads are serialised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

Decode = Callable[[bytes], Any]
"""A record's bytes → its value: one schema's codec (``AvroCodec.decode``), or ``decode_any`` for a topic that
carries two record types."""
Keep = Callable[[Any], bool]


class TopicReader:
    def __init__(self, bootstrap_servers: list[str], client_options: Mapping[str, Any] | None = None) -> None:
        self._bootstrap = bootstrap_servers
        self._client_options = dict(client_options or {})  # security (streams/kafka_client.py)
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=None,
                enable_auto_commit=False,
                client_id="refhub-reader",
                **self._client_options,
            )
            await consumer.start()
            self._consumer = consumer
        return self._consumer

    async def read(
        self, topic: str, decode: Decode, start: dict[int, int], limit: int | None, keep: Keep
    ) -> tuple[list[Any], dict[int, int]]:
        """Records from ``start`` (partition → offset; missing: the beginning) to the end offsets seen now,
        at most ``limit`` kept ones; returns them and the next position of every partition."""
        async with self._lock:
            consumer = await self._ready()
            partitions = [TopicPartition(topic, p) for p in sorted(await self._partitions(consumer, topic))]
            consumer.assign(partitions)
            begin = await consumer.beginning_offsets(partitions)
            end = await consumer.end_offsets(partitions)
            positions = {tp.partition: max(start.get(tp.partition, 0), begin[tp]) for tp in partitions}
            for tp in partitions:
                consumer.seek(tp, positions[tp.partition])
            found: list[Any] = []
            while limit is None or len(found) < limit:
                pending = [tp for tp in partitions if positions[tp.partition] < end[tp]]
                if not pending:
                    break
                room = None if limit is None else limit - len(found)
                batches = await consumer.getmany(*pending, timeout_ms=1000, max_records=room)
                if not batches:
                    # Offsets without records (transaction markers, compaction) still move the position.
                    moved = {tp.partition: await consumer.position(tp) for tp in pending}
                    if all(moved[tp.partition] <= positions[tp.partition] for tp in pending):
                        break
                    positions.update(moved)
                for tp, messages in batches.items():
                    for message in messages:
                        if message.offset >= end[tp]:
                            break
                        positions[tp.partition] = message.offset + 1
                        if message.value is not None:
                            value = decode(message.value)
                            if keep(value):
                                found.append(value)
            return found, positions

    @staticmethod
    async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
        # Not consumer.partitions_for_topic: after an assign() the client only follows the assigned topics.
        metadata = await consumer._client.fetch_all_metadata()
        return set(metadata.partitions_for_topic(topic) or ())
