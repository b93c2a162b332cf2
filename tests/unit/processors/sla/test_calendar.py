from datetime import date, datetime

from processors.sla.calendar import TAIPEI, WorkingCalendar


def test_taiwan_make_up_workdays_and_holidays() -> None:
    calendar = WorkingCalendar()
    assert calendar.is_working_day(date(2025, 2, 8)), "Saturday 2025-02-08 is a make-up workday (補行上班)"
    assert not calendar.is_working_day(date(2025, 1, 27)), "2025-01-27 is a day off (Lunar New Year)"
    assert not calendar.is_working_day(date(2025, 10, 10)), "National Day"
    assert calendar.is_working_day(date(2025, 7, 15))


def test_operator_typhoon_day_off() -> None:
    typhoon = date(2025, 7, 16)
    calendar = WorkingCalendar().with_override(day_off=typhoon)
    assert not calendar.is_working_day(typhoon)
    start = datetime(2025, 7, 15, 10, 0, tzinfo=TAIPEI)
    assert calendar.add_working_days(start, 1) == datetime(2025, 7, 17, 10, 0, tzinfo=TAIPEI)
    assert WorkingCalendar().add_working_days(start, 1) == datetime(2025, 7, 16, 10, 0, tzinfo=TAIPEI)


def test_three_working_days_skip_the_weekend() -> None:
    friday = datetime(2025, 7, 18, 15, 0, tzinfo=TAIPEI)
    assert WorkingCalendar().add_working_days(friday, 3) == datetime(2025, 7, 23, 15, 0, tzinfo=TAIPEI)
