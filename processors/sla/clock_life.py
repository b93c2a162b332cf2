"""One clock's life: made from a policy row, met, falling due; and what the hub announces at each step."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from processors.sla.calendar import WorkingCalendar
from processors.sla.clocks import deadlines
from processors.sla.policy import ClockRule
from processors.sla.records import Clock, clock_id, instant, iso, sla_event


def clock_times(
    rule: ClockRule, started_at: datetime, release_at: datetime | None, calendar: WorkingCalendar
) -> tuple[datetime | None, datetime] | None:
    """(warning_at, due_at) of a clock started at ``started_at``; None when its due anchor is unknown."""
    if rule.due == "RELEASE":
        if release_at is None:
            return None
        assert not isinstance(rule.allowed, int)  # policy.py: a due anchor takes an elapsed offset
        due = release_at + rule.allowed
        if rule.warn_at is None or due <= started_at:
            return None, due
        return started_at + (due - started_at) * rule.warn_at, due
    span = deadlines(rule.timing, started_at, calendar)
    return span.warning_at, span.due_at


def new_clock(
    rule: ClockRule,
    owner: Mapping[str, Any],
    destination: str,
    started_at: datetime,
    times: tuple[datetime | None, datetime],
    *,
    period: str | None = None,
    last_period: str | None = None,
    version: int = 1,
) -> Clock:
    """An open clock for ``owner``'s referral (``owner`` has its referral_id, kind, source and subject_id), made
    for its ``version`` (see :func:`processors.sla.records.clock_id`)."""
    warning_at, due_at = times
    return Clock(
        clock_id=clock_id(owner["referral_id"], rule.clock, destination, period, version),
        clock=rule.clock,
        referral_id=owner["referral_id"],
        kind=owner["kind"],
        source=owner["source"],
        subject_id=owner["subject_id"],
        destination=destination,
        period=period,
        last_period=last_period,
        started_at=iso(started_at),
        warning_at=iso(warning_at) if warning_at else None,
        due_at=iso(due_at),
        status="OPEN",
        met_at=None,
        basis=rule.basis,
    )


def met(clock: Clock, at: datetime) -> tuple[Clock, dict[str, Any]]:
    """The duty was done at ``at``: on time, or late if after the deadline."""
    done: Clock = {**clock, "status": "MET", "met_at": iso(at)}
    return done, sla_event(done, "MET", at, late=at > instant(clock["due_at"]))


def due_events(clock: Clock, rule: ClockRule, at: datetime) -> list[dict[str, Any]]:
    """What the hub announces when a clock's deadline passes unmet."""
    if rule.on_due == "EXPIRE":
        return [sla_event(clock, "EXPIRED", at)]
    if rule.on_due == "LATE_NOTICE":
        return [sla_event(clock, "LATE_NOTICE", at)]
    return [
        sla_event(clock, "BREACH", at),
        sla_event(clock, "ESCALATION", at, escalate_to=rule.escalation(clock["destination"])),
    ]


def decision_events(clock: Clock, rule: ClockRule) -> list[dict[str, Any]]:
    """A clock decided at routing (met by receipt or routing itself): late at once, or met on time."""
    assert clock["met_at"] is not None
    met_at = instant(clock["met_at"])
    late = met_at > instant(clock["due_at"])
    return [*(due_events(clock, rule, met_at) if late else []), sla_event(clock, "MET", met_at, late=late)]


def judge(clock: Clock, rule: ClockRule, now: datetime, events: list[dict[str, Any]], expire: list[str]) -> Clock:
    """An open clock looked at ``now``: due (breached, expired or a late notice), warned, or as it was. A clock
    whose deadline has passed gives no warning: the breach says more."""
    due_at = instant(clock["due_at"])
    if now >= due_at:
        events.extend(due_events(clock, rule, due_at))
        if rule.on_due == "EXPIRE":
            expire.append(clock["destination"])
            return {**clock, "status": "EXPIRED"}
        return {**clock, "status": "BREACHED"}
    warning_at = clock["warning_at"]
    if clock["status"] == "OPEN" and warning_at is not None and now >= instant(warning_at):
        events.append(sla_event(clock, "WARNING", instant(warning_at)))
        return {**clock, "status": "WARNED"}
    return clock


def retimed(clock: Clock, rule: ClockRule, calendar: WorkingCalendar) -> Clock:
    """An open clock's deadlines from its start with the current row and calendar: a typhoon day declared after
    it started still moves a working-day deadline."""
    if rule.due is not None:
        return clock  # anchored on a referral date the clock does not keep; re-timed on amendment instead
    span = deadlines(rule.timing, instant(clock["started_at"]), calendar)
    warning_at = iso(span.warning_at) if span.warning_at else None
    due_at = iso(span.due_at)
    if (warning_at, due_at) == (clock["warning_at"], clock["due_at"]):
        return clock
    return {**clock, "warning_at": warning_at, "due_at": due_at}
