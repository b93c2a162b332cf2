"""The hub on a real three-node cluster: every topic replicated 3 times with min.insync.replicas=2, and referrals still
routed while one broker is ``kill -9``ed (the hub writes with acks=all: two in-sync replicas of three are enough),
and again once it is back and has caught up."""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from streams.acls import LEADER_TOPIC
from streams.topology import ALL_TOPICS, CHANGELOGS
from tests.support import police
from tests.support.processes import Cluster, HubProcess
from tests.support.topics import wait_for_referrals
from tests.support.workers import Workers

pytestmark = pytest.mark.broker

HUB_TOPICS = sorted({spec.name for spec in ALL_TOPICS + CHANGELOGS} | {LEADER_TOPIC})
"""What the hub provisions and Faust declares: the topology's topics, the tables' changelogs, the leader topic."""
OFFSETS_TOPIC = "__consumer_offsets"
"""Where the hub's consumer group commits: made by the brokers (offsets.topic.replication.factor=3)."""
RECORDS = 12
"""Enough referral ids that, hashed over 3 partitions, every partition leader (so every node) takes writes."""


@pytest.fixture(scope="module")
def cluster_hub(workers: Workers) -> Workers:
    """The session's workers on the cluster (one hub per cluster: another would have other secrets)."""
    return workers


def partitions(cluster: Cluster, topics: list[str]) -> dict[str, list[dict[str, Any]]]:
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap.split(","), client_id="refhub-test-cluster")
    try:
        return {topic["name"]: topic["partitions"] for topic in admin.describe_topics(topics)}
    finally:
        admin.close()


def topic_configs(cluster: Cluster, topics: list[str]) -> dict[str, dict[str, str]]:
    """Each topic's configuration in force: its own settings, else the brokers' (Faust makes its leader topic
    without a min.insync.replicas of its own; the cluster's default, 2, applies)."""
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap.split(","), client_id="refhub-test-cluster")
    try:
        found = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic) for topic in topics], config_filter="all"
        )
    finally:
        admin.close()
    return {name: {key: entry["value"] for key, entry in configs.items()} for name, configs in found["topic"].items()}


def wait_until_every_replica_is_in_sync(cluster: Cluster, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        lagging = [
            f"{topic}-{p['partition_index']}"
            for topic, found in partitions(cluster, [*HUB_TOPICS, OFFSETS_TOPIC]).items()
            for p in found
            if len(p["isr_nodes"]) < Cluster.REPLICATION_FACTOR
        ]
        if not lagging:
            return
        assert time.monotonic() < deadline, f"not back in sync after {timeout} s: {lagging[:10]}"
        time.sleep(1)


def submit_and_wait_routed(hub: HubProcess, seed: int) -> None:
    rng = random.Random(seed)
    refs = police.fresh_refs(RECORDS)
    body = police.to_csv([police.child_protection_row(ref, police.person(rng)) for ref in refs])
    status, receipt = hub.post("/v1/submissions", body, "text/csv; charset=cp950", hub.token("POLICE"))
    assert status == 202, receipt
    assert len(receipt["accepted"]) == RECORDS and receipt["rejected"] == []
    referral_ids = {row["referral_id"] for row in receipt["accepted"]}
    for agency in ("SOCIAL", "BUREAU"):
        found = wait_for_referrals(hub.broker.bootstrap, f"assignments.{agency}", referral_ids)
        missing = referral_ids - {m.value["referral_id"] for m in found}
        assert not missing, f"{agency}: {len(missing)} of {RECORDS} referrals never routed"


def test_every_topic_is_replicated_three_times_with_min_isr_two(cluster: Cluster, cluster_hub: HubProcess) -> None:
    described = partitions(cluster, [*HUB_TOPICS, OFFSETS_TOPIC])
    assert set(described) == {*HUB_TOPICS, OFFSETS_TOPIC}
    for topic, found in described.items():
        assert found, f"{topic}: no partitions"
        for partition in found:
            assert sorted(partition["replica_nodes"]) == [1, 2, 3], f"{topic}-{partition['partition_index']}"
    configs = topic_configs(cluster, HUB_TOPICS)
    min_isr = {topic: config.get("min.insync.replicas") for topic, config in configs.items()}
    assert min_isr == dict.fromkeys(HUB_TOPICS, "2")


def test_referrals_are_routed_with_a_broker_killed_and_after_it_is_back(
    cluster: Cluster, cluster_hub: HubProcess
) -> None:
    submit_and_wait_routed(cluster_hub, seed=31)  # the hub is at work on all three nodes

    # The node leading most of the hub's partitions: its crash moves the most leaders at once.
    leaders = Counter(p["leader_id"] for found in partitions(cluster, HUB_TOPICS).values() for p in found)
    victim = leaders.most_common(1)[0][0]
    cluster.kill(victim)
    try:
        submit_and_wait_routed(cluster_hub, seed=32)
        # Routed on two in-sync replicas: the dead node is out of every ISR, and every partition has a live leader.
        for topic, found in partitions(cluster, HUB_TOPICS).items():
            for partition in found:
                where = f"{topic}-{partition['partition_index']}: {partition}"
                assert victim not in partition["isr_nodes"], where
                assert partition["leader_id"] not in (victim, -1), where
    finally:
        restarted_in = cluster.restart(victim)
    wait_until_every_replica_is_in_sync(cluster)
    print(f"\ncluster: started in {cluster.started_in:.1f} s; node {victim} restarted in {restarted_in:.1f} s")
    submit_and_wait_routed(cluster_hub, seed=33)
