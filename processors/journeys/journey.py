"""One journey per person (個案歷程, keyed by the pseudonymous subject id): apply a step, look at the clocks,
say when to look next, and list the open break points (斷點).

A step is applied in three moves: first the clocks are brought up to the step's own time (what was due
before it happened is judged without it), then the step is taken in, then the clocks are brought up to
``now``. A plan's events come out in the order they happened.

Applying a step twice changes nothing and emits nothing: a recent step id is recognised outright, an older
repeat by the state it would change (a contact is kept by step id, a delivery never moves back, a clock
already started is not started again, a withdrawn referral stays withdrawn until a newer version is routed,
and what was pruned is older than ``kept_from``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, cast

from processors.journeys import followup, stages, withdrawal
from processors.journeys import judge as judging
from processors.journeys.duties import referral_duties, release_day, window_start
from processors.journeys.events import chronological
from processors.journeys.model import (
    Contact,
    Journey,
    OpenGap,
    instant,
    iso,
    new_journey,
)
from processors.journeys.periods import midnight, month_start
from processors.journeys.policy import JourneyPolicy
from processors.journeys.pruning import prune
from processors.journeys.referrals import (
    BUREAU,
    FINISHED,
    bureau_case_open,
    record_hours,
    record_referred,
    record_state,
)
from processors.journeys.steps import InvalidStep, Step, parse_step
from processors.journeys.treatment import first_start
from processors.lifecycle import State

__all__ = ["InvalidStep", "Journey", "JourneyPlan", "apply_step", "check_due", "next_instant", "open_gaps"]

MAX_SEEN: Final = 64
"""Recent step ids remembered verbatim; repeats older than that are recognised from the state."""
_CLOSING: Final = frozenset({State.COMPLETED, State.CLOSED})


@dataclass(frozen=True)
class JourneyPlan:
    journey: Journey | None
    """The new journey to store, or None when nothing changed."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """SLA events (no ``gap_id`` key) and break-point events (with ``gap_id``), in the order they happened
    (:func:`.events.chronological`)."""


def apply_step(journey: Journey | None, step: Mapping[str, Any], policy: JourneyPolicy, now: datetime) -> JourneyPlan:
    """Apply one step at ``now``; :class:`InvalidStep` if the step is malformed or another person's."""
    taken = parse_step(step)
    if journey is not None and taken.subject_id != journey["subject_id"]:
        raise InvalidStep(f"subject_id: step for {taken.subject_id} applied to the journey of {journey['subject_id']}")
    if taken.type == "CHECK":
        return check_due(journey, now, policy)
    if journey is not None and (taken.step_id in journey["seen"] or _forgotten(journey, taken)):
        return JourneyPlan(journey=None)
    work = copy.deepcopy(journey) if journey is not None else new_journey(taken.subject_id)
    events = _advance(work, min(now, taken.at), policy)
    events += _take(work, taken, policy)
    events += _advance(work, now, policy)
    prune(work, now, policy)
    work["seen"] = [*work["seen"], taken.step_id][-MAX_SEEN:]
    return JourneyPlan(journey=None if work == journey else work, events=chronological(events))


def check_due(journey: Journey | None, now: datetime, policy: JourneyPolicy) -> JourneyPlan:
    """Judge every clock at ``now`` (a timer's CHECK): warnings, breaches and break points that fell due."""
    if journey is None:
        return JourneyPlan(journey=None)
    work = copy.deepcopy(journey)
    events = _advance(work, now, policy)
    prune(work, now, policy)
    return JourneyPlan(journey=None if work == journey else work, events=chronological(events))


def next_instant(journey: Mapping[str, Any]) -> datetime | None:
    """The earliest instant this journey must be looked at even if no step arrives (for the due index)."""
    stored = cast(Journey, journey)
    instants = [at for duty in stored["duties"].values() if (at := judging.next_instant(duty)) is not None]
    spell = stored["followup"]
    if spell is not None and spell["closed_at"] is None:
        instants.append(month_start(spell["next_month"]))
    return min(instants, default=None)


def open_gaps(journey: Mapping[str, Any]) -> list[OpenGap]:
    """The person's break points still open, oldest first (status view; open-gaps-by-type metric)."""
    stored = cast(Journey, journey)
    gaps = [
        OpenGap(
            gap_id=gap["gap_id"],
            gap_type=duty["gap_type"],
            subject_id=stored["subject_id"],
            referral_id=duty["referral_id"],
            stage=duty["stage"],
            period=duty["period"],
            detail=gap["detail"],
            due_at=duty["due_at"],
            opened_at=gap["opened_at"],
        )
        for duty in stored["duties"].values()
        if (gap := duty["gap"]) is not None and gap["closed_at"] is None
    ]
    return sorted(gaps, key=lambda gap: (instant(gap["opened_at"]), gap["gap_id"]))


