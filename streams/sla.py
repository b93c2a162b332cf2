"""SLA clocks in Faust (時限管理): the clock table, the agents that keep it, and the per-worker timer.

Clocks live in the ``sla-clocks`` table keyed by referral id, so they sit on the same partitions as the
referral's ledger entry and are written by the agents that already own those partitions: the router starts
them, the answers agent meets or stops them, the treatment-hours agent meets the monthly report, and the
``check-clocks`` agent turns due instants into WARNING / BREACH / ESCALATION / EXPIRED events.

The timer writes nothing. Every ``sla_tick_seconds`` each worker pops the keys falling due on the partitions
it owns (a deadline index: the work per tick grows with what falls due, not with all open clocks) and posts a
nudge on ``sla.checks`` keyed like the referral; the owning agent then decides at its own ``now``. A lost
nudge is re-made when the index is rebuilt; a nudge for a clock already dealt with changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from faust.types import StreamT

from processors import audit
from processors.erasure import referrals
from processors.ledger import LedgerEntry, plan_expiry
from processors.sla import referral_clocks
from processors.sla.referral_clocks import ClockPlan, ReferralClocks
from streams import journeys, logs, metrics, outbox
from streams.audit import output as audit_output
from streams.due import OwnedDueIndex, owned_partitions
from streams.outbox import Output
from streams.statuses import status_outputs
from streams.topology import JOURNEY_STEPS, REFERRAL_STATUS, SLA_CHECKS, SLA_EVENTS, TREATMENT_HOURS

if TYPE_CHECKING:
    from streams.hub import Hub

log = logging.getLogger(__name__)


class ClockChange:
    """One message's change to one referral's clocks, written to the table once (:meth:`commit`).

    One write per message, not one per step: a clock check that warned, then stopped the clocks of an expired
    delivery, then kept its outbox, used to write the key three times; a worker killed between those changelog
    records could keep the warned clock and lose the outbox that promised the WARNING, and the redelivered check
    then found the clock already warned and sent nothing (1 run in 5 of the kill -9 test lost a warning)."""

    def __init__(self, hub: Hub, referral_id: str) -> None:
        self._hub = hub
        self.referral_id = referral_id
        self.original: Any = hub.clocks.get(referral_id)
        self.current: ReferralClocks | None = self.original
        self.changed = False

    def apply(self, plan: ClockPlan) -> list[dict[str, Any]]:
        """Take a plan's new value (not yet written); returns its events."""
        if plan.clocks is not None:
            self.current, self.changed = plan.clocks, True
            for event in plan.events:
                metrics.count_sla_event(event)
        return list(plan.events)

    def started(self, event: Mapping[str, Any], routes: Iterable[tuple[str, bool]], routed_at: datetime) -> ClockPlan:
        return referral_clocks.start_clocks(
            self.current, event, list(routes), routed_at, self._hub.policy, self._hub.calendar
        )

    def after_states(self, changes: Iterable[tuple[str, str, datetime]]) -> list[dict[str, Any]]:
        """Meet or stop clocks for each (destination, state, at), in order."""
        events: list[dict[str, Any]] = []
        for destination, state, at in changes:
            if self.current is None:
                break
            events += self.apply(referral_clocks.on_state(self.current, destination, state, at, self._hub.policy))
        return events

    def commit(self, this: str | None = None, outputs: list[Output] | None = None) -> None:
        """Write the new value, with what this message is about to send in its outbox (see streams/outbox.py),
        in one changelog record; nothing when nothing changed and nothing is promised."""
        promised = outputs or []
        if not self.changed and not (promised and self.original is not None):
            return
        if self.changed:
            assert self.current is not None, "a plan that changed the clocks has a value"
            value = outbox.carried(self.current, self.original)
        else:
            value = self.original
        self._hub.clocks[self.referral_id] = outbox.sealed(value, this, promised)
        if self.changed:
            self._hub.clock_index.schedule(self.referral_id, self.current)


async def _resend_check(hub: Hub, referral_id: str, promised: list[Output]) -> None:
    """A redelivered check: the clocks were kept, but the ledger's expiry is a second changelog a crash may
    have lost — make it again (idempotent) before the records go out again."""
    entry: LedgerEntry | None = hub.ledger.get(referral_id)
    expired = [v for topic, _, v in promised if topic == REFERRAL_STATUS.name and v["state"] == "EXPIRED"]
    if entry is not None and not referrals.is_erased(entry) and expired:
        changed = False
        for status in expired:
            expiry = plan_expiry(entry, status["destination"], status["at"])
            entry, changed = expiry.entry, changed or expiry.changed
        if changed:
            hub.ledger[referral_id] = entry
            await hub.app.producer.flush()
    await outbox.send(hub.topics, promised)


async def resent(hub: Hub, referral_id: str, this: str | None) -> bool:
    """True when this message was already applied: what it promised is sent again."""
    outputs = outbox.pending(hub.clocks.get(referral_id), this)
    if outputs is None:
        return False
    await outbox.send(hub.topics, outputs)
    return True


def sla_outputs(key: str, events: Iterable[Mapping[str, Any]]) -> list[Output]:
    return [(SLA_EVENTS.name, key, dict(event)) for event in events]


