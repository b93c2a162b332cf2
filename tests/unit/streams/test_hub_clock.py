"""streams/clock.py: the wall clock in production; only forward, and only in a test deployment, otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streams.clock import ClockNotMovable, HubClock


def test_the_production_clock_is_the_wall_clock_and_cannot_move() -> None:
    clock = HubClock()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    with pytest.raises(ClockNotMovable):
        clock.advance(timedelta(hours=1))


def test_a_movable_clock_moves_forward_only() -> None:
    clock = HubClock(movable=True)
    moved = clock.advance(timedelta(days=3))
    assert moved - datetime.now(UTC) > timedelta(days=3) - timedelta(seconds=5)
    assert clock.offset == timedelta(days=3)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    assert clock.offset == timedelta(days=3)


def test_a_moved_clock_stays_moved_after_a_restart(tmp_path: Path) -> None:
    HubClock(movable=True, offset_file=tmp_path / "clock-offset").advance(timedelta(hours=25))
    assert HubClock(movable=True, offset_file=tmp_path / "clock-offset").offset == timedelta(hours=25)
    assert HubClock(offset_file=tmp_path / "clock-offset").offset == timedelta(0), "production ignores the file"
