"""ROC calendar dates (民國紀年): 民國 year + 1911 = Gregorian year; times are Asia/Taipei local.

Accepted forms (PARTNER_FORMATS.md, "ROC dates"):

* slash (斜線)   ``114/07/15`` — year of 1–3 digits, month and day of 1–2 digits;
* compact (7 碼) ``1140715`` — always 7 digits, the year zero-padded (``0700305`` = 1981-03-05);
* official (公文) ``中華民國114年7月15日`` (``民國114年7月15日`` is accepted too).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from adapters.base import FieldError
from adapters.validation.text import clean, quote

TAIPEI = ZoneInfo("Asia/Taipei")
ROC_EPOCH_OFFSET = 1911
"""民國元年 is 1912: Gregorian year = ROC year + 1911."""

RocDateStyle = Literal["slash", "compact", "official"]

_SLASH = re.compile(r"(\d{1,3})/(\d{1,2})/(\d{1,2})", re.ASCII)
_COMPACT = re.compile(r"(\d{3})(\d{2})(\d{2})", re.ASCII)
_OFFICIAL = re.compile(r"(?:中華)?民國\s*(\d{1,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", re.ASCII)
_DATETIME = re.compile(r"(.+?)\s+(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)

_DATE_FORMS = "114/07/15、1140715 或 中華民國114年7月15日"
_DATETIME_FORMS = "「114/07/15 14:30」的格式（民國年月日，空一格後接 24 小時制的時:分）"


def _invalid_date(text: str) -> FieldError:
    return FieldError("INVALID_DATE", f"{quote(text)}不是有效的民國日期，請依 {_DATE_FORMS} 的格式填寫實際存在的日期。")


def parse_roc_date(text: str) -> date:
    """Parse a 民國日期 in any of the three accepted forms; impossible dates raise ``INVALID_DATE``."""
    value = clean(text)
    for pattern in (_SLASH, _COMPACT, _OFFICIAL):
        match = pattern.fullmatch(value)
        if match is None:
            continue
        roc_year, month, day = (int(part) for part in match.groups())
        if roc_year < 1:
            break  # 民國 0 does not exist; years before 民國元年 are not ROC dates
        try:
            return date(roc_year + ROC_EPOCH_OFFSET, month, day)
        except ValueError:
            break
    raise _invalid_date(value)


def parse_roc_datetime(text: str) -> datetime:
    """Parse 民國日期 + 時間 (``114/07/15 14:30``) as an aware Asia/Taipei datetime (``INVALID_DATETIME``).

    Seconds (``14:30:05``) are tolerated because some exports append them.
    """
    value = clean(text)
    match = _DATETIME.fullmatch(value)
    if match is not None:
        date_part, hour, minute, second = match.groups()
        try:
            day = parse_roc_date(date_part)
            clock = time(int(hour), int(minute), int(second or 0))
        except (FieldError, ValueError):
            pass
        else:
            return datetime.combine(day, clock, tzinfo=TAIPEI)
    raise FieldError("INVALID_DATETIME", f"{quote(value)}不是有效的民國日期時間，請依{_DATETIME_FORMS}填寫。")


def format_roc_date(d: date, style: RocDateStyle) -> str:
    """Write a date as 民國日期 in the partner's style: the inverse of :func:`parse_roc_date`.

    ``slash`` zero-pads to ``070/03/05`` (as partners' own exports do), ``compact`` gives ``0700305`` and
    ``official`` gives ``中華民國70年3月5日``.
    """
    roc_year = d.year - ROC_EPOCH_OFFSET
    if not 1 <= roc_year <= 999:
        raise ValueError(f"{d.isoformat()} cannot be written as a 3-digit ROC year")
    if style == "slash":
        return f"{roc_year:03d}/{d.month:02d}/{d.day:02d}"
    if style == "compact":
        return f"{roc_year:03d}{d.month:02d}{d.day:02d}"
    if style == "official":
        return f"中華民國{roc_year}年{d.month}月{d.day}日"
    raise ValueError(f"unknown ROC date style {style!r}")
