"""The reporting period: whole days in Asia/Taipei, both ends included (期中 1/1–6/30, 期末 1/1–12/31)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from processors.sla.calendar import TAIPEI


class InvalidPeriod(ValueError):
    """The period cannot be reported on; the message says why, for the operator."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidPeriod(f"--to {self.last.isoformat()} is before --from {self.first.isoformat()}")

    @classmethod
    def parse(cls, first: str, last: str) -> Period:
        try:
            return cls(date.fromisoformat(first), date.fromisoformat(last))
        except ValueError as error:
            if isinstance(error, InvalidPeriod):
                raise
            raise InvalidPeriod(f"dates are YYYY-MM-DD (e.g. 2025-01-01): got {first!r} and {last!r}") from None

    @property
    def start(self) -> datetime:
        """00:00 Asia/Taipei of the first day."""
        return datetime.combine(self.first, time(0, 0), TAIPEI)

    @property
    def end(self) -> datetime:
        """00:00 Asia/Taipei after the last day (the period is ``[start, end)``)."""
        return datetime.combine(self.last + timedelta(days=1), time(0, 0), TAIPEI)

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def holds(self, day: date) -> bool:
        return self.first <= day <= self.last

    def __str__(self) -> str:
        return f"{self.first.isoformat()} – {self.last.isoformat()}"
