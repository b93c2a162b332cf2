"""Taiwan's government working-day calendar (行政機關辦公日曆), Asia/Taipei, plus operator overrides.

The ``holidays`` package carries Taiwan's public holidays, substituted days off and Saturday make-up workdays
(補行上班), so the hub keeps no hand-made calendar. Operators add what no calendar knows in advance: typhoon
days (停班) are declared the evening before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

TAIPEI = ZoneInfo("Asia/Taipei")


class WorkingCalendar:
    def __init__(self, days_off: Iterable[date] = (), extra_workdays: Iterable[date] = ()) -> None:
        self._days_off = frozenset(days_off)
        self._extra_workdays = frozenset(extra_workdays)
        self._years: dict[int, holidays.HolidayBase] = {}

    def _official(self, year: int) -> holidays.HolidayBase:
        if year not in self._years:
            self._years[year] = holidays.country_holidays("TW", years=year)
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        if day in self._days_off:
            return False
        if day in self._extra_workdays:
            return True
        return bool(self._official(day.year).is_working_day(day))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same Taipei clock time ``days`` working days later (a start on a day off counts from the next
        working day's beginning)."""
        local = start.astimezone(TAIPEI)
        day = local.date()
        if not self.is_working_day(day):
            while not self.is_working_day(day):
                day += timedelta(days=1)
            local = datetime.combine(day, time(0, 0), TAIPEI)
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, local.timetz().replace(tzinfo=None), TAIPEI)

    def with_override(self, *, day_off: date | None = None, workday: date | None = None) -> WorkingCalendar:
        return WorkingCalendar(
            self._days_off | ({day_off} if day_off else set()), self._extra_workdays | ({workday} if workday else set())
        )
