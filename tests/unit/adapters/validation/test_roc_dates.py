from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import FieldError
from adapters.validation import format_roc_date, parse_roc_date, parse_roc_datetime

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("114/07/15", date(2025, 7, 15)),
        ("1140715", date(2025, 7, 15)),
        ("中華民國114年7月15日", date(2025, 7, 15)),
        ("民國114年7月15日", date(2025, 7, 15)),
        ("中華民國 114 年 07 月 15 日", date(2025, 7, 15)),
        ("0700305", date(1981, 3, 5)),
        ("070/03/05", date(1981, 3, 5)),
        ("70/3/5", date(1981, 3, 5)),
        ("１１４/０７/１５", date(2025, 7, 15)),  # full-width digits typed on a Chinese IME
        ("  114/07/15\t", date(2025, 7, 15)),
        ("113/02/29", date(2024, 2, 29)),  # 2024 is a leap year
        ("1/1/1", date(1912, 1, 1)),  # 民國元年
    ],
)
def test_parses_every_accepted_form(text: str, expected: date) -> None:
    assert parse_roc_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "114/02/30",
        "1140230",
        "中華民國114年2月30日",
        "114/02/29",  # 2025 is not a leap year
        "114/13/01",
        "114/00/10",
        "000/01/01",  # there is no 民國 0
        "0000101",
        "2025-07-15",
        "114-07-15",
        "11407155",
        "114715",
        "1140/07/15",
        "114/07/15/1",
        "114/07/15 14:30",
        "abc",
        "",
        "   ",
    ],
)
def test_rejects_impossible_or_unknown_dates(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_roc_date(text)
    assert caught.value.code == "INVALID_DATE"


def test_date_error_names_the_expected_forms() -> None:
    with pytest.raises(FieldError) as caught:
        parse_roc_date("114/02/30")
    for form in ("114/07/15", "1140715", "中華民國114年7月15日"):
        assert form in caught.value.reason
    assert "114/02/30" in caught.value.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("114/07/15 14:30", datetime(2025, 7, 15, 14, 30, tzinfo=TAIPEI)),
        ("114/07/15 9:05", datetime(2025, 7, 15, 9, 5, tzinfo=TAIPEI)),
        ("114/07/15  14:30:05", datetime(2025, 7, 15, 14, 30, 5, tzinfo=TAIPEI)),
        ("1140715 00:00", datetime(2025, 7, 15, 0, 0, tzinfo=TAIPEI)),
        ("中華民國114年7月15日 23:59", datetime(2025, 7, 15, 23, 59, tzinfo=TAIPEI)),
    ],
)
def test_parses_datetimes_as_taipei_local_time(text: str, expected: datetime) -> None:
    parsed = parse_roc_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    "text",
    ["114/07/15", "114/07/15 24:00", "114/07/15 14:60", "114/02/30 10:00", "114/07/1514:30", "14:30", ""],
)
def test_rejects_bad_datetimes(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_roc_datetime(text)
    assert caught.value.code == "INVALID_DATETIME"
    assert "114/07/15 14:30" in caught.value.reason


@pytest.mark.parametrize(
    ("style", "expected"),
    [("slash", "070/03/05"), ("compact", "0700305"), ("official", "中華民國70年3月5日")],
)
def test_formats_each_style(style: str, expected: str) -> None:
    assert format_roc_date(date(1981, 3, 5), style) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("day", [date(1911, 12, 31), date(2911, 1, 1)])
def test_refuses_to_format_dates_outside_three_digit_roc_years(day: date) -> None:
    with pytest.raises(ValueError):
        format_roc_date(day, "slash")


@given(
    day=st.dates(min_value=date(1912, 1, 1), max_value=date(2111, 12, 31)),  # 民國 1–200
    style=st.sampled_from(["slash", "compact", "official"]),
)
def test_format_then_parse_round_trips(day: date, style: str) -> None:
    assert parse_roc_date(format_roc_date(day, style)) == day  # type: ignore[arg-type]
