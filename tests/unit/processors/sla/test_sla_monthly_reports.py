"""DP_PROGRESS_REPORT: one clock per month of the deferral, made one at a time and met by that month's report."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from processors.sla.referral_clocks import (
    ClockPlan,
    ReferralClocks,
    check_due,
    next_instant,
    on_report,
    on_state,
    start_clocks,
)
from tests.unit.processors.sla.sla_support import (
    CALENDAR,
    POLICY,
    clock,
    kinds_of,
    local,
    referral,
    routes,
    taipei,
)

ROUTED = taipei(2025, 7, 15, 9, 0)
REPORT = "DP_PROGRESS_REPORT"


def _started(routed_at: datetime = ROUTED, version: int = 1, **attributes: str) -> ReferralClocks:
    event = referral("DEFERRED_PROSECUTION", routed_at, version=version, **attributes)
    plan = start_clocks(None, event, routes("BUREAU"), routed_at, POLICY, CALENDAR)
    assert plan.clocks is not None
    # The bureau opened the case: only the monthly reports are left to watch.
    opened = on_state(plan.clocks, "BUREAU", "IN_PROGRESS", routed_at + timedelta(days=1), POLICY).clocks
    assert opened is not None
    return opened


def _periods(value: ReferralClocks) -> list[tuple[str | None, str]]:
    return sorted((c["period"], c["status"]) for c in value["clocks"].values() if c["clock"] == REPORT)


def _after(plan: ClockPlan, before: ReferralClocks) -> ReferralClocks:
    return plan.clocks if plan.clocks is not None else before


def test_monthly_reports_are_made_one_at_a_time_and_met_by_the_report() -> None:
    clocks = _started(deferral_start="2025-07-20", deferral_end="2025-09-30")
    assert _periods(clocks) == [("2025-07", "OPEN")]
    july = clock(clocks, REPORT, "BUREAU", "2025-07")
    assert (local(july["started_at"]), local(july["warning_at"]), local(july["due_at"])) == (
        taipei(2025, 8, 1),  # the period's end: 00:00 after 31 July
        taipei(2025, 8, 7),  # 4 working days
        taipei(2025, 8, 8),  # 5 working days: 1, 4, 5, 6, 7 August
    )
    assert july["last_period"] == "2025-09"
    assert next_instant(clocks) == taipei(2025, 8, 7)

    reported_at = taipei(2025, 8, 5, 10, 0)
    reported = on_report(clocks, "2025-07", reported_at)
    assert kinds_of(reported) == [("MET", REPORT, "BUREAU")]
    assert (reported.events[0]["period"], reported.events[0]["late"]) == ("2025-07", False)
    assert reported.clocks is not None
    assert _periods(reported.clocks) == [("2025-07", "MET")]
    # The next period is owed now: the index brings the referral back at once to make it.
    assert next_instant(reported.clocks) == reported_at

    made = check_due(reported.clocks, reported_at + timedelta(seconds=1), POLICY, CALENDAR)
    assert made.events == []
    assert made.clocks is not None
    assert _periods(made.clocks) == [("2025-07", "MET"), ("2025-08", "OPEN")]
    august = clock(made.clocks, REPORT, "BUREAU", "2025-08")
    assert (local(august["started_at"]), local(august["due_at"])) == (taipei(2025, 9, 1), taipei(2025, 9, 8))
    assert next_instant(made.clocks) == taipei(2025, 9, 5)

    # August goes unreported: a breach, and the last period (September) is made.
    breached = check_due(made.clocks, taipei(2025, 9, 8), POLICY, CALENDAR)
    assert kinds_of(breached) == [("BREACH", REPORT, "BUREAU"), ("ESCALATION", REPORT, "BUREAU")]
    assert breached.events[1]["escalate_to"] == "BUREAU:SUPERVISOR"
    assert breached.clocks is not None
    assert _periods(breached.clocks) == [("2025-07", "MET"), ("2025-08", "BREACHED"), ("2025-09", "OPEN")]
    september = clock(breached.clocks, REPORT, "BUREAU", "2025-09")
    assert local(september["due_at"]) == taipei(2025, 10, 9)  # 2025-10-06 (中秋節) is a day off

    late_august = on_report(breached.clocks, "2025-08", taipei(2025, 9, 10))
    assert [(e["type"], e["period"], e["late"]) for e in late_august.events] == [("MET", "2025-08", True)]
    done = on_report(_after(late_august, breached.clocks), "2025-09", taipei(2025, 10, 3))
    assert done.clocks is not None
    assert _periods(done.clocks) == [("2025-07", "MET"), ("2025-08", "MET"), ("2025-09", "MET")]
    assert next_instant(done.clocks) is None, "the deferral's last month is reported: nothing more to make"
    assert check_due(done.clocks, taipei(2025, 12, 1), POLICY, CALENDAR).clocks is None


def test_a_report_a_month_late_brings_the_referral_back_before_the_next_months_warning() -> None:
    clocks = _started(deferral_end="2025-12-31")
    # No look since routing: July's report arrives after August's warning instant (00:00 on 5 September).
    reported = on_report(clocks, "2025-07", taipei(2025, 9, 5, 0, 1))
    assert reported.clocks is not None
    assert next_instant(reported.clocks) == taipei(2025, 9, 1), "August's clock starts then; nothing falls before"

    before = check_due(reported.clocks, taipei(2025, 9, 5) - timedelta(microseconds=1), POLICY, CALENDAR)
    assert before.events == []
    assert before.clocks is not None and _periods(before.clocks) == [("2025-07", "MET"), ("2025-08", "OPEN")]
    warned = check_due(reported.clocks, taipei(2025, 9, 5, 0, 1), POLICY, CALENDAR)
    assert [(e["type"], e["period"], e["at"]) for e in warned.events] == [("WARNING", "2025-08", taipei(2025, 9, 5))]


def test_twelve_months_when_the_deferral_gives_no_end() -> None:
    clocks = _started()
    assert clock(clocks, REPORT, "BUREAU", "2025-07")["last_period"] == "2026-06"


def test_a_deferral_starting_later_starts_the_reports_later() -> None:
    clocks = _started(deferral_start="2025-09-01", deferral_end="2026-08-31")
    assert _periods(clocks) == [("2025-09", "OPEN")]


def test_a_deferral_that_started_before_the_referral_reports_from_the_month_routed() -> None:
    clocks = _started(deferral_start="2025-05-02", deferral_end="2026-05-01")
    assert _periods(clocks) == [("2025-07", "OPEN")]
    assert clock(clocks, REPORT, "BUREAU", "2025-07")["last_period"] == "2026-05"


def test_routing_late_on_the_last_evening_of_a_month_counts_in_taipei() -> None:
    clocks = _started(routed_at=taipei(2025, 7, 31, 23, 30))
    assert _periods(clocks) == [("2025-07", "OPEN")]


def test_a_late_look_makes_and_judges_every_owed_period() -> None:
    clocks = _started(deferral_end="2025-10-31")
    plan = check_due(clocks, taipei(2025, 10, 20), POLICY, CALENDAR)
    assert [(e["type"], e["period"]) for e in plan.events] == [
        ("BREACH", "2025-07"),
        ("ESCALATION", "2025-07"),
        ("BREACH", "2025-08"),
        ("ESCALATION", "2025-08"),
        ("BREACH", "2025-09"),
        ("ESCALATION", "2025-09"),
    ]
    assert plan.clocks is not None
    assert _periods(plan.clocks)[-1] == ("2025-10", "OPEN")
    assert next_instant(plan.clocks) == taipei(2025, 11, 7)


def test_a_report_ahead_of_its_clock_meets_it_when_it_is_made() -> None:
    clocks = _started(deferral_end="2025-12-31")
    july = on_report(clocks, "2025-07", taipei(2025, 9, 2, 9, 0))
    assert july.clocks is not None
    # August's report arrives before the next look has made August's clock.
    august = on_report(july.clocks, "2025-08", taipei(2025, 9, 2, 9, 1))
    assert august.events == []
    assert august.clocks is not None
    assert august.clocks["reports"] == {"2025-08": "2025-09-02T01:01:00+00:00"}
    made = check_due(august.clocks, taipei(2025, 9, 2, 9, 2), POLICY, CALENDAR)
    assert [(e["type"], e["period"], e["late"]) for e in made.events] == [("MET", "2025-08", False)]
    assert made.clocks is not None
    assert made.clocks["reports"] == {}
    # August met on being made, so September is owed too: made in the same look.
    assert _periods(made.clocks) == [("2025-07", "MET"), ("2025-08", "MET"), ("2025-09", "OPEN")]


def test_reports_outside_the_deferral_or_repeated_change_nothing() -> None:
    clocks = _started(deferral_end="2025-09-30")
    assert on_report(clocks, "2025-12", taipei(2026, 1, 5)).clocks is None
    assert on_report(clocks, "2025-06", taipei(2025, 7, 5)).clocks is None
    met = on_report(clocks, "2025-07", taipei(2025, 8, 4))
    assert met.clocks is not None
    again = on_report(met.clocks, "2025-07", taipei(2025, 8, 6))
    assert (again.clocks, again.events) == (None, [])
    with pytest.raises(ValueError, match="YYYY-MM"):
        on_report(clocks, "114/07", taipei(2025, 8, 4))


def test_closing_the_case_ends_the_monthly_reports() -> None:
    clocks = _started(deferral_end="2026-06-30")
    reported = on_report(clocks, "2025-07", taipei(2025, 8, 4))
    assert reported.clocks is not None
    closed = on_state(reported.clocks, "BUREAU", "CLOSED", taipei(2025, 8, 5), POLICY)
    assert closed.events == []
    assert closed.clocks is not None
    assert next_instant(closed.clocks) is None
    assert check_due(closed.clocks, taipei(2025, 12, 1), POLICY, CALENDAR).clocks is None
    # Closing while a month is open stops it.
    open_month = on_state(clocks, "BUREAU", "CLOSED", taipei(2025, 8, 5), POLICY)
    assert open_month.clocks is not None
    assert _periods(open_month.clocks) == [("2025-07", "STOPPED")]
    assert next_instant(open_month.clocks) is None


def test_an_amended_deferral_end_moves_the_last_period() -> None:
    event = referral("DEFERRED_PROSECUTION", ROUTED, deferral_end="2025-09-30")
    first = start_clocks(None, event, routes("BUREAU"), ROUTED, POLICY, CALENDAR)
    assert first.clocks is not None
    longer = referral("DEFERRED_PROSECUTION", ROUTED, version=2, deferral_end="2026-03-31")
    amended = start_clocks(first.clocks, longer, routes("BUREAU"), taipei(2025, 7, 20), POLICY, CALENDAR)
    assert clock(amended.clocks, REPORT, "BUREAU", "2025-07")["last_period"] == "2026-03"
    assert _periods(amended.clocks) == [("2025-07", "OPEN")]  # still one at a time
    shorter = referral("DEFERRED_PROSECUTION", ROUTED, version=3, deferral_end="2025-06-30")
    assert amended.clocks is not None
    cut = start_clocks(amended.clocks, shorter, routes("BUREAU"), taipei(2025, 7, 21), POLICY, CALENDAR)
    assert cut.clocks is not None
    assert _periods(cut.clocks) == [("2025-07", "STOPPED")]
