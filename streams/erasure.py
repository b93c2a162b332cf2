"""Erasure that erases (塗銷, 少年事件處理法第83條之1): the four agents that carry out a court's order.

See processors/erasure for the hops. Each agent writes its table first and flushes it, then sends; a
redelivered message finds its own decision in the table and sends the same records again (consumers dedupe on
their deterministic ids). Key tombstones are written by the first hop, before anything else: from then on
every envelope of the person is unreadable on every topic.

Table writes go to the changelog partition of the message being processed, so each hop runs on the topic keyed
like the table it writes: the order table by lookup key, the subject index and journeys by subject id, the
ledger and clocks by referral id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from faust.types import StreamT

from processors import audit
from processors.erasure import orders, referrals, subjects
from streams import logs, metrics, outbox
from streams.audit import output as audit_output
from streams.outbox import Output
from streams.statuses import status_outputs
from streams.topology import (
    ASSIGNMENTS,
    ERASURE_COMPLETIONS,
    ERASURE_ORDERS,
    ERASURE_PROGRESS,
    ERASURE_STEPS,
    ERASURE_SUBJECTS,
    STATUS_TOPICS,
    alias,
)

if TYPE_CHECKING:
    from streams.hub import Hub

log = logging.getLogger(__name__)


def register_erasure(hub: Hub) -> None:
    app = hub.app

    @app.agent(hub.topics[ERASURE_ORDERS.name], name="erase-orders", concurrency=1)
    async def erase_orders(stream: StreamT[Any]) -> None:
        async for order in stream:
            with logs.for_event(order):
                await order_one(hub, order)

    @app.agent(hub.topics[ERASURE_SUBJECTS.name], name="erase-subjects", concurrency=1)
    async def erase_subjects(stream: StreamT[Any]) -> None:
        async for order in stream:
            with logs.for_event(order):
                await subject_one(hub, order)

    @app.agent(hub.topics[ERASURE_STEPS.name], name="erase-referrals", concurrency=1)
    async def erase_referrals(stream: StreamT[Any]) -> None:
        async for step in stream:
            with logs.for_event(step):
                await referral_one(hub, step)

    @app.agent(hub.topics[ERASURE_PROGRESS.name], name="complete-erasures", concurrency=1)
    async def complete_erasures(stream: StreamT[Any]) -> None:
        async for progress in stream:
            with logs.for_event(progress):
                await progress_one(hub, progress)


# -- hop 1: the person's keys ------------------------------------------------------------------------------


async def order_one(hub: Hub, order: Mapping[str, Any]) -> None:
    lookup_key = order["lookup_key"]
    stored = hub.erasure_orders.get(lookup_key)
    if order["event_id"] not in (stored or {}).get("orders", {}):
        # A subject or dead letter another process created a moment ago must not be missed.
        await hub.vault.sync()
    subject_id = hub.vault.subject_for(lookup_key)
    named = {*hub.vault.keys_naming(lookup_key), *([order["raw_key_id"]] if order.get("raw_key_id") else [])}
    facts = orders.PersonFacts(
        subject_id=subject_id,
        subject_key_held=subject_id is not None and hub.vault.data_key(subject_id) is not None,
        quarantine_keys=tuple(sorted(k for k in named if hub.vault.data_key(k) is not None)),
    )
    plan = orders.plan_order(order, stored, facts)
    if not plan.repeat:
        hub.erasure_orders[lookup_key] = plan.value
        await hub.app.producer.flush()
    await hub.vault.shred(plan.shred_keys, plan.shred_links)
    outputs: list[Output] = []
    if plan.forward is not None:
        outputs.append((ERASURE_SUBJECTS.name, plan.forward["subject_id"], plan.forward))
    if plan.answer is not None:
        outputs += answer_outputs(plan.answer, fresh=not plan.repeat)
    outputs.append(
        audit_output(
            audit.decided(
                order["event_id"],
                lookup_key,
                type_=audit.ERASURE,
                subtype="erase.keys",
                action="D",
                recorded=order["received_at"],
                purpose=order["legal_basis"],
                entities=[
                    *([audit.entity(subject_id, "SUBJECT")] if subject_id else []),
                    audit.entity(order["event_id"], "ORDER"),
                    *(audit.entity(key_id, "OTHER") for key_id in plan.shred_keys if key_id != subject_id),
                ],
            )
        )
    )
    if not plan.repeat:
        log.info("erasure order %s: %d keys shredded", order["event_id"], len(plan.shred_keys))
    await outbox.send(hub.topics, outputs)


def answer_outputs(answer: Mapping[str, Any], *, fresh: bool, subject_id: str | None = None) -> list[Output]:
    """ERASURE_COMPLETED on erasure.completions and on the ordering court's own status feed."""
    record = dict(answer)
    if fresh:
        metrics.ERASURES_COMPLETED.labels(record["outcome"]).inc()
    outputs: list[Output] = [(ERASURE_COMPLETIONS.name, record["order_no"], record)]
    court = STATUS_TOPICS.get(record["partner"])
    if court is not None:
        outputs.append((alias(court.name, "erasure_completed"), record["order_no"], record))
    outputs.append(
        audit_output(
            audit.decided(
                record["event_id"],
                type_=audit.ERASURE,
                subtype="erase.completed",
                action="E",
                recorded=record["completed_at"],
                purpose=record["legal_basis"],
                entities=[
                    *([audit.entity(subject_id, "SUBJECT")] if subject_id else []),
                    audit.entity(record["order_id"], "ORDER"),
                    audit.entity(record["partner"], "PARTNER"),
                ],
            )
        )
    )
    return outputs


