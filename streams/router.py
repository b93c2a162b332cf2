"""The router agent: canonical referrals → assignments per agency + ROUTED status changes.

At-least-once with deterministic output: the routing time is written to the ledger's changelog and
flushed before any assignment is sent, so a redelivery after a crash re-sends byte-identical records.
What a poll returns is routed as a batch (streams/batches.py): every referral of it is planned and its tables
written, the changelog is flushed once, then every record is sent without waiting for each, and the batch
waits for their delivery once before Faust may commit its offsets. A referral that comes twice in a batch
starts a new run at its second message (processors/batch_runs.py), so order and the delivery rule hold.
``concurrency=1``: a higher concurrency can commit past unprocessed messages (faust-streaming #606).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from faust import Stream
from faust.types import StreamT

from processors import audit, batch_runs, retention
from processors.dead_letters import dead_letter
from processors.erasure import referrals
from processors.ledger import plan_routing
from processors.routing import NoRoute, RouteRefused
from streams import disclosure, journeys, logs, metrics, sla
from streams.audit import output as audit_output
from streams.batches import Deliveries, current
from streams.outbox import Output
from streams.statuses import status_outputs
from streams.topology import (
    ASSIGNMENTS,
    DEAD_LETTERS,
    JOURNEY_STEPS,
    LECTURE_NOTICES,
    LECTURES_COUNTED,
    REFERRAL_EVENTS,
)

if TYPE_CHECKING:
    from streams.hub import Hub
    from streams.settings import Settings

log = logging.getLogger(__name__)


def register_router(hub: Hub) -> None:
    app = hub.app
    settings = hub.settings

    @app.agent(hub.topics[REFERRAL_EVENTS.name], name="route-referrals", concurrency=1)
    async def route_referrals(stream: StreamT[Any]) -> None:
        async for events in _batches(stream, settings):
            await route_batch(hub, events)

    # Lecture notices come back counted on the person's partition (streams/lectures.py), keyed by referral id:
    # the same partitions as referrals.events, so this agent writes the same ledger rows in the same place.
    @app.agent(hub.topics[LECTURES_COUNTED.name], name="route-lectures", concurrency=1)
    async def route_lectures(stream: StreamT[Any]) -> None:
        async for events in _batches(stream, settings):
            await route_batch(hub, events)


def _batches(stream: StreamT[Any], settings: Settings) -> AsyncIterator[Sequence[Any]]:
    # StreamT does not declare take_events; every stream an agent gets is a faust.Stream.
    batches: AsyncIterator[Sequence[Any]] = cast(Stream[Any], stream).take_events(
        settings.router_batch_max, within=settings.router_batch_seconds
    )
    return batches


async def route_batch(hub: Hub, events: Sequence[Any]) -> None:
    """Route a poll's referrals (Faust events, in order): tables, one flush per run, then every record."""
    deliveries = Deliveries(hub.app.producer, hub.topics)
    for run in batch_runs.runs([event.value["referral_id"] for event in events]):
        routed: list[Routed] = []
        for index in run:
            with current(events[index]), logs.for_event(events[index].value):
                routed.append(await route_one(hub, events[index].value))
        if any(r.durable_first for r in routed):
            # The table writes must be durable before the outputs exist (see module docstring).
            await hub.app.producer.flush()
        for r in routed:
            await deliveries.send(r.outputs)
    await deliveries.delivered()


@dataclass
class Routed:
    """What routing one referral wrote and means to send."""

    outputs: list[Output] = field(default_factory=list)
    durable_first: bool = False
    """The referral wrote tables its outputs depend on: they must be flushed before the outputs go out."""