def register_clocks(hub: Hub) -> None:
    app = hub.app

    @app.agent(hub.topics[SLA_CHECKS.name], name="check-clocks", concurrency=1)
    async def check_clocks(stream: StreamT[Any]) -> None:
        async for check in stream:
            with logs.for_event(check):
                await check_one(hub, check["referral_id"])

    @app.agent(hub.topics[TREATMENT_HOURS.name], name="record-treatment-hours", concurrency=1)
    async def record_treatment_hours(stream: StreamT[Any]) -> None:
        async for hours in stream:
            with logs.for_event(hours):
                await record_hours(hub, hours)

    @app.timer(hub.settings.sla_tick_seconds, name="sla-tick")  # type: ignore[untyped-decorator]
    async def tick() -> None:
        await nudge_due(hub)


async def check_one(hub: Hub, referral_id: str) -> None:
    clocks = hub.clocks.get(referral_id)
    this = outbox.cause()
    if clocks is None:
        return
    promised = outbox.pending(clocks, this)
    if promised is not None:
        await _resend_check(hub, referral_id, promised)
        return
    now = hub.clock.now()
    change = ClockChange(hub, referral_id)
    plan = referral_clocks.check_due(clocks, now, hub.policy, hub.calendar)
    events = change.apply(plan)
    statuses: list[dict[str, Any]] = []
    entry: LedgerEntry | None = hub.ledger.get(referral_id)
    if referrals.is_erased(entry):
        entry = None
    if plan.expire and entry is not None:
        for destination in plan.expire:
            expiry = plan_expiry(entry, destination, now)
            entry = expiry.entry
            statuses.extend(expiry.statuses)
        hub.ledger[referral_id] = entry
        # The expired deliveries' other clocks stop with them.
        events += change.after_states([(s["destination"], s["state"], s["at"]) for s in statuses])
    outputs = sla_outputs(referral_id, events)
    outputs += status_outputs(statuses)
    if entry is not None:
        outputs += [
            audit_output(audit.status_change(s, entry["subject_id"], "毒品危害防制條例第2條之1")) for s in statuses
        ]
        outputs += [
            (JOURNEY_STEPS.name, entry["subject_id"], journeys.state_step(entry["subject_id"], s)) for s in statuses
        ]
    change.commit(this, outputs)
    hub.clock_index.schedule_after_check(referral_id, change.current, now)
    if outputs:
        await hub.app.producer.flush()
    await outbox.send(hub.topics, outputs)


async def record_hours(hub: Hub, hours: Mapping[str, Any]) -> None:
    """The bureau's monthly community-treatment hours meet that month's progress-report clock."""
    referral_id = hours["referral_id"]
    this = outbox.cause()
    if await resent(hub, referral_id, this):
        return
    outputs: list[Output] = []
    change = ClockChange(hub, referral_id)
    if change.current is not None:
        outputs = sla_outputs(
            referral_id,
            change.apply(referral_clocks.on_report(change.current, hours["period"], hours["received_at"])),
        )
    step = journeys.treatment_hours_step(hours)
    outputs.append((JOURNEY_STEPS.name, step["subject_id"], step))
    # Only clock events need the outbox: the journey step alone is made again, the same, by a redelivery.
    change.commit(this, outputs if len(outputs) > 1 else [])
    if len(outputs) > 1:
        await hub.app.producer.flush()
    await outbox.send(hub.topics, outputs)


async def nudge_due(hub: Hub) -> None:
    """The per-worker tick: nudge the owners of clocks and journeys falling due on this worker's partitions."""
    app = hub.app
    recovery: Any = getattr(app.tables, "recovery", None)
    if app.rebalancing or app.in_recovery or recovery is None or not recovery.completed.is_set():
        return
    assigned = app.assignor.assigned_actives()
    now = hub.clock.now()
    # A rebalance that revoked and gave back the same partitions still means keys changed elsewhere meanwhile.
    generation = int(app.consumer_generation_id or 0)
    refresh(hub.clock_index, assigned, hub.clocks.items(), generation)
    refresh(hub.journey_index, assigned, hub.journeys.items(), generation)
    due_referrals = hub.clock_index.due(now)
    try:
        while due_referrals:
            await hub.topics[SLA_CHECKS.name].send(
                key=due_referrals[0].encode(),
                value={"referral_id": due_referrals[0], "due_at": now, "requested_at": now},
            )
            due_referrals.pop(0)
    finally:
        for referral_id in due_referrals:  # not nudged (the send failed): looked at again next tick
            hub.clock_index.schedule_after_check(referral_id, hub.clocks.get(referral_id), now)
    due_subjects = hub.journey_index.due(now)
    try:
        while due_subjects:
            await journeys.send_step(hub, journeys.check_step(due_subjects[0], now))
            due_subjects.pop(0)
    finally:
        for subject_id in due_subjects:
            hub.journey_index.schedule_after_check(subject_id, hub.journeys.get(subject_id), now)


def refresh(index: OwnedDueIndex, assigned: Iterable[Any], items: Iterable[tuple[str, Any]], generation: int) -> None:
    owned = owned_partitions(assigned, index.topic)
    if index.needs_rebuild(owned, generation):
        count = index.rebuild(owned, items, generation)
        log.info("due index for %s rebuilt: partitions %s, %d keys waiting", index.topic, sorted(owned), count)
