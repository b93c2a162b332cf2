"""The hub's clock (時鐘), injected everywhere a business time is taken: receipt, routing, answers, SLA ticks.

In production it is the wall clock. A test deployment (``REFHUB_MOVABLE_CLOCK=true``) may move it forward
through the operator's admin endpoint, so an end-to-end test can walk a referral past its 24-hour deadline in
seconds. Only forward: a clock that went back would let an answer predate the routing it answers — so the
offset is kept in the data directory and survives a restart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path


class ClockNotMovable(RuntimeError):
    """This deployment runs on the wall clock."""


class HubClock:
    def __init__(self, *, movable: bool = False, offset_file: Path | None = None) -> None:
        self.movable = movable
        self._offset_file = offset_file if movable else None
        self._offset = timedelta(0)
        if self._offset_file is not None and self._offset_file.exists():
            self._offset = timedelta(seconds=float(self._offset_file.read_text()))

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
        if self._offset_file is not None:
            self._offset_file.write_text(f"{self._offset.total_seconds()!r}\n")
        return self.now()
