from datetime import date, datetime, timedelta

from processors.sla.calendar import TAIPEI, WorkingCalendar
from processors.sla.clocks import ClockPolicy, DueIndex, deadlines


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


def test_warning_at_80_percent_in_the_clocks_own_measure() -> None:
    start = datetime(2025, 7, 15, 9, 0, tzinfo=TAIPEI)
    elapsed = deadlines(ClockPolicy("CP_TRIAGE", timedelta(hours=24)), start, WorkingCalendar())
    assert elapsed.warning_at == start + timedelta(hours=19, minutes=12)
    assert elapsed.due_at == start + timedelta(hours=24)
    working = deadlines(ClockPolicy("SERVICE_ACK", 5, "WORKING_DAYS"), start, WorkingCalendar())
    assert working.warning_at == datetime(2025, 7, 21, 9, 0, tzinfo=TAIPEI)  # 4 working days
    assert working.due_at == datetime(2025, 7, 22, 9, 0, tzinfo=TAIPEI)


def test_a_tick_pops_only_what_falls_due() -> None:
    index = DueIndex()
    base = datetime(2025, 7, 15, tzinfo=TAIPEI)
    for n in range(1000):
        index.add(base + timedelta(minutes=n), f"c{n}")
    assert index.due(base + timedelta(minutes=2)) == ["c0", "c1", "c2"]
    index.remove(base + timedelta(minutes=3), "c3")
    assert index.due(base + timedelta(minutes=4)) == ["c4"]
    assert len(index) == 995