# --- the three moves ---------------------------------------------------------------------------------------


def _advance(journey: Journey, at: datetime, policy: JourneyPolicy) -> list[dict[str, Any]]:
    followup.open_months(journey, at, policy)
    events: list[dict[str, Any]] = []
    for duty in journey["duties"].values():
        events += judging.judge(duty, journey, at)
    return events


def _take(journey: Journey, step: Step, policy: JourneyPolicy) -> list[dict[str, Any]]:
    if step.type == "REFERRED":
        return _referred(journey, step, policy)
    elif step.type == "STATE":
        return _state(journey, step)
    elif step.type == "CONTACT":
        _contact(journey, step, policy)
    elif step.type == "TREATMENT_HOURS":
        record_hours(journey, step)
    return []


def _forgotten(journey: Journey, step: Step) -> bool:
    """A step dated before ``kept_from`` is settled history replayed. Nothing still open can need it: the
    pruning horizon never passes the window of a clock still running, so a live step is never this old."""
    kept_from = journey["kept_from"]
    return kept_from is not None and step.at < instant(kept_from)


# --- taking each kind of step ------------------------------------------------------------------------------


def _referred(journey: Journey, step: Step, policy: JourneyPolicy) -> list[dict[str, Any]]:
    assert step.referral_id is not None
    record = record_referred(journey, step)
    stages.mark(journey, stages.stage_of_kind(step.kind), step.at, step.referral_id, step.kind)
    _mark_treatment(journey, step.referral_id)
    day = release_day(record)
    if record["kind"] == "PRE_RELEASE" and day is not None:
        stages.mark(journey, stages.RELEASE, midnight(day), step.referral_id, step.kind, moved=True)
    wanted = referral_duties(journey, step.referral_id, record, policy)
    wanted_ids = {duty["clock_id"] for duty in wanted}
    for clock_id, duty in list(journey["duties"].items()):
        # A newer version moved a date: a clock of the old date that has not yet said anything is withdrawn;
        # one that has spoken stays, so its events keep a sequel.
        if duty["referral_id"] == step.referral_id and clock_id not in wanted_ids and judging.silent(duty):
            del journey["duties"][clock_id]
    kept_from = journey["kept_from"]
    for duty in wanted:
        if duty["clock_id"] in journey["duties"]:
            continue
        if kept_from is not None and window_start(duty) < instant(kept_from):
            continue  # the journey no longer holds the contacts such a clock would count
        journey["duties"][duty["clock_id"]] = duty
    # A referral already withdrawn (its cancellations arrived first, or this is a repeat) keeps no new clock.
    return withdrawal.withdraw(journey, step)


def _mark_treatment(journey: Journey, referral_id: str) -> None:
    """The person entered treatment when a treating destination started; which destinations treat is known
    only once the REFERRED step says whether treatment was ordered, so both kinds of step look."""
    record = journey["referrals"][referral_id]
    start = first_start(record) if record["kind"] == "DEFERRED_PROSECUTION" else None
    if start is not None:
        stages.mark(journey, stages.TREATMENT, start[0], referral_id, record["kind"])


def _state(journey: Journey, step: Step) -> list[dict[str, Any]]:
    assert step.referral_id is not None and step.destination is not None and step.state is not None
    known = journey["referrals"].get(step.referral_id)
    before = known["deliveries"].get(step.destination) if known is not None else None
    was_finished = before is not None and State(before["state"]) in FINISHED
    delivery = record_state(journey, step)
    if delivery is None:
        return []
    _mark_treatment(journey, step.referral_id)
    events = withdrawal.withdraw(journey, step)
    # The case closes when a bureau delivery moves into COMPLETED or CLOSED and no other one is still open;
    # COMPLETED followed by CLOSED, or a repeat, closes nothing a second time.
    closing = step.destination == BUREAU and delivery["state"] in _CLOSING and not was_finished
    if closing and not bureau_case_open(journey):
        events += followup.close_case(journey, step)
    return events


def _contact(journey: Journey, step: Step, policy: JourneyPolicy) -> None:
    contacts = journey["contacts"]
    if step.reached and all(contact["step_id"] != step.step_id for contact in contacts):
        contacts.append(Contact(step_id=step.step_id, at=iso(step.at), home=step.home_visit))
        contacts.sort(key=lambda contact: (instant(contact["at"]), contact["step_id"]))
    if step.need_level is not None:
        followup.note_need_level(journey, step, policy)
