"""Throw-away topics for a benchmark: created with the hub's own partitions and topic config, deleted after."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator

from kafka.admin import KafkaAdminClient, NewTopic

from streams.settings import Settings
from streams.topology import TopicSpec


@contextlib.contextmanager
def fresh_topics(bootstrap: str, like: dict[str, TopicSpec], settings: Settings) -> Iterator[dict[str, str]]:
    """Create one new topic per entry of ``like`` (role → the hub topic whose config it copies); yield
    role → topic name; delete the topics (and nothing else) on the way out."""
    run = uuid.uuid4().hex[:8]
    names = {role: f"bench.{role}.{run}" for role in like}
    admin = KafkaAdminClient(bootstrap_servers=[bootstrap], client_id="refhub-bench")
    try:
        admin.create_topics(
            [
                NewTopic(
                    name=names[role],
                    num_partitions=settings.partitions,
                    replication_factor=settings.replication_factor,
                    topic_configs=spec.kafka_config(settings.min_insync_replicas),
                )
                for role, spec in like.items()
            ]
        )
        _wait_for_metadata(admin, set(names.values()))
        yield names
    finally:
        with contextlib.suppress(Exception):
            admin.delete_topics(list(names.values()))
        admin.close()


def delete_group(bootstrap: str, group_id: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=[bootstrap], client_id="refhub-bench")
    try:
        with contextlib.suppress(Exception):
            admin.delete_consumer_groups([group_id])
    finally:
        admin.close()


def _wait_for_metadata(admin: KafkaAdminClient, names: set[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not names <= set(admin.list_topics()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"topics not visible after {timeout} s: {sorted(names)}")
        time.sleep(0.1)
