"""What the journey remembers of each referral: its kind, the facts its clocks read, and the state of each
destination's delivery (a copy of the ledger's, fed by STATE steps, so a delivery's start and refusal are
known here without reading another table)."""

from __future__ import annotations

from typing import Final

from processors.journeys.model import Delivery, Journey, ReferralRecord, instant, iso
from processors.journeys.steps import Step, referral_facts
from processors.lifecycle import TERMINAL, IllegalTransition, State, check_transition

STARTED: Final = frozenset({State.IN_PROGRESS, State.COMPLETED, State.CLOSED})
"""States that mean the destination has begun its treatment or service."""
FINISHED: Final = TERMINAL | {State.COMPLETED}
"""States after which a delivery needs nothing more from anyone: the bureau's case is closed when all its
deliveries are here. (Only TERMINAL ones may be pruned: COMPLETED still moves to CLOSED, and a journey that
had forgotten the COMPLETED would take that CLOSED for a new closure.)"""
BUREAU: Final = "BUREAU"


def record_for(journey: Journey, step: Step) -> ReferralRecord:
    """The step's referral record (created empty when a STATE step arrives ahead of its REFERRED step),
    with the step's instant noted as the record's latest activity even if the step is then ignored."""
    assert step.referral_id is not None
    record = journey["referrals"].get(step.referral_id)
    if record is None:
        record = ReferralRecord(
            kind=step.kind,
            source=None,
            referred_at=None,
            facts={},
            facts_at=None,
            deliveries={},
            hours_periods=[],
            last_step_at=iso(step.at),
        )
        journey["referrals"][step.referral_id] = record
    if record["kind"] is None:
        record["kind"] = step.kind
    if step.at > instant(record["last_step_at"]):
        record["last_step_at"] = iso(step.at)
    return record


def record_referred(journey: Journey, step: Step) -> ReferralRecord:
    """A REFERRED step: the latest-routed version's facts win; the first routing time stays the clocks' start."""
    record = record_for(journey, step)
    record["kind"] = step.kind
    if record["referred_at"] is None or step.at < instant(record["referred_at"]):
        record["referred_at"] = iso(step.at)
    if record["facts_at"] is None or step.at >= instant(record["facts_at"]):
        record["facts"] = referral_facts(step.attributes)
        record["facts_at"] = iso(step.at)
        record["source"] = step.attributes.get("source") or record["source"]
    return record


def record_state(journey: Journey, step: Step) -> Delivery | None:
    """A STATE step moves the destination's delivery; a stale or illegal one (an old answer replayed after a
    newer one) is ignored, so a delivery never goes back. Returns the delivery if it changed."""
    assert step.destination is not None and step.state is not None
    record = record_for(journey, step)
    delivery = record["deliveries"].get(step.destination)
    if delivery is None:
        # The first state the journey hears of may be any state: earlier steps may have been missed.
        delivery = Delivery(state=step.state, at=iso(step.at), started_at=None, start_step=None)
        record["deliveries"][step.destination] = delivery
    elif delivery["state"] != step.state:
        try:
            check_transition(State(delivery["state"]), step.state)
        except IllegalTransition:
            return None
        delivery["state"] = step.state
        delivery["at"] = iso(step.at)
    if step.state in STARTED and (delivery["started_at"] is None or step.at < instant(delivery["started_at"])):
        delivery["started_at"] = iso(step.at)
        delivery["start_step"] = step.label
    return delivery


def record_hours(journey: Journey, step: Step) -> None:
    """TREATMENT_HOURS: the first and last month with attended community-treatment hours (社區處遇)."""
    record = record_for(journey, step)
    periods = sorted({*record["hours_periods"], step.attributes["period"]})
    record["hours_periods"] = [periods[0], periods[-1]] if len(periods) > 1 else periods


def bureau_case_open(journey: Journey) -> bool:
    """Whether any referral still has a bureau delivery that is not finished (the bureau's case is open)."""
    return any(
        State(delivery["state"]) not in FINISHED
        for record in journey["referrals"].values()
        for destination, delivery in record["deliveries"].items()
        if destination == BUREAU
    )
