"""One clock: when it started, when it warns (80 % of the allowed time, in the clock's own measure) and when
it breaches; and an index of open clocks by deadline, so a tick touches only the clocks falling due."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from processors.sla.calendar import WorkingCalendar

Measure = Literal["ELAPSED", "WORKING_DAYS"]


@dataclass(frozen=True)
class ClockPolicy:
    """A row of the policy table (configurable per deployment)."""

    clock: str
    allowed: timedelta | int
    """Elapsed time, or a number of working days."""
    measure: Measure = "ELAPSED"
    warn_at: float = 0.8


@dataclass(frozen=True)
class Deadlines:
    started_at: datetime
    warning_at: datetime
    due_at: datetime


def deadlines(policy: ClockPolicy, started_at: datetime, calendar: WorkingCalendar) -> Deadlines:
    if policy.measure == "ELAPSED":
        assert isinstance(policy.allowed, timedelta)
        return Deadlines(started_at, started_at + policy.allowed * policy.warn_at, started_at + policy.allowed)
    assert isinstance(policy.allowed, int)
    due = calendar.add_working_days(started_at, policy.allowed)
    # 80 % of working time: counted in working days and the remaining fraction of one more.
    whole, fraction = divmod(policy.allowed * policy.warn_at, 1)
    warning = calendar.add_working_days(started_at, int(whole))
    if fraction:
        warning += (calendar.add_working_days(warning, 1) - warning) * fraction
    return Deadlines(started_at, warning, due)


@dataclass
class DueIndex:
    """Open clocks ordered by their next instant (warning or deadline). ``due(now)`` pops only those at or
    before ``now``: per-tick work grows with the clocks falling due, not with all open clocks."""

    _keys: list[tuple[datetime, str]] = field(default_factory=list)

    def add(self, at: datetime, clock_id: str) -> None:
        bisect.insort(self._keys, (at, clock_id))

    def remove(self, at: datetime, clock_id: str) -> None:
        index = bisect.bisect_left(self._keys, (at, clock_id))
        if index < len(self._keys) and self._keys[index] == (at, clock_id):
            del self._keys[index]

    def due(self, now: datetime) -> list[str]:
        cut = bisect.bisect_right(self._keys, (now, "\U0010ffff"))
        due, self._keys = self._keys[:cut], self._keys[cut:]
        return [clock_id for _, clock_id in due]

    def __len__(self) -> int:
        return len(self._keys)
