"""Whether this worker is alive (/healthz, for a liveness probe: a restart would help) and whether it may take
traffic (/readyz, for a load balancer: its tables are restored and it holds partitions); the hub's own
descriptions: the HTTP API (/openapi.json) and its topics (/asyncapi.json).

A worker that lost the broker is not dead — restarting it would only add a rebalance — so liveness asks only
that the event loop answers; the broker and the tables are readiness questions. Any ready worker takes any
request: what another worker owns is passed there (streams/peers).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from streams.gateway import asyncapi, openapi
from streams.gateway.auth import Caller
from streams.gateway.guard import answer
from streams.topology import REFERRAL_EVENTS

if TYPE_CHECKING:
    from streams.hub import Hub

BROKER_PROBE_SECONDS = 3.0


def serving(hub: Hub) -> bool:
    """Keys, credentials and tables are loaded: the gateway can tell a first submission from an amendment and a
    partner from a stranger."""
    return hub.vault.ready.is_set() and hub.credential_follower.ready.is_set() and has_partitions(hub)


def has_partitions(hub: Hub) -> bool:
    app: Any = hub.app
    try:
        assigned = app.consumer.assignment()
    except Exception:
        return False
    return bool(assigned) and not app.rebalancing and app.tables.recovery.completed.is_set()


async def healthz(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    """200 while the worker's event loop answers (this handler running is the proof)."""
    return answer({"ok": True, "ready": serving(hub)})


async def readyz(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    """200 only when the broker answers and this worker holds its partitions with their tables restored."""
    checks = {
        "broker": await _broker_reachable(hub),
        "partitions": has_partitions(hub),
        "vault": hub.vault.ready.is_set(),
        "credentials": hub.credential_follower.ready.is_set(),
    }
    ok = all(checks.values())
    held = _held(hub) if checks["partitions"] else {}
    return answer({"ok": ok, "checks": checks, "partitions_held": held}, status=200 if ok else 503)


def _held(hub: Hub) -> dict[str, list[int]]:
    """This worker's active partitions of the referral topic: operators (and the tests) see who holds what."""
    app: Any = hub.app
    topic = REFERRAL_EVENTS.name
    return {topic: sorted(tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topic)}


async def openapi_document(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    return answer(openapi.document())


async def asyncapi_document(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    settings = hub.settings
    return answer(asyncapi.document(settings.partitions, settings.replication_factor, settings.min_insync_replicas))


async def _broker_reachable(hub: Hub) -> bool:
    try:
        producer: Any = hub.app.producer
        client = producer._ensure_producer().client
        await asyncio.wait_for(client.fetch_all_metadata(), BROKER_PROBE_SECONDS)
    except Exception:
        return False
    return True
