"""The hub's clock (時鐘), injected everywhere a business time is taken: receipt, routing, answers, SLA ticks.

In production it is the wall clock. A test deployment (``REFHUB_MOVABLE_CLOCK=true``) may move it forward
through the operator's admin endpoint, so an end-to-end test can walk a referral past its 24-hour deadline in
seconds. Only forward: a clock that went back would let an answer predate the routing it answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ClockNotMovable(RuntimeError):
    """This deployment runs on the wall clock."""


class HubClock:
    def __init__(self, *, movable: bool = False) -> None:
        self.movable = movable
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: timedelta) -> datetime:
        if not self.movable:
            raise ClockNotMovable("the hub runs on the wall clock (set REFHUB_MOVABLE_CLOCK=true in a test deployment)")
        if delta < timedelta(0):
            raise ValueError("the hub's clock only moves forward")
        self._offset += delta
        return self.now()
