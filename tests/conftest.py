"""Session-wide fixtures: one real Kafka broker and one hub process, and a three-node cluster, each started only
when a test needs it.

The session's hub is three workers on the three-node cluster (``REFHUB_TEST_TOPOLOGY=cluster``, the default and what
``make test`` runs): the end-to-end suite passes on the deployment shape the hub is built for. With
``REFHUB_TEST_TOPOLOGY=single`` it is one worker on one broker, quicker on a laptop.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.support.processes import Broker, Cluster, HubProcess
from tests.support.workers import Workers

ARTIFACTS = Path(__file__).parent / "artifacts"
Kafka = TypeVar("Kafka", Broker, Cluster)
TOPOLOGY = os.environ.get("REFHUB_TEST_TOPOLOGY", "cluster")
if TOPOLOGY not in ("cluster", "single"):
    raise pytest.UsageError(f"REFHUB_TEST_TOPOLOGY must be cluster or single, not {TOPOLOGY!r}")


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
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A ``HubProcess``, or ``Workers`` that answer like one (through their first worker's gateway)."""
    process: HubProcess | Workers
    if TOPOLOGY == "cluster":
        process = Workers(broker=request.getfixturevalue("cluster"), work_dir=tmp_path_factory.mktemp("hub"), count=3)
    else:
        process = HubProcess(broker=request.getfixturevalue("broker"), work_dir=tmp_path_factory.mktemp("hub"))
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def workers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """Three workers of one hub on the three-node cluster: the session's hub itself when it is that already."""
    if TOPOLOGY == "cluster":
        yield request.getfixturevalue("hub")
        return
    own = Workers(broker=request.getfixturevalue("cluster"), work_dir=tmp_path_factory.mktemp("workers"), count=3)
    own.start()
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from running(Cluster(data_dir=tmp_path_factory.mktemp("cluster")))