async def route_one(hub: Hub, event: dict[str, Any]) -> Routed:
    """Plan one referral and write its tables (with its Faust event current); return what it sends."""
    referral_id = event["referral_id"]
    entry = hub.ledger.get(referral_id)
    if referrals.is_erased(entry):
        log.info("referral %s was erased under a court order: not routed again", referral_id)
        return Routed()
    if retention.is_retired(entry):
        if not retention.routes_again(entry, event):
            log.info("referral %s v%s was closed and retired: not routed again", referral_id, event["version"])
            return Routed()
        entry = None  # a newer version the gateway took just before the referral was retired: routed afresh
    if await _subject_erased(hub, event["subject_id"]):
        # In flight when the order came: the order covers it, and nothing of it is routed.
        hub.ledger[referral_id] = referrals.erased_marker(referral_id, event["received_at"], None, "")
        log.info("referral %s names an erased subject: not routed", referral_id)
        return Routed()
    if event["kind"] == "LECTURE" and event.get("earlier_lectures") is None:
        # First counted where the person's notices are kept; the counted copy comes back to route-lectures.
        return Routed([(LECTURE_NOTICES.name, event["subject_id"], event)])
    now = hub.clock.now()
    earlier_lectures = int(event.get("earlier_lectures") or 0)
    try:
        plan = plan_routing(event, entry, now, earlier_lectures=earlier_lectures)
    except RouteRefused as refused:
        return _dead_letter_unroutable(event, str(refused), code=refused.code, partner_reason=refused.reason)
    except NoRoute as missing:
        return _dead_letter_unroutable(event, str(missing))
    unknown = sorted({a["destination"] for a in plan.assignments} - set(ASSIGNMENTS))
    if unknown:
        return _dead_letter_unroutable(event, f"no assignment topic for {', '.join(unknown)}")
    if not plan.assignments:
        return _superseded(hub, event)
    routed_at: datetime = plan.assignments[0]["routed_at"]
    change = sla.ClockChange(hub, referral_id)
    clocks = change.started(event, [(a["destination"], a["copy"]) for a in plan.assignments], routed_at)
    if plan.first_time:
        hub.ledger[referral_id] = plan.entry
    sla_events = change.apply(clocks)
    change.commit()
    # Each destination gets its own view, sealed for it alone (deterministic: a repeat is byte-identical).
    sealed = disclosure.for_destinations(hub.vault, plan.assignments)
    outputs: list[Output] = [(ASSIGNMENTS[a["destination"]].name, referral_id, a) for a in sealed.assignments]
    outputs += status_outputs(plan.statuses)
    outputs += sla.sla_outputs(referral_id, sla_events)
    outputs.append(audit_output(_routing_audit(event, sealed, routed_at)))
    destinations = [a["destination"] for a in plan.assignments]
    outputs.append(_step(journeys.referred_step(event, destinations, routed_at)))
    # The REFERRED step names every destination: only amendments' cancellations are news to the journey.
    subject_id = event["subject_id"]
    outputs += [_step(journeys.state_step(subject_id, s)) for s in plan.statuses if s["state"] != "ROUTED"]
    log.info(
        "referral %s v%s routed%s: %s",
        referral_id,
        event["version"],
        "" if plan.first_time else " again",
        ", ".join(f"{a['destination']} ({a['rule']})" for a in plan.assignments),
    )
    if plan.first_time:
        latency = (routed_at - event["received_at"]).total_seconds()
        metrics.RECEIPT_TO_ASSIGNMENT.labels(event["kind"]).observe(max(latency, 0.0))
        for assignment in plan.assignments:
            metrics.ROUTED.labels(event["kind"], assignment["destination"]).inc()
    return Routed(outputs, durable_first=plan.first_time or clocks.clocks is not None)


def _step(step: dict[str, Any]) -> Output:
    return (JOURNEY_STEPS.name, step["subject_id"], step)


async def _subject_erased(hub: Hub, subject_id: str) -> bool:
    """True once the person was erased. A key this process has not seen yet may be one another process made a
    moment ago: the vault catches up before the hub decides that it is gone (KeyVault.key_of)."""
    return await hub.vault.key_of(subject_id) is None


def _routing_audit(event: dict[str, Any], sealed: disclosure.Sealed, routed_at: datetime) -> dict[str, Any]:
    """The routing decision (分派) as an audit event: which agencies were given which referral and which of its
    fields, under what law."""
    assignments = sealed.assignments
    return audit.decided(
        event["referral_id"],
        str(event["version"]),
        type_=audit.ROUTING,
        subtype="route",
        action="C",
        recorded=routed_at,
        purpose=event["legal_basis"],
        entities=[
            audit.entity(event["subject_id"], "SUBJECT"),
            audit.entity(event["referral_id"], "REFERRAL"),
            *(
                audit.entity(a["assignment_id"], "ASSIGNMENT", sealed.disclosed[a["assignment_id"]])
                for a in assignments
            ),
            *(audit.entity(a["destination"], "PARTNER") for a in assignments),
        ],
    )


_NO_RULE = "本轉介類別尚無分派規則，已交由毒防局人工處理。"


def _superseded(hub: Hub, event: dict[str, Any]) -> Routed:
    """An older version (a replay: the newer state stands) or a second, different copy of the routed version.

    The latter happens when the gateway numbered an amendment while the version before it was still waiting
    in the router's backlog (after a restart): the partner must re-send it, and is told so."""
    entry = hub.ledger.get(event["referral_id"])
    if entry is None or entry["version"] != event["version"] or entry["digest"] == event["content_digest"]:
        log.warning(
            "referral %s v%s superseded by v%s", event["referral_id"], event["version"], entry and entry["version"]
        )
        return Routed()
    return _dead_letter_unroutable(
        event,
        f"version {event['version']} already routed with other content",
        code="AMENDMENT_CONFLICT",
        partner_reason="本次更正與系統中同版本的轉介內容不一致，未予分派；請將更正後的資料重新傳送一次。",
    )


def _dead_letter_unroutable(
    event: dict[str, Any], reason: str, *, code: str = "NO_ROUTE", partner_reason: str = _NO_RULE
) -> Routed:
    log.error("referral %s (%s) cannot be routed (%s); dead-lettered", event["referral_id"], event["kind"], reason)
    metrics.DEAD_LETTERS.labels(event["source"], code).inc()
    record = dead_letter(
        submission_id=event["submission_id"],
        record_no=event["record_no"],
        partner=event["source"],
        inbound_format=event["format"],
        field="",
        code=code,
        reason=partner_reason,
        received_at=event["received_at"],
        original=event["personal"],
    )
    # Sent with the batch's other records: a dead letter needs no table write, and a redelivery makes it again.
    return Routed([(DEAD_LETTERS.name, event["submission_id"], record)])
