"""The key vault: subject lookup (HMAC → subject id) and wrapped data keys, kept on two compacted topics.

Every hub process reads both topics to the end before it serves, then keeps tailing them, so a subject
created by another process is found. New entries are written (and acknowledged by the broker) before
they are used: a sealed envelope never exists whose key is not durable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from processors.privacy import envelopes, pseudonyms
from schemas.codec import codec_for
from streams.secrets import HubSecrets
from streams.topology import SUBJECT_KEYS, SUBJECT_LOOKUP

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes, bytes], Awaitable[None]]
"""(topic, key, value) → awaits the broker's acknowledgement."""


@dataclass(frozen=True)
class SubjectKey:
    subject_id: str
    data_key: bytes
    created: bool


class KeyVault:
    def __init__(
        self,
        secrets: HubSecrets,
        bootstrap_servers: list[str],
        publish: Publish,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._secrets = secrets
        self._bootstrap = bootstrap_servers
        self._client_options = dict(client_options or {})  # security (streams/kafka_client.py)
        self._publish = publish
        self._links: dict[str, str] = {}
        self._keys: dict[str, bytes] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.ready = asyncio.Event()
        self._link_codec = codec_for(SUBJECT_LOOKUP.schema)
        self._key_codec = codec_for(SUBJECT_KEYS.schema)

    # -- reading -------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Load both topics to their end, mark ready, then follow them until cancelled."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            enable_auto_commit=False,
            group_id=None,
            auto_offset_reset="earliest",
            client_id="refhub-vault",
            **self._client_options,
        )
        await consumer.start()
        try:
            partitions = [
                TopicPartition(topic, p)
                for topic in (SUBJECT_LOOKUP.name, SUBJECT_KEYS.name)
                for p in (consumer.partitions_for_topic(topic) or await self._partitions(consumer, topic))
            ]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            end = await consumer.end_offsets(partitions)
            while not await _caught_up(consumer, end):
                self._apply(await consumer.getmany(timeout_ms=500))
            self.ready.set()
            log.info("key vault ready: %d subjects, %d keys", len(self._links), len(self._keys))
            while True:
                self._apply(await consumer.getmany(timeout_ms=1000))
        finally:
            await consumer.stop()

    @staticmethod
    async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
        for _ in range(100):
            await consumer._client.force_metadata_update()
            found = consumer.partitions_for_topic(topic)
            if found:
                return set(found)
            await asyncio.sleep(0.1)
        raise RuntimeError(f"topic {topic} does not exist: run `refhub topics --create`")

    def _apply(self, batches: dict[TopicPartition, list]) -> None:  # type: ignore[type-arg]
        for tp, messages in batches.items():
            for message in messages:
                key = message.key.decode()
                if tp.topic == SUBJECT_LOOKUP.name:
                    if message.value is None:
                        self._links.pop(key, None)
                    else:
                        self._links[key] = self._link_codec.decode(message.value)["subject_id"]
                elif message.value is None:
                    self._keys.pop(key, None)
                else:
                    record = self._key_codec.decode(message.value)
                    self._keys[key] = envelopes.unwrap_key(
                        self._secrets.master_key, key, record["nonce"], record["wrapped_key"]
                    )

    # -- using and creating keys ---------------------------------------------------------------------

    def data_key(self, key_id: str) -> bytes | None:
        return self._keys.get(key_id)

    def lookup(self, namespace: str, identifier: str) -> str | None:
        return self._links.get(pseudonyms.lookup_key(self._secrets.lookup_key, namespace, identifier))

    async def subject(self, namespace: str, identifier: str) -> SubjectKey:
        """The person's subject id and data key, created (durably) on first sight."""
        hashed = pseudonyms.lookup_key(self._secrets.lookup_key, namespace, identifier)
        async with self._locks.setdefault(hashed, asyncio.Lock()):
            subject_id = self._links.get(hashed)
            if subject_id is not None and subject_id in self._keys:
                return SubjectKey(subject_id, self._keys[subject_id], created=False)
            subject_id = pseudonyms.new_subject_id()
            data_key = await self._create_key(subject_id)
            link = self._link_codec.encode({"subject_id": subject_id, "created_at": _now()})
            await self._publish(SUBJECT_LOOKUP.name, hashed.encode(), link)
            self._links[hashed] = subject_id
            return SubjectKey(subject_id, data_key, created=True)

    async def quarantine_key(self, key_id: str) -> bytes:
        """A data key for records with no valid subject (dead letters of one submission)."""
        existing = self._keys.get(key_id)
        return existing if existing is not None else await self._create_key(key_id)

    async def _create_key(self, key_id: str) -> bytes:
        data_key = envelopes.new_data_key()
        nonce, wrapped = envelopes.wrap_key(self._secrets.master_key, key_id, data_key)
        value = self._key_codec.encode({"key_id": key_id, "nonce": nonce, "wrapped_key": wrapped, "created_at": _now()})
        await self._publish(SUBJECT_KEYS.name, key_id.encode(), value)
        self._keys[key_id] = data_key
        return data_key


async def _caught_up(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    for tp, offset in end.items():
        if await consumer.position(tp) < offset:
            return False
    return True


def _now() -> datetime:
    return datetime.fromtimestamp(time.time(), UTC)
