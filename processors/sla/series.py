"""Recurring duties (e.g. the monthly progress report, 每月回報): one clock per period, made one at a time.

A duty's clocks share their clock name and destination; the latest period's clock is its frontier. The next
period's clock is owed once the frontier is met or breached, until the duty's last period (kept on every clock
of the duty, so a later step needs nothing but the clocks).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any, Final

from processors.sla.calendar import WorkingCalendar
from processors.sla.clock_life import met, new_clock
from processors.sla.clocks import deadlines
from processors.sla.periods import month_at, month_of, period_end, shift
from processors.sla.policy import ClockRule
from processors.sla.records import Clock, instant

DEFAULT_MONTHS: Final = 12
"""Monthly reports run this many months when the referral gives no end (no deferral_end)."""


def series_range(routed_at: datetime, start: date | None, end: date | None) -> tuple[str, str]:
    """The periods a duty covers: from the month routed (Asia/Taipei), or the deferral's start if later — a
    month before the bureau had the case has nothing to report — to the deferral's end, else a year."""
    first = month_at(routed_at)
    if start is not None:
        first = max(first, month_of(start))
    last = month_of(end) if end is not None else shift(first, DEFAULT_MONTHS - 1)
    return first, last


def period_clock(
    rule: ClockRule,
    owner: Mapping[str, Any],
    destination: str,
    period: str,
    last: str,
    reports: dict[str, str],
    calendar: WorkingCalendar,
    version: int,
) -> tuple[Clock, list[dict[str, Any]]]:
    """One period's clock, running from the period's end; met at once by a report that came before it (taken
    out of ``reports``). ``version``: the one the series started at (its id; a restarted series has another)."""
    started_at = period_end(period)
    span = deadlines(rule.timing, started_at, calendar)
    clock = new_clock(
        rule,
        owner,
        destination,
        started_at,
        (span.warning_at, span.due_at),
        period=period,
        last_period=last,
        version=version,
    )
    reported = reports.pop(period, None)
    if reported is None:
        return clock, []
    done, event = met(clock, instant(reported))
    return done, [event]


def members(clocks: Mapping[str, Clock], clock: str, destination: str) -> list[str]:
    return [key for key, c in clocks.items() if (c["clock"], c["destination"]) == (clock, destination)]


def frontiers(clocks: Mapping[str, Clock]) -> Iterator[tuple[str, Clock]]:
    """The latest period's clock of each recurring duty (clock name × destination). A duty restarted by an
    amendment may hold two clocks of one period: the stopped one is not the frontier."""
    latest: dict[tuple[str, str], tuple[str, Clock]] = {}
    for key, clock in clocks.items():
        if clock["period"] is None:
            continue
        duty = (clock["clock"], clock["destination"])
        if duty not in latest or _rank(clock) > _rank(latest[duty][1]):
            latest[duty] = (key, clock)
    yield from latest.values()


def _rank(clock: Clock) -> tuple[str, bool]:
    return clock["period"] or "", clock["status"] != "STOPPED"


def ended(frontier: Clock) -> bool:
    """Whether a duty has nothing left to run: its frontier stopped (the delivery ended or was dropped), or was
    met or breached in its last period."""
    if frontier["status"] == "STOPPED":
        return True
    return frontier["status"] not in ("OPEN", "WARNED") and frontier["last_period"] == frontier["period"]


def successor_owed(frontier: Clock) -> bool:
    """The next period is owed once the current one is met or breached, until the last."""
    return (
        frontier["status"] in ("MET", "BREACHED")
        and frontier["period"] is not None
        and frontier["last_period"] is not None
        and frontier["period"] < frontier["last_period"]
    )


def end_duty(clocks: dict[str, Clock], frontier_key: str) -> None:
    """No periods after the frontier's (the delivery ended, or the row is gone)."""
    frontier = clocks[frontier_key]
    for key in members(clocks, frontier["clock"], frontier["destination"]):
        clocks[key] = {**clocks[key], "last_period": frontier["period"]}


def next_period(frontier: Clock) -> str:
    assert frontier["period"] is not None
    return shift(frontier["period"], 1)


def successor_start(frontier: Clock) -> datetime:
    """When the next period's clock starts (the next period's end): none of its instants falls before."""
    return period_end(next_period(frontier))


def report_expected(clocks: Mapping[str, Clock], period: str) -> bool:
    """Whether some duty will still make a clock for ``period`` (a report ahead of its clock is worth keeping)."""
    return any(
        frontier["period"] is not None
        and frontier["last_period"] is not None
        and frontier["period"] < period <= frontier["last_period"]
        for _, frontier in frontiers(clocks)
    )
