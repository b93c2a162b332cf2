"""Properties of a referral's clocks under any sequence of answers, reports and looks."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from processors.sla.periods import shift
from processors.sla.records import ClockStatus
from processors.sla.referral_clocks import (
    RUNNING,
    ClockPlan,
    ReferralClocks,
    check_due,
    next_instant,
    on_report,
    on_state,
    start_clocks,
)
from tests.unit.processors.sla.sla_support import CALENDAR, POLICY, json_round_trip, referral, routes, taipei

ROUTED = taipei(2025, 7, 15, 9, 0)
STATES = ["DELIVERED", "ACKNOWLEDGED", "ACCEPTED", "IN_PROGRESS", "COMPLETED", "CLOSED", "REJECTED", "CANCELLED"]
NEXT: dict[ClockStatus, set[ClockStatus]] = {
    "OPEN": {"OPEN", "WARNED", "BREACHED", "MET", "STOPPED", "EXPIRED"},
    "WARNED": {"WARNED", "BREACHED", "MET", "STOPPED", "EXPIRED"},
    "BREACHED": {"BREACHED", "MET"},
    "MET": {"MET"},
    "STOPPED": {"STOPPED"},
    "EXPIRED": {"EXPIRED"},
}
TIMING = {"WARNING", "BREACH", "ESCALATION", "EXPIRED"}
AMENDED_ROUTES = [("HOSP_KSPH", "BUREAU"), ("BUREAU",), ("HOSP_KSPH",)]
"""What an amendment routes to: both again, or one of them (the other dropped)."""


def _deferred(received_at: datetime, version: int) -> dict[str, Any]:
    return referral(
        "DEFERRED_PROSECUTION",
        received_at,
        version=version,
        treatment_ordered="Y",
        hospital_code="HOSP_KSPH",
        deferral_end="2026-01-31",
    )


operations = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=20 * 24 * 60),  # minutes since the previous operation
        st.one_of(
            st.tuples(st.just("state"), st.sampled_from(["BUREAU", "HOSP_KSPH"]), st.sampled_from(STATES)),
            st.tuples(st.just("report"), st.integers(min_value=-1, max_value=8), st.just("")),
            st.tuples(st.just("check"), st.just(0), st.just("")),
            st.tuples(st.just("amend"), st.integers(min_value=0, max_value=len(AMENDED_ROUTES) - 1), st.just("")),
        ),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(operations)
# Found by the search: July's report comes in September, after August's warning instant (the amendment stops
# the older clocks whose earlier instants had hidden it), and next_instant said the report's time.
@example(
    [(13285, ("report", -1, "")), (28800, ("report", -1, "")), (28800, ("amend", 0, "")), (3456, ("report", 0, ""))]
)
def test_clocks_under_any_sequence(steps: list[tuple[int, tuple[str, object, str]]]) -> None:
    event = _deferred(ROUTED, 1)
    started = start_clocks(None, event, routes("HOSP_KSPH", "BUREAU"), ROUTED, POLICY, CALENDAR)
    assert started.clocks is not None
    value: ReferralClocks = started.clocks
    seen_events: set[str] = {e["event_id"] for e in started.events}
    now = ROUTED
    for minutes, (operation, argument, state) in steps:
        now += timedelta(minutes=minutes)
        plan: ClockPlan
        if operation == "state":
            plan = on_state(value, str(argument), state, now, POLICY)
        elif operation == "report":
            assert isinstance(argument, int)
            plan = on_report(value, shift("2025-07", argument), now)
        elif operation == "amend":
            assert isinstance(argument, int)
            amended = _deferred(now, value["version"] + 1)
            plan = start_clocks(value, amended, routes(*AMENDED_ROUTES[argument]), now, POLICY, CALENDAR)
        else:
            plan = check_due(value, now, POLICY, CALENDAR)
        ids = [e["event_id"] for e in plan.events]
        assert not seen_events & set(ids), "an event happened twice"
        seen_events.update(ids)
        after = plan.clocks if plan.clocks is not None else value
        assert plan.clocks != value, "a plan with clocks always changes them"
        for key, clock in value["clocks"].items():
            assert after["clocks"][key]["status"] in NEXT[clock["status"]], (clock, after["clocks"][key])
        value = after
        assert json_round_trip(value) == value
        running = Counter((c["clock"], c["destination"]) for c in value["clocks"].values() if c["status"] in RUNNING)
        assert max(running.values(), default=0) <= 1, "one open clock per duty (and per period: one at a time)"
        periods = Counter(
            (c["clock"], c["destination"], c["period"])
            for c in value["clocks"].values()
            if c["period"] is not None and c["status"] != "STOPPED"
        )
        assert max(periods.values(), default=0) <= 1, "a period's duty is measured once, across versions"

        upcoming = next_instant(value)
        if upcoming is not None:
            early = check_due(value, upcoming - timedelta(microseconds=1), POLICY, CALENDAR)
            assert not [e for e in early.events if e["type"] in TIMING], "nothing falls due before next_instant"
            assert check_due(value, max(upcoming, now), POLICY, CALENDAR).clocks is not None, (
                "a look at next_instant always makes progress (no nudge loop)"
            )
