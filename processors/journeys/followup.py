"""Community follow-up (社區追蹤輔導) at a need level's cadence (追輔模式).

A contact carrying a need level puts the person under follow-up at that level's cadence — the latest level
wins — until the bureau closes the case. Each calendar month after the one the follow-up began in has its
own cadence clock, started when the month begins and judged when it ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from processors.journeys import stages
from processors.journeys.duties import cadence_month, set_level
from processors.journeys.events import gap_event
from processors.journeys.judge import settled
from processors.journeys.model import FollowUp, Journey, instant, iso
from processors.journeys.periods import month_of, month_start, shift_month
from processors.journeys.policy import JourneyPolicy
from processors.journeys.steps import Step

CADENCE = "FOLLOWUP_CADENCE"


def note_need_level(journey: Journey, step: Step, policy: JourneyPolicy) -> None:
    """A contact with a need level: start (or restart, after a closed case) the follow-up, or change its level."""
    level, at = step.need_level, step.at
    assert level is not None
    followup = journey["followup"]
    if followup is None or (followup["closed_at"] is not None and at > instant(followup["closed_at"])):
        first_month = shift_month(month_of(at), 1)
        # A restarted spell never re-opens a month the previous spell already had a clock for.
        if followup is not None and followup["next_month"] > first_month:
            first_month = followup["next_month"]
        journey["followup"] = FollowUp(
            since=iso(at), level=level, level_at=iso(at), level_by=step.step_id, closed_at=None, next_month=first_month
        )
        stages.mark(journey, stages.FOLLOW_UP, at)
        return
    if followup["closed_at"] is not None or (at, step.step_id) <= (instant(followup["level_at"]), followup["level_by"]):
        return  # an older assessment reported late (or this one again): the newer level stands
    followup["level"], followup["level_at"], followup["level_by"] = level, iso(at), step.step_id
    for duty in journey["duties"].values():
        # Months still running (or yet to be judged) at the time of the assessment follow the new level.
        running = duty["met_at"] is None and not duty["breached"] and instant(duty["due_at"]) > at
        if duty["clock"] == CADENCE and running:
            set_level(duty, followup, policy, changed_by=step.label)


def open_months(journey: Journey, now: datetime, policy: JourneyPolicy) -> None:
    """Start the cadence clock of every month of an open follow-up that has begun by ``now``."""
    followup = journey["followup"]
    if followup is None or followup["closed_at"] is not None:
        return
    while month_start(followup["next_month"]) <= now:
        duty = cadence_month(journey, followup["next_month"], followup, policy)
        journey["duties"].setdefault(duty["clock_id"], duty)
        followup["next_month"] = shift_month(followup["next_month"], 1)


def close_case(journey: Journey, step: Step) -> list[dict[str, Any]]:
    """The bureau closed the case (結案): follow-up ends, running months stop, and break points left open by
    missed months end with it — nobody is owed a contact any more."""
    stages.mark(journey, stages.CLOSURE, step.at)
    followup = journey["followup"]
    if followup is None or followup["closed_at"] is not None or step.at < instant(followup["since"]):
        return []
    followup["closed_at"] = iso(step.at)
    events = []
    for clock_id, duty in list(journey["duties"].items()):
        if duty["clock"] != CADENCE:
            continue
        gap = duty["gap"]
        if gap is not None and gap["closed_at"] is None:
            gap["closed_at"] = iso(max(step.at, instant(gap["opened_at"])))
            gap["closed_by"] = step.label
            events.append(gap_event(journey["subject_id"], duty, gap, "CLOSED"))
        elif not settled(duty):
            del journey["duties"][clock_id]
    return events
