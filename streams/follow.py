"""Following compacted topics in every hub process (aiokafka, no consumer group): read them to their end before
the process is ready, then tail them, so what another process wrote — a data key, a revoked credential — takes
effect here within about a second and no restart is needed.

:meth:`TopicFollower.sync` lets a decision that must not miss a recent write (an erasure order, a subject
created a moment ago by another process) wait until the tail has caught up with the end offsets as of the call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger(__name__)

Batches = dict[TopicPartition, list[Any]]


class TopicFollower:
    poll_ms = 200

    def __init__(
        self,
        topics: tuple[str, ...],
        bootstrap_servers: list[str],
        client_options: Mapping[str, Any] | None,
        client_id: str,
    ) -> None:
        self._topics = topics
        self._bootstrap = bootstrap_servers
        self._client_options = dict(client_options or {})  # security (streams/kafka_client.py)
        self._client_id = client_id
        self._waiting: list[asyncio.Future[None]] = []
        self.ready = asyncio.Event()

    def apply(self, batches: Batches) -> None:
        """Take what was read, in order (one partition's records in offset order)."""
        raise NotImplementedError

    def on_ready(self) -> None:
        """Called once the topics were read to their end the first time."""

    async def run(self) -> None:
        """Load the topics to their end, mark ready, then follow them until cancelled."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            enable_auto_commit=False,
            group_id=None,
            auto_offset_reset="earliest",
            client_id=self._client_id,
            **self._client_options,
        )
        await consumer.start()
        try:
            partitions = [
                TopicPartition(topic, p) for topic in self._topics for p in sorted(await _partitions(consumer, topic))
            ]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            await self._read_to_end(consumer, partitions)
            self.ready.set()
            self.on_ready()
            while True:
                if self._waiting:
                    waiting, self._waiting = self._waiting, []
                    await self._read_to_end(consumer, partitions)
                    for future in waiting:
                        if not future.done():
                            future.set_result(None)
                self.apply(await consumer.getmany(timeout_ms=self.poll_ms))
        finally:
            for future in self._waiting:
                if not future.done():
                    future.cancel()
            await consumer.stop()

    async def sync(self) -> None:
        """Return once this process has read the topics up to their end offsets as of now."""
        await self.ready.wait()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        await future

    async def _read_to_end(self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> None:
        end = await consumer.end_offsets(partitions)
        while any([await consumer.position(tp) < offset for tp, offset in end.items()]):
            self.apply(await consumer.getmany(timeout_ms=500))


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(100):
        await consumer._client.force_metadata_update()
        found = consumer.partitions_for_topic(topic)
        if found:
            return set(found)
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic} does not exist: run `refhub topics --create`")
