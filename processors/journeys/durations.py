"""ISO-8601 durations for the policy table (``P7D``, ``PT24H``, ``P1DT12H``, ``P2W``).

Only fixed-length units: a month or a year has no fixed length, so ``P1M`` is refused rather than guessed.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?",
    re.ASCII,
)
_CALENDAR_UNITS = re.compile(r"P(?:\d+Y)?(?:\d+M)?(?:\d+[WD])*(?:T.*)?", re.ASCII)


def parse_duration(text: str) -> timedelta:
    """A positive fixed-length ISO-8601 duration; ``ValueError`` with a reason otherwise."""
    match = _DURATION.fullmatch(text)
    if match is None or not any(match.groupdict().values()):
        if _CALENDAR_UNITS.fullmatch(text) and ("Y" in text.split("T")[0] or "M" in text.split("T")[0]):
            raise ValueError(f"{text!r}: months and years have no fixed length; write days, e.g. 'P30D'")
        raise ValueError(f"{text!r} is not an ISO-8601 duration such as 'P7D', 'PT24H' or 'P1DT12H'")
    parts = {name: float(value) for name, value in match.groupdict().items() if value}
    duration = timedelta(**parts)
    if duration <= timedelta(0):
        raise ValueError(f"{text!r}: a duration must be longer than zero")
    return duration


def describe(duration: timedelta) -> str:
    """In Chinese, for gap details: ``7 日``, ``36 小時``."""
    if duration % timedelta(days=1) == timedelta(0):
        return f"{duration // timedelta(days=1)} 日"
    return f"{duration / timedelta(hours=1):g} 小時"
