"""Creating the declared topics on a broker (admin code: kafka-python is fine here, outside agents)."""

from __future__ import annotations

import contextlib

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from streams.kafka_client import kafka_python_options
from streams.settings import Settings
from streams.topology import ALL_TOPICS, CHANGELOGS, SUBJECT_KEYS, SUBJECT_LOOKUP, TopicSpec


def create_topics(settings: Settings, specs: tuple[TopicSpec, ...] = ALL_TOPICS + CHANGELOGS) -> list[str]:
    """Create missing topics; return the names created. Existing topics are left as they are."""
    admin = KafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, client_id="refhub-provisioning", **kafka_python_options(settings)
    )
    try:
        existing = set(admin.list_topics())
        missing = [spec for spec in specs if spec.name not in existing]
        if not missing:
            return []
        new = [
            NewTopic(
                name=spec.name,
                num_partitions=settings.partitions,
                replication_factor=settings.replication_factor,
                topic_configs=topic_config(spec, settings),
            )
            for spec in missing
        ]
        # Another process may create them between list and create.
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics(new, validate_only=False)
        return [spec.name for spec in missing]
    finally:
        admin.close()


def topic_config(spec: TopicSpec, settings: Settings) -> dict[str, str]:
    """The topic's configuration on a cluster with these settings (also what deploy/k8s' KafkaTopic resources say)."""
    config = spec.kafka_config(settings.min_insync_replicas)
    if spec in (SUBJECT_KEYS, SUBJECT_LOOKUP):
        config["segment.ms"] = config["max.compaction.lag.ms"] = str(settings.key_topics_segment_ms)
    return config
