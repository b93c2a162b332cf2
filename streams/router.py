"""The router agent: canonical referrals → assignments per agency + ROUTED status changes.

At-least-once with deterministic output: the routing time is written to the ledger's changelog and
flushed before any assignment is sent, so a redelivery after a crash re-sends byte-identical records.
``concurrency=1``: a higher concurrency can commit past unprocessed messages (faust-streaming #606).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from faust.types import StreamT

from processors.dead_letters import dead_letter
from processors.ledger import plan_routing
from processors.routing import NoRoute
from streams import metrics
from streams.topology import ASSIGNMENTS, DEAD_LETTERS, REFERRAL_EVENTS, REFERRAL_STATUS

if TYPE_CHECKING:
    from streams.app import Hub

log = logging.getLogger(__name__)


def register_router(hub: Hub) -> None:
    app = hub.app

    @app.agent(hub.topics[REFERRAL_EVENTS.name], name="route-referrals", concurrency=1)
    async def route_referrals(stream: StreamT[Any]) -> None:
        async for event in stream:
            await route_one(hub, event)


async def route_one(hub: Hub, event: dict[str, Any]) -> None:
    key = event["referral_id"].encode()
    now = datetime.now(UTC)
    try:
        plan = plan_routing(event, hub.ledger.get(event["referral_id"]), now)
    except NoRoute as missing:
        await _dead_letter_unroutable(hub, event, str(missing))
        return
    unknown = sorted({a["destination"] for a in plan.assignments} - set(ASSIGNMENTS))
    if unknown:
        await _dead_letter_unroutable(hub, event, f"no assignment topic for {', '.join(unknown)}")
        return
    if plan.first_time:
        hub.ledger[event["referral_id"]] = plan.entry
        # The ledger write must be durable before the outputs exist (see module docstring).
        await hub.app.producer.flush()
    # Enqueued, not awaited one by one: Faust flushes the producer before it commits the offset.
    for assignment in plan.assignments:
        await hub.topics[ASSIGNMENTS[assignment["destination"]].name].send(key=key, value=assignment)
    for status in plan.statuses:
        await hub.topics[REFERRAL_STATUS.name].send(key=key, value=status)
    if plan.first_time:
        latency = time.time() - event["received_at"].timestamp()
        metrics.RECEIPT_TO_ASSIGNMENT.labels(event["kind"]).observe(max(latency, 0.0))
        for assignment in plan.assignments:
            metrics.ROUTED.labels(event["kind"], assignment["destination"]).inc()


async def _dead_letter_unroutable(hub: Hub, event: dict[str, Any], reason: str) -> None:
    log.error("referral %s (%s) cannot be routed (%s); dead-lettered", event["referral_id"], event["kind"], reason)
    metrics.DEAD_LETTERS.labels(event["source"], "NO_ROUTE").inc()
    await hub.send(
        DEAD_LETTERS.name,
        event["submission_id"].encode(),
        dead_letter(
            submission_id=event["submission_id"],
            record_no=event["record_no"],
            partner=event["source"],
            inbound_format=event["format"],
            field="",
            code="NO_ROUTE",
            reason="本轉介類別尚無分派規則，已交由毒防局人工處理。",
            received_at=event["received_at"],
            original=event["personal"],
        ),
    )
