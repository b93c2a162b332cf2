"""deploy/k8s/: the checked-in manifests are the generator's output (they cannot drift from streams/topology.py),
they say what the hub needs, and kubeconform finds them valid against the Kubernetes and Strimzi schemas."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.k8s import generate
from streams.acls import plan
from streams.topology import ALL_TOPICS, CHANGELOGS, SUBJECT_KEYS
from tests.support.processes import REPO

K8S = REPO / "deploy" / "k8s"
VALIDATE = K8S / "validate.sh"


def load(name: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((K8S / name).read_text()) if doc]


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def test_the_checked_in_manifests_are_the_generators_output() -> None:
    wanted = generate.manifests()
    assert sorted(wanted) == sorted(path.name for path in K8S.glob("*.yaml"))
    stale = [name for name, text in wanted.items() if (K8S / name).read_text() != text]
    assert not stale, f"{stale} differ from the generator: run python -m deploy.k8s.generate"


def test_every_topic_and_changelog_is_a_kafka_topic_replicated_three_times_with_min_isr_two() -> None:
    topics = {doc["spec"]["topicName"]: doc for doc in load("topics.yaml")}
    assert set(topics) == {spec.name for spec in ALL_TOPICS + CHANGELOGS}
    for spec in ALL_TOPICS + CHANGELOGS:
        topic = topics[spec.name]["spec"]
        assert (topic["partitions"], topic["replicas"]) == (generate.SETTINGS.partitions, 3)
        assert topic["config"]["min.insync.replicas"] == "2"
        assert topic["config"]["cleanup.policy"] == ("compact" if spec.compacted else "delete")
    assert topics[SUBJECT_KEYS.name]["spec"]["config"]["segment.ms"] == str(60 * 60 * 1000)


def test_every_grant_of_the_acl_plan_is_a_kafka_user() -> None:
    users = load("users.yaml")
    assert [doc["metadata"]["name"] for doc in users] == [grant.user for grant in plan()]
    assert {doc["metadata"]["labels"]["strimzi.io/cluster"] for doc in users} == {generate.KAFKA_CLUSTER}


def test_the_cluster_is_three_kraft_nodes_on_the_local_brokers_kafka_version() -> None:
    docs = load("kafka.yaml")
    (pool,) = by_kind(docs, "KafkaNodePool")
    (kafka,) = by_kind(docs, "Kafka")
    assert pool["spec"]["replicas"] == 3 and sorted(pool["spec"]["roles"]) == ["broker", "controller"]
    assert kafka["spec"]["kafka"]["version"] == generate.kafka_version() == "4.1.1"
    config = kafka["spec"]["kafka"]["config"]
    assert (config["min.insync.replicas"], config["offsets.topic.replication.factor"]) == (2, 3)
    listeners = kafka["spec"]["kafka"]["listeners"]
    assert all(listener["authentication"]["type"] == "scram-sha-512" for listener in listeners)


def test_the_workers_are_a_stateful_set_each_with_its_volume_its_name_and_probes() -> None:
    docs = load("hub.yaml")
    (workers,) = by_kind(docs, "StatefulSet")
    spec = workers["spec"]
    assert spec["replicas"] == 3
    (container,) = spec["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    (claim,) = spec["volumeClaimTemplates"]
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == env["REFHUB_DATA_DIR"]["value"]
    # Each pod advertises its own stable name under the headless Service the StatefulSet is governed by.
    headless = next(doc for doc in by_kind(docs, "Service") if doc["spec"].get("clusterIP") == "None")
    assert spec["serviceName"] == headless["metadata"]["name"]
    assert env["REFHUB_CANONICAL_URL"]["value"] == f"http://$(POD_NAME).{spec['serviceName']}:8080"
    assert env["POD_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["REFHUB_WEB_HOST"]["value"] == "0.0.0.0"
    assert (env["REFHUB_REPLICATION_FACTOR"]["value"], env["REFHUB_MIN_INSYNC_REPLICAS"]["value"]) == ("3", "2")
    assert env["REFHUB_PARTITIONS"]["value"] == str(generate.SETTINGS.partitions)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert set(container["resources"]) == {"requests", "limits"}
    # Secrets only from Secrets: no key, password or token is written in a manifest.
    assert "value" not in env["REFHUB_KAFKA_SASL_PASSWORD"]
    assert {"secretName": generate.SECRETS, "defaultMode": 0o400} in [
        volume.get("secret") for volume in spec["template"]["spec"]["volumes"]
    ]
    pod_security = spec["template"]["spec"]["securityContext"]
    assert pod_security["runAsNonRoot"] is True and pod_security["runAsUser"] != 0
    assert container["securityContext"]["allowPrivilegeEscalation"] is False


def validate(*manifests: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VALIDATE), *map(str, manifests)],
        env={**os.environ, "REFHUB_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_kubeconform_finds_every_manifest_valid() -> None:
    result = validate()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in result.stdout


@pytest.mark.parametrize(
    ("name", "good", "bad", "complaint"),
    [
        ("hub.yaml", "publishNotReadyAddresses:", "publishNotReadyAdresses:", "publishNotReadyAdresses"),
        ("topics.yaml", "  topicName: inbound.raw", "  topicNam: inbound.raw", "topicNam"),
        ("kafka.yaml", "roles:", "role:", "role"),
    ],
)
def test_kubeconform_refuses_a_misspelt_field(tmp_path: Path, name: str, good: str, bad: str, complaint: str) -> None:
    broken = tmp_path / name
    text = (K8S / name).read_text()
    assert good in text
    broken.write_text(text.replace(good, bad, 1))
    result = validate(broken)
    assert result.returncode != 0 and complaint in result.stdout, result.stdout + result.stderr
