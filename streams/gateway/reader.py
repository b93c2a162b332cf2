"""Reading topics on request (partner pulls, replay): one long-lived consumer without a group, one read at a time.

Starting and stopping an aiokafka consumer per request is slow, and aiokafka 0.14 raises ``CancelledError``
from ``stop()`` when it comes soon after ``start()`` (its offset-reset task is cancelled under it), which
aiohttp answers by dropping the connection. So the consumer is made once and reads are serialised.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

Decode = Callable[[bytes], Any]
"""A record's bytes → its value: one schema's codec (``AvroCodec.decode``), or ``decode_any`` for a topic that
carries two record types."""
Keep = Callable[[Any], bool]

FETCH_MAX_WAIT_MS = 50

STALL_SECONDS = 10.0
"""How long a read may see no progress on records the end offsets promise before it is given up."""


def groupless_consumer(bootstrap: list[str], client_id: str, options: Mapping[str, Any]) -> AIOKafkaConsumer:
    """A consumer that reads on request: no group, nothing committed (the hub's own consumers are undisturbed)."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        client_id=client_id,
        # A read asks only for what the end offsets promise: no fetch should wait at the broker for more.
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        **options,
    )


class ReaderUnavailable(RuntimeError):
    """A read failed; the gateway answers 503 and the next read starts on a fresh consumer."""


class TopicReader:
    def __init__(self, bootstrap_servers: list[str], client_options: Mapping[str, Any] | None = None) -> None:
        self._bootstrap = bootstrap_servers
        self._client_options = dict(client_options or {})  # security (streams/kafka_client.py)
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def _ready(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = groupless_consumer(self._bootstrap, "refhub-reader", self._client_options)
            await consumer.start()
            self._consumer = consumer
        return self._consumer

    async def read(
        self, topic: str, decode: Decode, start: Mapping[int, int], limit: int | None, keep: Keep
    ) -> tuple[list[Any], dict[int, int]]:
        """Records from ``start`` (partition → offset; missing: the beginning) to the end offsets seen now,
        at most ``limit`` kept ones; returns them and the next position of every partition.

        Raises :class:`ReaderUnavailable` instead of answering short: a reader that silently returned empty
        pages once made every partner's outbox look empty while the hub looked healthy. After any failure the
        consumer is rebuilt for the next read, so one bad read cannot blind the gateway."""
        async with self._lock:
            try:
                found = await self._read(topic, decode, start, limit, keep)
            except Exception as failure:
                await self._discard()
                raise ReaderUnavailable(f"{topic}: {type(failure).__name__}") from failure
            self._idle()
            return found

    def _idle(self) -> None:
        """Between reads the consumer fetches nothing. Left assigned, it kept a fetch waiting at the broker
        (500 ms, aiokafka's default), and the broker answers one request per connection at a time: the next
        read's metadata and offset requests queued behind it, so every pull took a second or more and, reads
        being one at a time, one partner pulling in a loop held up every other partner's pulls."""
        if self._consumer is not None:
            self._consumer.pause(*self._consumer.assignment())

    async def _read(
        self, topic: str, decode: Decode, start: Mapping[int, int], limit: int | None, keep: Keep
    ) -> tuple[list[Any], dict[int, int]]:
        consumer = await self._ready()
        partitions = [TopicPartition(topic, p) for p in sorted(await self._partitions(consumer, topic))]
        consumer.assign(partitions)
        consumer.resume(*partitions)
        begin = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        # Within what the topic holds: before its beginning (retention) is the beginning, past its end the end.
        positions = {tp.partition: min(max(start.get(tp.partition, 0), begin[tp]), end[tp]) for tp in partitions}
        for tp in partitions:
            consumer.seek(tp, positions[tp.partition])
        found: list[Any] = []
        stalled_since: float | None = None
        loop = asyncio.get_running_loop()
        while limit is None or len(found) < limit:
            # One partition at a time, in order: a page is then the same whatever order the fetches come back in
            # (the same pull twice, or `refhub pull` beside HTTP, gives the same bytes).
            pending = [tp for tp in partitions if positions[tp.partition] < end[tp]][:1]
            if not pending:
                break
            room = None if limit is None else limit - len(found)
            batches = await consumer.getmany(*pending, timeout_ms=1000, max_records=room)
            if not batches:
                # Offsets without records (transaction markers, compaction) still move the position.
                moved = {tp.partition: await consumer.position(tp) for tp in pending}
                if all(moved[tp.partition] <= positions[tp.partition] for tp in pending):
                    stalled_since = stalled_since or loop.time()
                    if loop.time() - stalled_since > STALL_SECONDS:
                        raise TimeoutError(f"no record of {topic} arrived for {STALL_SECONDS} s")
                    continue
                positions.update(moved)
            stalled_since = None
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

    async def _discard(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()

    @staticmethod
    async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
        # Not consumer.partitions_for_topic: after an assign() the client only follows the assigned topics.
        metadata = await consumer._client.fetch_all_metadata()
        return set(metadata.partitions_for_topic(topic) or ())
