"""A hub of its own on a movable clock (REFHUB_MOVABLE_CLOCK), and moving that clock as an operator does.

Tests that move the clock days or years ahead run their own broker and hub: on the session's hub every other
test's referrals would expire, and a report would count them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest

from tests.support.processes import HubProcess, on_own_broker


@contextmanager
def own_hub(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[HubProcess]:
    with on_own_broker(
        tmp_path_factory.mktemp(f"kafka-{name}"),
        lambda broker: HubProcess(
            broker=broker,
            work_dir=tmp_path_factory.mktemp(f"hub-{name}"),
            extra_env={"REFHUB_MOVABLE_CLOCK": "true", "REFHUB_SLA_TICK_SECONDS": "0.3"},
        ),
    ) as hub:
        yield hub


def hub_now(hub: HubProcess) -> datetime:
    code, body = hub.get("/v1/admin/clock", hub.token("OPERATOR"))
    assert code == 200, body
    return datetime.fromisoformat(body["now"])


def advance(hub: HubProcess, seconds: float) -> datetime:
    code, body = hub.post(
        "/v1/admin/clock", json.dumps({"advance_seconds": seconds}).encode(), "application/json", hub.token("OPERATOR")
    )
    assert code == 200, body
    return datetime.fromisoformat(body["now"])


def advance_to(hub: HubProcess, when: datetime) -> datetime:
    return advance(hub, max((when - hub_now(hub)).total_seconds(), 0.0))
