"""Monthly reporting periods (月報期間) in Asia/Taipei: ``YYYY-MM`` strings, which sort in time order."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from processors.sla.calendar import TAIPEI

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_at(instant: datetime) -> str:
    """The Taipei calendar month an instant falls in (23:30 UTC on the 31st is already next month there)."""
    return month_of(instant.astimezone(TAIPEI).date())


def _parts(period: str) -> tuple[int, int]:
    match = _PERIOD.match(period)
    if not match:
        raise ValueError(f"not a monthly period (YYYY-MM): {period!r}")
    return int(match.group(1)), int(match.group(2))


def is_period(text: str) -> bool:
    return bool(_PERIOD.match(text))


def shift(period: str, months: int) -> str:
    year, month = _parts(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_end(period: str) -> datetime:
    """The first instant after the period: 00:00 Asia/Taipei on the first day of the next month."""
    year, month = _parts(shift(period, 1))
    return datetime.combine(date(year, month, 1), time(0, 0), TAIPEI)
