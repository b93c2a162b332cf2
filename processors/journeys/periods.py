"""Calendar periods in Asia/Taipei: calendar months (``YYYY-MM``) for the follow-up cadence (追輔模式) and
months counted from a date for the youth quarters. The bureau's months are Taipei months: a contact at
2025-07-31 23:30 Taipei belongs to July even though it is already August in no time zone that matters here."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time

from processors.sla.calendar import TAIPEI


def midnight(day: date) -> datetime:
    """00:00 Asia/Taipei on ``day``: a release "on" a date counts from its first minute."""
    return datetime.combine(day, time(0, 0), TAIPEI)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (2025-01-31 + 1 → 2025-02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_of(at: datetime) -> str:
    local = at.astimezone(TAIPEI)
    return f"{local.year:04d}-{local.month:02d}"


def shift_month(month: str, months: int) -> str:
    first = add_months(date(int(month[:4]), int(month[5:7]), 1), months)
    return f"{first.year:04d}-{first.month:02d}"


def month_start(month: str) -> datetime:
    return midnight(date(int(month[:4]), int(month[5:7]), 1))


def month_end(month: str) -> datetime:
    """The first instant of the next month (periods are half-open: ``[start, end)``)."""
    return month_start(shift_month(month, 1))


def months_spanned(first: str, last: str) -> int:
    """Calendar months from ``first`` to ``last``, both included (2025-07 … 2025-09: 3)."""
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7]) + 1
