"""The gateway's audit events: who asked (the authenticated principal), through which route, for what, about
whom, which fields — recorded (and acknowledged by the broker) before the answer leaves the hub."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from processors import audit
from processors.audit import Action
from streams import metrics
from streams.audit import OBSERVER
from streams.gateway.auth import Caller
from streams.gateway.routes import Route

if TYPE_CHECKING:
    from streams.hub import Hub


async def record(
    hub: Hub,
    caller: Caller,
    route: Route,
    *,
    type_: str,
    subtype: str,
    action: Action,
    entities: Iterable[Mapping[str, Any]],
    purpose: str | None = None,
    outcome_desc: str | None = None,
) -> None:
    event = audit.audit_event(
        event_id="AU-" + secrets.token_hex(12),
        type_=type_,
        subtype=subtype,
        action=action,
        recorded=datetime.now(UTC),
        who=caller.agent(),
        purpose=purpose or route.purpose,
        entities=entities,
        observer=OBSERVER,
        outcome_desc=outcome_desc,
        request_id=caller.request_id,
    )
    await hub.auditor.record(event)
    metrics.AUDIT_EVENTS.labels(type_).inc()
