"""deadlines(): the warning at 80 % of the allowed time, in the clock's own measure."""

from datetime import date, timedelta

from processors.sla.calendar import WorkingCalendar
from processors.sla.clocks import ClockPolicy, deadlines
from tests.unit.processors.sla.sla_support import taipei


def test_elapsed_clock_warns_at_80_percent_of_elapsed_time() -> None:
    start = taipei(2025, 7, 15, 9, 0)
    elapsed = deadlines(ClockPolicy("CP_TRIAGE", timedelta(hours=24)), start, WorkingCalendar())
    assert elapsed.warning_at == start + timedelta(hours=19, minutes=12)
    assert elapsed.due_at == start + timedelta(hours=24)


def test_working_day_clock_warns_after_80_percent_of_the_working_days() -> None:
    start = taipei(2025, 7, 15, 9, 0)  # Tuesday
    working = deadlines(ClockPolicy("SV_ACK", 5, "WORKING_DAYS"), start, WorkingCalendar())
    assert working.warning_at == taipei(2025, 7, 21, 9, 0)  # 4 working days: Wed Thu Fri, Mon
    assert working.due_at == taipei(2025, 7, 22, 9, 0)


def test_fraction_of_a_working_day_skips_the_weekend() -> None:
    # 3 working days × 0.8 = 2.4: two working days to Friday 15:00, then 0.4 day (9 h 36 min) of working time:
    # 9 h on Friday, the remaining 36 min on Monday, not Saturday evening.
    start = taipei(2025, 7, 16, 15, 0)  # Wednesday
    span = deadlines(ClockPolicy("DP_ACCEPT", 3, "WORKING_DAYS"), start, WorkingCalendar())
    assert span.warning_at == taipei(2025, 7, 21, 0, 36)
    assert span.due_at == taipei(2025, 7, 21, 15, 0)


def test_fraction_of_a_working_day_skips_the_lunar_new_year_holiday() -> None:
    # 2025-01-25 … 2025-02-02 are days off (weekend, 小年夜 … 初五, including the 2025-01-27 bridge day).
    start = taipei(2025, 1, 22, 15, 0)  # Wednesday
    span = deadlines(ClockPolicy("DP_ACCEPT", 3, "WORKING_DAYS"), start, WorkingCalendar())
    assert span.warning_at == taipei(2025, 2, 3, 0, 36)
    assert span.due_at == taipei(2025, 2, 3, 15, 0)


def test_make_up_saturday_counts_as_a_working_day() -> None:
    start = taipei(2025, 2, 5, 10, 0)  # Wednesday; Saturday 2025-02-08 is a make-up workday (補行上班)
    span = deadlines(ClockPolicy("SV_ACK", 5, "WORKING_DAYS"), start, WorkingCalendar())
    assert span.warning_at == taipei(2025, 2, 10, 10, 0)  # Thu, Fri, Sat, Mon
    assert span.due_at == taipei(2025, 2, 11, 10, 0)


def test_typhoon_day_off_moves_working_day_deadlines() -> None:
    start = taipei(2025, 7, 15, 10, 0)
    typhoon = WorkingCalendar().with_override(day_off=date(2025, 7, 18))
    span = deadlines(ClockPolicy("SV_ACK", 5, "WORKING_DAYS"), start, typhoon)
    assert span.warning_at == taipei(2025, 7, 22, 10, 0)
    assert span.due_at == taipei(2025, 7, 23, 10, 0)


def test_a_clock_may_have_no_warning() -> None:
    start = taipei(2025, 7, 15, 10, 0)
    assert (
        deadlines(ClockPolicy("ACK_EXPIRY", timedelta(days=30), warn_at=None), start, WorkingCalendar()).warning_at
        is None
    )
    assert deadlines(ClockPolicy("X", 3, "WORKING_DAYS", warn_at=None), start, WorkingCalendar()).warning_at is None


def test_a_start_on_a_day_off_counts_from_the_next_working_day() -> None:
    saturday = taipei(2025, 7, 19, 22, 0)
    span = deadlines(ClockPolicy("SV_ACK", 5, "WORKING_DAYS"), saturday, WorkingCalendar())
    assert span.warning_at == taipei(2025, 7, 25, 0, 0)  # Monday 00:00 + 4 working days
    assert span.due_at == taipei(2025, 7, 28, 0, 0)