# -- hop 2: the person's journey, and their referrals' owners ------------------------------------------------


async def subject_one(hub: Hub, order: Mapping[str, Any]) -> None:
    subject_id = order["subject_id"]
    journey = hub.journeys.get(subject_id)
    plan = subjects.plan_subject(order, hub.subject_index.get(subject_id), journey is not None, hub.clock.now())
    lectures_held = hub.lectures.get(subject_id) is not None
    if lectures_held:
        # Kept on the person's own partition (streams/lectures.py): this hop holds the whole list.
        del hub.lectures[subject_id]
    await _subject_writes(
        hub, subject_id, plan, erase_journey=plan.erase_journey and journey is not None, written=lectures_held
    )
    outputs: list[Output] = [(ERASURE_STEPS.name, step["referral_id"], step) for step in plan.steps]
    if plan.answer is not None:
        outputs += answer_outputs(plan.answer, fresh=plan.value is not None, subject_id=subject_id)
    record = (hub.subject_index.get(subject_id) or {}).get(subjects.ERASURE)
    if record is not None and record["order_id"] == order["event_id"]:
        outputs.append(
            audit_output(
                audit.decided(
                    order["event_id"],
                    subject_id,
                    type_=audit.ERASURE,
                    subtype="erase.subject",
                    action="D",
                    recorded=order["received_at"],
                    purpose=order["legal_basis"],
                    entities=[audit.entity(subject_id, "SUBJECT"), audit.entity(order["event_id"], "ORDER")],
                )
            )
        )
    await outbox.send(hub.topics, outputs)


async def _subject_writes(
    hub: Hub, subject_id: str, plan: subjects.SubjectPlan, *, erase_journey: bool, written: bool = False
) -> None:
    if plan.value is not None:
        hub.subject_index[subject_id] = plan.value
    if erase_journey:
        # No BREACH or gap can fire for the person: the journey and its due instant go together.
        del hub.journeys[subject_id]
        hub.journey_index.schedule(subject_id, None)
    if plan.value is not None or erase_journey or written:
        await hub.app.producer.flush()


async def late_referral(hub: Hub, index: Mapping[str, Any], subject_id: str, referral_id: str) -> None:
    """A referral of an erased person that was in flight when the order came: erase it too."""
    plan = subjects.late_referral(index, subject_id, referral_id)
    await _subject_writes(hub, subject_id, plan, erase_journey=False)
    await outbox.send(hub.topics, [(ERASURE_STEPS.name, step["referral_id"], step) for step in plan.steps])


# -- hop 3: one referral -----------------------------------------------------------------------------------


async def referral_one(hub: Hub, step: Mapping[str, Any]) -> None:
    referral_id = step["referral_id"]
    entry = hub.ledger.get(referral_id)
    clocks = hub.clocks.get(referral_id)
    plan = referrals.erase_referral(step, entry, clocks_held=clocks is not None, now=hub.clock.now())
    if not plan.repeat:
        hub.ledger[referral_id] = plan.marker
    if clocks is not None:
        del hub.clocks[referral_id]
        hub.clock_index.schedule(referral_id, None)
    await hub.app.producer.flush()
    outputs = status_outputs(plan.statuses)
    for notice in plan.notices:
        agency = ASSIGNMENTS.get(notice["destination"])
        if agency is not None:
            outputs.append((alias(agency.name, "erasure_notice"), referral_id, notice))
    outputs.append((ERASURE_PROGRESS.name, step["subject_id"], plan.progress))
    outputs.append(
        audit_output(
            audit.decided(
                step["order_id"],
                referral_id,
                type_=audit.ERASURE,
                subtype="erase.referral",
                action="D",
                recorded=plan.progress["at"],
                purpose=step["legal_basis"],
                entities=[
                    audit.entity(step["subject_id"], "SUBJECT"),
                    audit.entity(referral_id, "REFERRAL"),
                    *(audit.entity(destination, "PARTNER") for destination in plan.marker["destinations"]),
                ],
            )
        )
    )
    if not plan.repeat:
        metrics.ERASED_REFERRALS.inc()
    await outbox.send(hub.topics, outputs)


# -- hop 4: the court's answer -----------------------------------------------------------------------------


async def progress_one(hub: Hub, progress: Mapping[str, Any]) -> None:
    subject_id = progress["subject_id"]
    plan = subjects.plan_progress(hub.subject_index.get(subject_id), progress)
    await _subject_writes(hub, subject_id, plan, erase_journey=False)
    if plan.answer is not None:
        await outbox.send(hub.topics, answer_outputs(plan.answer, fresh=plan.value is not None, subject_id=subject_id))
