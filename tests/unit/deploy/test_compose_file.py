"""docker-compose.yml against the Compose Specification's schema (tests/schemas/compose-spec.json, the one Docker
Compose v2 validates with): there is no Docker engine here to run `docker compose config`."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import jsonschema
import pytest
import yaml

from tests.support.processes import REPO

SCHEMA = REPO / "tests" / "schemas" / "compose-spec.json"
COMPOSE = REPO / "docker-compose.yml"
NODES = ("kafka-1", "kafka-2", "kafka-3")
WORKERS = ("worker-1", "worker-2", "worker-3")


@cache
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)  # type: ignore[no-any-return]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())  # merge keys (<<) resolved, as Compose does
    return loaded


def errors(document: dict[str, Any]) -> list[str]:
    found = validator().iter_errors(document)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in found]


def test_the_compose_file_is_valid_compose() -> None:
    assert errors(compose()) == []


@pytest.mark.parametrize(
    "break_it",
    [
        lambda doc: doc["services"]["worker-1"].update(profile=["cluster"]),  # not "profiles"
        lambda doc: doc["services"]["kafka-2"].update(depends_on={"kafka-1": {"condition": "healthy"}}),
        lambda doc: doc["services"]["kafka-3"].update(ports=[{"published": "9097", "nope": 1}]),
    ],
)
def test_the_schema_refuses_what_compose_would(break_it: Any) -> None:
    document = copy.deepcopy(compose())
    break_it(document)
    assert errors(document), "the schema took a broken file: it checks nothing"


def test_the_cluster_profile_is_three_nodes_one_quorum_and_three_workers_on_them() -> None:
    services = compose()["services"]
    profiled = {name for name, service in services.items() if "cluster" in service.get("profiles", [])}
    assert profiled == {*NODES, "cluster-topics", *WORKERS}
    image = services["kafka"]["image"]
    ids, voters = set(), set()
    for name in NODES:
        node = services[name]
        assert node["image"] == image, "the cluster runs the same pinned Kafka as the single broker"
        environment = node["environment"]
        ids.add(environment["KAFKA_NODE_ID"])
        voters.add(environment["KAFKA_CONTROLLER_QUORUM_VOTERS"])
        assert environment["KAFKA_ADVERTISED_LISTENERS"].startswith(f"PLAINTEXT://{name}:9092,")
        assert environment["KAFKA_MIN_INSYNC_REPLICAS"] == 2
        assert environment["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 3
    assert ids == {1, 2, 3}
    assert voters == {"1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"}
    published = {port for name in (*NODES, *WORKERS) for port in services[name]["ports"]}
    assert all(port.startswith("127.0.0.1:") for port in published)
    for name in ("cluster-topics", *WORKERS):
        environment = services[name]["environment"]
        assert environment["REFHUB_BROKER"] == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
        assert (environment["REFHUB_REPLICATION_FACTOR"], environment["REFHUB_MIN_INSYNC_REPLICAS"]) == (3, 2)
    for name in WORKERS:
        assert services[name]["environment"]["REFHUB_CANONICAL_URL"] == f"http://{name}:8080"
    data = {volume for name in WORKERS for volume in services[name]["volumes"] if volume.endswith(":/var/lib/refhub")}
    assert len(data) == 3, "each worker keeps its tables in its own volume"
