"""One clock: when it started, when it warns (80 % of the allowed time, in the clock's own measure) and when
it breaches; and an index of keys by their next instant, so a tick touches only what falls due."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from processors.sla.calendar import TAIPEI, WorkingCalendar

Measure = Literal["ELAPSED", "WORKING_DAYS"]

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ClockPolicy:
    """How long a clock runs: the timing part of a policy-table row."""

    clock: str
    allowed: timedelta | int
    """Elapsed time, or a number of working days."""
    measure: Measure = "ELAPSED"
    warn_at: float | None = 0.8
    """Fraction of the allowed time at which the WARNING falls; None: the clock gives no warning."""


@dataclass(frozen=True)
class Deadlines:
    started_at: datetime
    warning_at: datetime | None
    due_at: datetime


def deadlines(policy: ClockPolicy, started_at: datetime, calendar: WorkingCalendar) -> Deadlines:
    if policy.measure == "ELAPSED":
        assert isinstance(policy.allowed, timedelta)
        due = started_at + policy.allowed
        warning = None if policy.warn_at is None else started_at + policy.allowed * policy.warn_at
        return Deadlines(started_at, warning, due)
    assert isinstance(policy.allowed, int)
    due = calendar.add_working_days(started_at, policy.allowed)
    if policy.warn_at is None:
        return Deadlines(started_at, None, due)
    whole, fraction = divmod(policy.allowed * policy.warn_at, 1)
    warning = calendar.add_working_days(started_at, int(whole))
    return Deadlines(started_at, _add_working_time(calendar, warning, _DAY * fraction), due)


def _add_working_time(calendar: WorkingCalendar, start: datetime, span: timedelta) -> datetime:
    """``span`` of working time after ``start``: hours on days off do not count, so a 2.4-working-day
    warning started on a Wednesday afternoon falls early on Monday, not on Saturday."""
    cursor = start.astimezone(TAIPEI)
    while span > timedelta(0):
        midnight = datetime.combine(cursor.date() + _DAY, time(0, 0), TAIPEI)
        if calendar.is_working_day(cursor.date()):
            step = min(span, midnight - cursor)
            cursor += step
            span -= step
            if not span:
                break
        cursor = midnight
    return cursor


class DueIndex:
    """Keys (e.g. referral ids) by their next instant. A heap of (instant, key) plus each key's current
    instant: rescheduling pushes a new entry and leaves the old one in the heap, recognised as stale when it
    surfaces (lazy deletion). ``schedule`` is O(log n); ``due(now)`` pops only entries at or before ``now``,
    so the work per tick grows with what falls due, not with everything waiting."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, str]] = []
        self._at: dict[str, datetime] = {}

    def schedule(self, key: str, at: datetime | None) -> None:
        """Set ``key``'s next instant, replacing any earlier one; ``None`` removes the key."""
        if at is None:
            self._at.pop(key, None)
        elif self._at.get(key) != at:
            self._at[key] = at
            heapq.heappush(self._heap, (at, key))
        # Rescheduling leaves stale entries behind; rebuilding when they outnumber the live ones keeps the heap
        # within a constant factor of the keys (amortised O(1) per schedule).
        if len(self._heap) > 2 * len(self._at) + 64:
            self._heap = [(instant, name) for name, instant in self._at.items()]
            heapq.heapify(self._heap)

    def due(self, now: datetime) -> list[str]:
        """Remove and return the keys whose instant is at or before ``now``, earliest first."""
        due: list[str] = []
        while self._heap and self._heap[0][0] <= now:
            at, key = heapq.heappop(self._heap)
            if self._at.get(key) == at:
                del self._at[key]
                due.append(key)
        return due

    def __len__(self) -> int:
        return len(self._at)
