from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from processors.journeys.periods import add_months, month_end, month_of, month_start, months_spanned, shift_month
from processors.sla.calendar import TAIPEI


def test_adding_months_clamps_to_the_months_last_day() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)


def test_months_are_taipei_months() -> None:
    assert month_of(datetime(2025, 8, 31, 16, 0, tzinfo=UTC)) == "2025-09"  # 00:00 on 09-01 in Taipei
    assert month_of(datetime(2025, 8, 31, 15, 59, tzinfo=UTC)) == "2025-08"
    assert month_start("2025-09") == datetime(2025, 9, 1, tzinfo=TAIPEI)
    assert month_end("2025-12") == datetime(2026, 1, 1, tzinfo=TAIPEI)
    assert months_spanned("2025-11", "2026-01") == 3


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(-240, 240))
def test_month_arithmetic_agrees(day: date, months: int) -> None:
    moved = add_months(day, months)
    month = f"{day.year:04d}-{day.month:02d}"
    assert f"{moved.year:04d}-{moved.month:02d}" == shift_month(month, months)
    assert moved.day <= day.day
    if months >= 0:
        assert months_spanned(month, shift_month(month, months)) == months + 1
