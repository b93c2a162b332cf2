"""The closed-loop agent: partners' answers (referrals.updates) → the delivery ledger + referrals.status.

The gateway already refused answers the lifecycle cannot take; this agent checks again (another answer may
have come first) and dead-letters a late refusal. Same delivery rule as the router: the ledger change is
flushed to its changelog before the status change is sent, and a redelivered answer re-sends the same bytes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from faust.types import StreamT

from processors import audit
from processors.dead_letters import NOTHING_SEALED, dead_letter
from processors.erasure import referrals
from processors.ledger import LedgerEntry, UpdateRefused, plan_update
from processors.lifecycle import TERMINAL, State
from streams import disclosure, journeys, logs, metrics, outbox, sla
from streams.audit import output as audit_output
from streams.outbox import Output
from streams.statuses import status_outputs
from streams.topology import ASSIGNMENTS, DEAD_LETTERS, REFERRAL_UPDATES

if TYPE_CHECKING:
    from streams.hub import Hub

log = logging.getLogger(__name__)


DISPATCHED = "DISPATCHED"
"""The pseudo-state that meets SOCIAL's dispatch (派案) clock: its dispatch created the target's assignment."""

_UNANSWERED = frozenset({State.ROUTED, State.DELIVERED})
_ACCEPTED = frozenset({State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED, State.CLOSED})


def register_answers(hub: Hub) -> None:
    @hub.app.agent(hub.topics[REFERRAL_UPDATES.name], name="apply-answers", concurrency=1)
    async def apply_answers(stream: StreamT[Any]) -> None:
        async for update in stream:
            with logs.for_event(update):
                await apply_one(hub, update)


async def apply_one(hub: Hub, update: dict[str, Any]) -> None:
    referral_id = update["referral_id"]
    entry = hub.ledger.get(referral_id)
    try:
        if entry is None or referrals.is_erased(entry):
            raise UpdateRefused("UNKNOWN_REFERRAL", f"查無轉介編號 {referral_id}。")
        plan = plan_update(update, entry)
    except UpdateRefused as refused:
        log.warning("answer %s on %s refused: %s", update["event_id"], referral_id, refused.code)
        metrics.DEAD_LETTERS.labels(update["partner"], refused.code).inc()
        await hub.topics[DEAD_LETTERS.name].send(
            key=update["submission_id"].encode(),
            value=dead_letter(
                submission_id=update["submission_id"],
                record_no=update["record_no"],
                partner=update["partner"],
                inbound_format=update["format"],
                field="status",
                code=refused.code,
                reason=refused.reason,
                received_at=update["received_at"],
                original=update["notes"] or NOTHING_SEALED,
            ),
        )
        return
    this = outbox.cause()
    change = sla.ClockChange(hub, referral_id)
    promised = outbox.pending(change.original, this) or []
    if plan.changed:
        hub.ledger[referral_id] = plan.entry
    # Run on a repeat too: the ledger and the clocks are two changelogs, and a crash may have kept only the
    # first. Meeting a clock twice changes nothing; what the first pass sent comes from the outbox.
    meeting = plan.statuses if plan.changed else _current(plan.entry, update["event_id"], plan.statuses)
    fresh = sla.sla_outputs(referral_id, _clocks_after(change, plan.entry, meeting, plan.assignments))
    change.commit(this, fresh)
    if plan.changed or fresh:
        await hub.app.producer.flush()
    if plan.changed:
        _observe_answer_times(entry, plan.statuses)
    clock_events = outbox.merged(promised, fresh)
    key = referral_id.encode()
    for assignment in disclosure.for_destinations(hub.vault, plan.assignments).assignments:
        await hub.topics[ASSIGNMENTS[assignment["destination"]].name].send(key=key, value=assignment)
    await outbox.send(hub.topics, status_outputs(plan.statuses))
    await outbox.send(hub.topics, _status_audit(plan.entry, plan.statuses))
    await outbox.send(hub.topics, clock_events)
    await journeys.send_state_steps(hub, plan.entry["subject_id"], plan.statuses)


def _status_audit(entry: LedgerEntry, statuses: list[dict[str, Any]]) -> list[Output]:
    return [
        audit_output(audit.status_change(s, entry["subject_id"], _basis(entry, s["destination"]))) for s in statuses
    ]


def _basis(entry: LedgerEntry, destination: str) -> str:
    delivery = entry["destinations"].get(destination)
    legal_basis = delivery["route"]["legal_basis"] if delivery is not None and "route" in delivery else None
    return legal_basis or "毒品危害防制條例第2條之1"


def _current(entry: LedgerEntry, event_id: str, statuses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of a repeated answer's statuses, those its delivery has not been routed anew since (an amendment restarts
    a delivery's lifecycle and its clocks: an old answer must not meet the new version's clocks)."""
    current = []
    for status in statuses:
        history = entry["destinations"][status["destination"]]["history"]
        answered = [i for i, t in enumerate(history) if t.get("event_id") == event_id]
        routed = [i for i, t in enumerate(history) if t["state"] == State.ROUTED]
        if answered and (not routed or answered[-1] > routed[-1]):
            current.append(status)
    # The target a current answer handed the referral on to (再轉 / 派案) is current with it.
    handing_on = {s["destination"] for s in current}
    return current + [s for s in statuses if s["state"] == State.ROUTED and s["by"] in handing_on]


def _clocks_after(
    change: sla.ClockChange, entry: LedgerEntry, statuses: list[dict[str, Any]], assignments: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Clocks follow the answer: states meet or stop them; a dispatch meets SOCIAL's; a new target gets its own."""
    events: list[dict[str, Any]] = []
    if assignments:
        open_routes = [
            (destination, bool(delivery.get("route", {}).get("copy", False)))
            for destination, delivery in entry["destinations"].items()
            if State(delivery["state"]) not in TERMINAL
        ]
        template = entry["template"]
        event_like = {**template, "received_at": datetime.fromisoformat(template["received_at"])}
        routed_at: datetime = assignments[0]["routed_at"]
        events += change.apply(change.started(event_like, open_routes, routed_at))
    changes = [(s["destination"], s["state"], s["at"]) for s in statuses]
    changes += [
        (s["by"], DISPATCHED, s["at"]) for s in statuses if s["state"] == State.ROUTED and s.get("rule") == "DISPATCH"
    ]
    events += change.after_states(changes)
    return events


def _observe_answer_times(before: LedgerEntry, statuses: list[dict[str, Any]]) -> None:
    """Time from routing to a partner's first acknowledgement and to its acceptance (per partner)."""
    for status in statuses:
        delivery = before["destinations"].get(status["destination"])
        if delivery is None or status["by"] != status["destination"]:
            continue
        routed = [t for t in delivery["history"] if t["state"] == State.ROUTED]
        if not routed:
            continue
        waited = max((status["at"] - datetime.fromisoformat(routed[-1]["at"])).total_seconds(), 0.0)
        was, now = State(delivery["state"]), State(status["state"])
        if was in _UNANSWERED and now not in _UNANSWERED | {State.CANCELLED, State.EXPIRED}:
            metrics.TIME_TO_ACKNOWLEDGE.labels(status["destination"]).observe(waited)
        if was not in _ACCEPTED and now in _ACCEPTED:
            metrics.TIME_TO_ACCEPT.labels(status["destination"]).observe(waited)
