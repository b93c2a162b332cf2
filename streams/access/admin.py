"""Reading and writing ``partners.credentials`` from the operators' tools (kafka-python: CLI and admin code
only — the running hub follows the topic with aiokafka, see ``follower``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas.codec import codec_for
from streams.access.credentials import Credential
from streams.access.store import CredentialStore
from streams.topology import AUDIT_EVENTS, PARTNER_CREDENTIALS

READ_TIMEOUT_SECONDS = 30.0
METADATA_WAIT_SECONDS = 10.0


class TopicMissing(RuntimeError):
    pass


def load_store(bootstrap_servers: list[str], client_options: Mapping[str, Any] | None = None) -> CredentialStore:
    """Every credential on the topic, read to its end offsets as of now."""
    codec = codec_for(PARTNER_CREDENTIALS.schema)
    store = CredentialStore()
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        client_id="refhub-credentials",
        **dict(client_options or {}),
    )
    try:
        found = _partitions(consumer)
        if not found:
            raise TopicMissing(f"topic {PARTNER_CREDENTIALS.name} does not exist: run `refhub topics --create`")
        partitions = [TopicPartition(PARTNER_CREDENTIALS.name, p) for p in sorted(found)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        deadline = time.monotonic() + READ_TIMEOUT_SECONDS
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {PARTNER_CREDENTIALS.name} to its end")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    key = record.key.decode()
                    if record.value is None:
                        store.remove(key)
                    else:
                        store.put(Credential.from_record(codec.decode(record.value)))
        return store
    finally:
        consumer.close()


def _partitions(consumer: KafkaConsumer) -> set[int]:
    """A topic just created (``refhub run`` creates it a moment before) may take a moment to show in metadata."""
    deadline = time.monotonic() + METADATA_WAIT_SECONDS
    while True:
        found = consumer.partitions_for_topic(PARTNER_CREDENTIALS.name)
        if found or time.monotonic() > deadline:
            return set(found or ())
        time.sleep(0.2)


def publish(
    bootstrap_servers: list[str],
    credentials: Iterable[Credential],
    audit_events: Iterable[dict[str, Any]],
    client_options: Mapping[str, Any] | None = None,
) -> None:
    """Write the credentials' new records and their audit events; return once the broker acknowledged all."""
    credential_codec = codec_for(PARTNER_CREDENTIALS.schema)
    audit_codec = codec_for(AUDIT_EVENTS.schema)
    producer = KafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", client_id="refhub-credentials", **dict(client_options or {})
    )
    try:
        futures = [
            producer.send(
                PARTNER_CREDENTIALS.name,
                key=credential.credential_id.encode(),
                value=credential_codec.encode(credential.as_record()),
            )
            for credential in credentials
        ]
        futures += [
            producer.send(AUDIT_EVENTS.name, key=event["event_id"].encode(), value=audit_codec.encode(event))
            for event in audit_events
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()
