"""Every hub process follows ``partners.credentials`` (aiokafka, like the key vault follows its topics):
read to the end before the gateway is ready, then tail it, so an issue, a rotation or a revocation by
``refhub credentials`` takes effect in every running hub within about a second — no restart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.codec import codec_for
from streams.access.credentials import Credential
from streams.access.store import CredentialStore
from streams.topology import PARTNER_CREDENTIALS

log = logging.getLogger(__name__)

POLL_MS = 500


class CredentialFollower:
    def __init__(
        self,
        store: CredentialStore,
        bootstrap_servers: list[str],
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.store = store
        self._bootstrap = bootstrap_servers
        self._client_options = dict(client_options or {})
        self._codec = codec_for(PARTNER_CREDENTIALS.schema)
        self.ready = asyncio.Event()

    async def run(self) -> None:
        """Load the topic to its end, mark ready, then follow it until cancelled."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            enable_auto_commit=False,
            group_id=None,
            auto_offset_reset="earliest",
            client_id="refhub-credentials",
            **self._client_options,
        )
        await consumer.start()
        try:
            partitions = [TopicPartition(PARTNER_CREDENTIALS.name, p) for p in sorted(await _partitions(consumer))]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            end = await consumer.end_offsets(partitions)
            while any([await consumer.position(tp) < offset for tp, offset in end.items()]):
                self._apply(await consumer.getmany(timeout_ms=POLL_MS))
            self.ready.set()
            log.info("credentials ready: %d on %s", len(self.store.all()), PARTNER_CREDENTIALS.name)
            while True:
                self._apply(await consumer.getmany(timeout_ms=POLL_MS))
        finally:
            await consumer.stop()

    def _apply(self, batches: dict[TopicPartition, list[Any]]) -> None:
        for messages in batches.values():
            for message in messages:
                key = message.key.decode() if message.key else ""
                if message.value is None:
                    self.store.remove(key)
                    continue
                try:
                    credential = Credential.from_record(self._codec.decode(message.value))
                except (ValueError, KeyError) as error:
                    # One bad record must not stop the others from taking effect; it authenticates nothing.
                    log.error("unreadable credential record %s at offset %d: %s", key, message.offset, error)
                    self.store.remove(key)
                    continue
                self.store.put(credential)


async def _partitions(consumer: AIOKafkaConsumer) -> set[int]:
    for _ in range(100):
        await consumer._client.force_metadata_update()
        found = consumer.partitions_for_topic(PARTNER_CREDENTIALS.name)
        if found:
            return set(found)
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {PARTNER_CREDENTIALS.name} does not exist: run `refhub topics --create`")
