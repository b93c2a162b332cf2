"""Session-wide fixtures: one real Kafka broker and one hub process, and a three-node cluster, each started only
when a test needs it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.support.processes import Broker, Cluster, HubProcess

ARTIFACTS = Path(__file__).parent / "artifacts"
Kafka = TypeVar("Kafka", Broker, Cluster)


def running(instance: Kafka) -> Iterator[Kafka]:
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    yield from running(Broker(data_dir=tmp_path_factory.mktemp("kafka")))


@pytest.fixture(scope="session")
def hub(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    process = HubProcess(broker=broker, work_dir=tmp_path_factory.mktemp("hub"))
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from running(Cluster(data_dir=tmp_path_factory.mktemp("cluster")))
