"""Pass-through protection (貫穿式保護) in Faust: one journey per person, and break-point (斷點) events.

The ``journeys`` table is keyed by the pseudonymous subject id and fed from ``journeys.steps`` (same key):
the router posts a REFERRED step, the answers and clock agents post STATE steps, the treatment-hours agent
posts TREATMENT_HOURS, and the timer posts CHECK when a journey's clock falls due. Follow-up contacts are
already keyed by subject on ``casework.contacts``, so their agent writes the same table directly: both
topics share partitions, so each person's journey has one owner.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from faust.types import StreamT

from processors.dead_letters import NOTHING_SEALED, dead_letter
from processors.erasure import subjects
from processors.journeys import journey as journey_logic
from streams import erasure, logs, metrics, outbox
from streams.outbox import Output
from streams.topology import CONTACTS, DEAD_LETTERS, JOURNEY_STEPS, PROTECTION_GAPS, SLA_EVENTS

if TYPE_CHECKING:
    from streams.hub import Hub

log = logging.getLogger(__name__)


def _step_id(*parts: str) -> str:
    return "S-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def referred_step(event: Mapping[str, Any], destinations: Iterable[str], routed_at: datetime) -> dict[str, Any]:
    attributes = dict(event.get("attributes") or {})
    attributes["destinations"] = ",".join(destinations)
    attributes["source"] = event["source"]
    return {
        "step_id": _step_id("REFERRED", event["referral_id"], str(event["version"])),
        "subject_id": event["subject_id"],
        "type": "REFERRED",
        "referral_id": event["referral_id"],
        "kind": event["kind"],
        "destination": None,
        "state": None,
        "at": routed_at,
        "attributes": attributes,
    }


def state_step(subject_id: str, status: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "step_id": _step_id("STATE", status["event_id"]),
        "subject_id": subject_id,
        "type": "STATE",
        "referral_id": status["referral_id"],
        "kind": status["kind"],
        "destination": status["destination"],
        "state": status["state"],
        "at": status["at"],
        "attributes": {},
    }


def contact_step(contact: Mapping[str, Any]) -> dict[str, Any]:
    attributes = {"mode": contact["mode"], "reached": "Y" if contact["reached"] else "N"}
    if contact.get("need_level"):
        attributes["need_level"] = contact["need_level"]
    return {
        "step_id": _step_id("CONTACT", contact["event_id"]),
        "subject_id": contact["subject_id"],
        "type": "CONTACT",
        "referral_id": None,
        "kind": None,
        "destination": None,
        "state": None,
        "at": contact["at"],
        "attributes": attributes,
    }


def treatment_hours_step(hours: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "step_id": _step_id("TREATMENT_HOURS", hours["event_id"]),
        "subject_id": hours["subject_id"],
        "type": "TREATMENT_HOURS",
        "referral_id": hours["referral_id"],
        "kind": "DEFERRED_PROSECUTION",
        "destination": None,
        "state": None,
        "at": hours["received_at"],
        "attributes": {"period": hours["period"], "hours": f"{hours['hours']:g}"},
    }


def check_step(subject_id: str, now: datetime) -> dict[str, Any]:
    return {
        "step_id": _step_id("CHECK", subject_id, now.isoformat()),
        "subject_id": subject_id,
        "type": "CHECK",
        "referral_id": None,
        "kind": None,
        "destination": None,
        "state": None,
        "at": now,
        "attributes": {},
    }


async def send_step(hub: Hub, step: Mapping[str, Any]) -> None:
    await hub.topics[JOURNEY_STEPS.name].send(key=step["subject_id"].encode(), value=dict(step))


async def send_state_steps(hub: Hub, subject_id: str, statuses: Iterable[Mapping[str, Any]]) -> None:
    for status in statuses:
        await send_step(hub, state_step(subject_id, status))


def register_journeys(hub: Hub) -> None:
    app = hub.app

    @app.agent(hub.topics[JOURNEY_STEPS.name], name="follow-journeys", concurrency=1)
    async def follow_journeys(stream: StreamT[Any]) -> None:
        async for step in stream:
            with logs.for_event(step):
                await apply_one(hub, step)

    @app.agent(hub.topics[CONTACTS.name], name="record-contacts", concurrency=1)
    async def record_contacts(stream: StreamT[Any]) -> None:
        async for contact in stream:
            with logs.for_event(contact):
                await apply_one(hub, contact_step(contact))


async def apply_one(hub: Hub, step: Mapping[str, Any]) -> None:
    subject_id = step["subject_id"]
    index = hub.subject_index.get(subject_id)
    if subjects.is_erased(index):
        # Nothing about an erased person is kept again; a referral that was in flight is erased as well.
        if step["type"] == "REFERRED" and step.get("referral_id"):
            await erasure.late_referral(hub, index, subject_id, step["referral_id"])
        return
    if step["type"] == "REFERRED" and step.get("referral_id"):
        # The erasure's list of the person's referrals; journeys forget finished referrals, this does not.
        listed = subjects.with_referral(index, step["referral_id"])
        if listed is not None:
            hub.subject_index[subject_id] = listed
    this = outbox.cause()
    already = outbox.pending(hub.journeys.get(subject_id), this)
    if already is not None:
        await outbox.send(hub.topics, already)
        return
    now = hub.clock.now()
    try:
        plan = journey_logic.apply_step(hub.journeys.get(subject_id), step, hub.journey_policy, now)
    except journey_logic.InvalidStep as invalid:
        await _dead_letter(hub, step, str(invalid), now)
        return
    outputs: list[Output] = [
        (PROTECTION_GAPS.name if "gap_id" in event else SLA_EVENTS.name, subject_id, event) for event in plan.events
    ]
    if plan.journey is not None:
        value = outbox.carried(plan.journey, hub.journeys.get(subject_id))
        hub.journeys[subject_id] = outbox.sealed(value, this, outputs)
        hub.journey_index.schedule(subject_id, plan.journey)
        for event in plan.events:
            if "gap_id" in event:
                metrics.GAP_EVENTS.labels(event["gap_type"], event["status"]).inc()
            else:
                metrics.count_sla_event(event)
        if outputs:
            # Durable before the events exist; most steps emit nothing, and Faust flushes before it commits.
            await hub.app.producer.flush()
    if step["type"] == "CHECK":
        hub.journey_index.schedule_after_check(subject_id, hub.journeys.get(subject_id), now)
    await outbox.send(hub.topics, outputs)


async def _dead_letter(hub: Hub, step: Mapping[str, Any], problem: str, now: datetime) -> None:
    """A step the journey cannot take is the hub's own fault, never a partner's: operators see it on the
    dead-letter topic (no personal data: a step has none) and in the log, and the journey is left as it was."""
    log.error("journey step %s of %s refused: %s", step.get("step_id"), step.get("subject_id"), problem)
    metrics.DEAD_LETTERS.labels("HUB", "INVALID_STEP").inc()
    await hub.topics[DEAD_LETTERS.name].send(
        key=str(step.get("step_id", "")).encode(),
        value=dead_letter(
            submission_id=str(step.get("step_id", "")),
            record_no=0,
            partner="HUB",
            inbound_format="JOURNEY_STEP",
            field="step",
            code="INVALID_STEP",
            reason=f"內部流程資料錯誤，已通知維運人員：{problem}",
            received_at=step.get("at") or now,  # the step's own time: a redelivery re-sends the same bytes
            original=NOTHING_SEALED,
        ),
    )
