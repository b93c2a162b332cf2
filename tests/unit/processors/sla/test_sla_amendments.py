"""Amendments: each version's delivery to a destination is answered anew (processors/ledger.py re-routes it with a
fresh ROUTED delivery), so it gets clocks of its own; the older version's running clocks stop, its finished ones
keep their history, and a recurring duty runs on as one series while its destination is routed."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from processors.sla.records import clock_id, clock_version
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
from tests.unit.processors.sla.sla_support import (
    CALENDAR,
    POLICY,
    clock,
    kinds_of,
    latest,
    local,
    names,
    referral,
    routes,
    taipei,
)

RECEIVED = taipei(2025, 7, 15, 9, 0)  # a Tuesday
AMENDED = taipei(2025, 7, 17, 10, 0)  # the amended notice, received on Thursday
REPORT = "DP_PROGRESS_REPORT"


def _value(plan: ClockPlan) -> ReferralClocks:
    assert plan.clocks is not None
    return plan.clocks


def _child_protection(version: int = 1, received_at: datetime = RECEIVED) -> dict[str, Any]:
    return referral("CHILD_PROTECTION", received_at, version=version)


def _routed_to_social() -> ReferralClocks:
    return _value(start_clocks(None, _child_protection(), routes("SOCIAL"), RECEIVED, POLICY, CALENDAR))


def _amended_to_social(before: ReferralClocks) -> ClockPlan:
    return start_clocks(before, _child_protection(2, AMENDED), routes("SOCIAL"), AMENDED, POLICY, CALENDAR)


def _statuses(value: ReferralClocks, version: int) -> dict[str, str]:
    return {c["clock"]: c["status"] for c in value["clocks"].values() if clock_version(c, value["version"]) == version}


def _one_running_clock_per_duty(value: ReferralClocks) -> bool:
    running = Counter(
        (c["clock"], c["destination"], c["period"]) for c in value["clocks"].values() if c["status"] in RUNNING
    )
    return max(running.values(), default=0) <= 1


def _periods(value: ReferralClocks) -> list[tuple[str | None, str]]:
    return sorted((c["period"], c["status"]) for c in value["clocks"].values() if c["clock"] == REPORT)


# --- a destination routed again ---------------------------------------------------------------------------------


def test_rejected_then_amended_to_the_same_agency_runs_new_clocks() -> None:
    v1 = _routed_to_social()
    warned = check_due(v1, taipei(2025, 7, 16, 4, 12), POLICY, CALENDAR)
    assert kinds_of(warned) == [("WARNING", "CP_TRIAGE", "SOCIAL")]
    rejected = _value(on_state(_value(warned), "SOCIAL", "REJECTED", taipei(2025, 7, 16, 5, 0), POLICY))
    assert _statuses(rejected, 1) == {"CP_ROUTE": "MET", "CP_TRIAGE": "STOPPED", "ACK_EXPIRY": "STOPPED"}
    assert next_instant(rejected) is None

    amended = _amended_to_social(rejected)
    value = _value(amended)
    assert value["version"] == 2
    # v1's clocks keep their history; v2's delivery has its own, from the amended notice's receipt and routing.
    assert _statuses(value, 1) == _statuses(rejected, 1)
    assert _statuses(value, 2) == {"CP_ROUTE": "MET", "CP_TRIAGE": "OPEN", "ACK_EXPIRY": "OPEN"}
    triage = clock(value, "CP_TRIAGE", "SOCIAL", version=2)
    assert (local(triage["started_at"]), local(triage["warning_at"]), local(triage["due_at"])) == (
        AMENDED,
        taipei(2025, 7, 18, 5, 12),
        taipei(2025, 7, 18, 10, 0),
    )
    assert local(clock(value, "ACK_EXPIRY", "SOCIAL", version=2)["due_at"]) == AMENDED + timedelta(days=30)
    # The route clock is decided again, for this version: a MET of its own.
    assert kinds_of(amended) == [("MET", "CP_ROUTE", "SOCIAL")]
    assert amended.events[0]["clock_id"] == clock(value, "CP_ROUTE", "SOCIAL", version=2)["clock_id"]
    assert amended.events[0]["clock_id"] != clock(value, "CP_ROUTE", "SOCIAL", version=1)["clock_id"]
    assert next_instant(value) == taipei(2025, 7, 18, 5, 12)

    warned_again = check_due(value, taipei(2025, 7, 18, 5, 12), POLICY, CALENDAR)
    assert kinds_of(warned_again) == [("WARNING", "CP_TRIAGE", "SOCIAL")]
    # Another event id: consumers dedupe on it, and would drop v2's warning as v1's repeat.
    assert warned_again.events[0]["event_id"] != warned.events[0]["event_id"]
    breached = check_due(_value(warned_again), taipei(2025, 7, 18, 10, 0), POLICY, CALENDAR)
    assert kinds_of(breached) == [("BREACH", "CP_TRIAGE", "SOCIAL"), ("ESCALATION", "CP_TRIAGE", "SOCIAL")]
    expired = check_due(_value(breached), AMENDED + timedelta(days=30), POLICY, CALENDAR)
    assert kinds_of(expired) == [("EXPIRED", "ACK_EXPIRY", "SOCIAL")]
    assert expired.expire == ["SOCIAL"]


def test_met_then_amended_to_the_same_agency_must_be_answered_again() -> None:
    accepted = _value(on_state(_routed_to_social(), "SOCIAL", "ACCEPTED", taipei(2025, 7, 15, 12, 0), POLICY))
    assert _statuses(accepted, 1) == {"CP_ROUTE": "MET", "CP_TRIAGE": "MET", "ACK_EXPIRY": "MET"}
    assert next_instant(accepted) is None

    value = _value(_amended_to_social(accepted))
    assert _statuses(value, 1) == _statuses(accepted, 1)
    assert _statuses(value, 2) == {"CP_ROUTE": "MET", "CP_TRIAGE": "OPEN", "ACK_EXPIRY": "OPEN"}
    assert next_instant(value) == taipei(2025, 7, 18, 5, 12)

    answered = on_state(value, "SOCIAL", "ACCEPTED", taipei(2025, 7, 17, 15, 0), POLICY)
    assert sorted(kinds_of(answered)) == [("MET", "ACK_EXPIRY", "SOCIAL"), ("MET", "CP_TRIAGE", "SOCIAL")]
    v2_ids = {clock(value, name, "SOCIAL", version=2)["clock_id"] for name in ("CP_TRIAGE", "ACK_EXPIRY")}
    assert {e["clock_id"] for e in answered.events} == v2_ids
    assert [e["late"] for e in answered.events] == [False, False]
    assert next_instant(_value(answered)) is None


def test_an_amendment_stops_the_older_versions_running_clocks_silently() -> None:
    breached = _value(check_due(_routed_to_social(), taipei(2025, 7, 16, 9, 0), POLICY, CALENDAR))
    assert _statuses(breached, 1) == {"CP_ROUTE": "MET", "CP_TRIAGE": "BREACHED", "ACK_EXPIRY": "OPEN"}

    amended = _amended_to_social(breached)
    value = _value(amended)
    assert _statuses(value, 1) == {"CP_ROUTE": "MET", "CP_TRIAGE": "BREACHED", "ACK_EXPIRY": "STOPPED"}
    assert kinds_of(amended) == [("MET", "CP_ROUTE", "SOCIAL")], "superseded clocks stop without an event"
    assert _one_running_clock_per_duty(value)
    # The answer is the v2 delivery's: v1's breached triage is left as it was, not met late.
    answered = on_state(value, "SOCIAL", "ACCEPTED", taipei(2025, 7, 17, 12, 0), POLICY)
    assert {e["clock_id"] for e in answered.events} == {
        clock(value, name, "SOCIAL", version=2)["clock_id"] for name in ("CP_TRIAGE", "ACK_EXPIRY")
    }
    assert clock(answered.clocks, "CP_TRIAGE", "SOCIAL", version=1)["status"] == "BREACHED"


def test_dropped_destinations_stop_and_a_destination_routed_again_starts_anew() -> None:
    first = _value(start_clocks(None, referral("SERVICE", RECEIVED), routes("LABOUR"), RECEIVED, POLICY, CALENDAR))
    amended = start_clocks(
        first, referral("SERVICE", AMENDED, version=2), routes("NGO_MUEN"), AMENDED, POLICY, CALENDAR
    )
    v2 = _value(amended)
    assert v2["version"] == 2
    assert {c["status"] for c in v2["clocks"].values() if c["destination"] == "LABOUR"} == {"STOPPED"}
    assert local(clock(v2, "SV_ACK", "NGO_MUEN")["started_at"]) == AMENDED
    assert amended.events == []

    routed_v3 = taipei(2025, 7, 18, 10, 0)
    v3 = _value(
        start_clocks(
            v2,
            referral("SERVICE", routed_v3, version=3),
            routes("LABOUR", "NGO_MUEN"),
            routed_v3,
            POLICY,
            CALENDAR,
        )
    )
    for destination in ("LABOUR", "NGO_MUEN"):
        for name in ("SV_ACK", "SV_OUTCOME", "ACK_EXPIRY"):
            current = clock(v3, name, destination, version=3)
            assert (current["status"], local(current["started_at"])) == ("OPEN", routed_v3)
    assert clock(v3, "SV_ACK", "NGO_MUEN", version=2)["status"] == "STOPPED"
    assert clock(v3, "SV_ACK", "LABOUR", version=1)["status"] == "STOPPED"
    assert _one_running_clock_per_duty(v3)
    # v3 drops LABOUR again: its v3 clocks stop.
    v4 = _value(
        start_clocks(v3, referral("SERVICE", routed_v3, version=4), routes("NGO_MUEN"), routed_v3, POLICY, CALENDAR)
    )
    assert {c["status"] for c in v4["clocks"].values() if c["destination"] == "LABOUR"} == {"STOPPED"}
    assert clock(v4, "SV_ACK", "NGO_MUEN", version=4)["status"] == "OPEN"


def test_an_amendment_starts_release_anchored_clocks_on_the_new_notice() -> None:
    event = referral("PRE_RELEASE", RECEIVED, expected_release_date="2025-09-30")
    first = _value(start_clocks(None, event, routes("BUREAU"), RECEIVED, POLICY, CALENDAR))
    amended_at = taipei(2025, 7, 20)
    amended_event = referral("PRE_RELEASE", amended_at, version=2, expected_release_date="2025-10-15")
    amended = start_clocks(first, amended_event, routes("BUREAU"), amended_at, POLICY, CALENDAR)
    value = _value(amended)
    meeting = clock(value, "PR_MEETING", "BUREAU", version=2)
    assert (local(meeting["started_at"]), local(meeting["due_at"])) == (amended_at, taipei(2025, 10, 15))
    assert clock(value, "PR_MEETING", "BUREAU", version=1)["status"] == "STOPPED"
    # The lead time is decided again, for the amended notice: on time, 87 days ahead.
    assert kinds_of(amended) == [("MET", "PR_LEAD_TIME", "BUREAU")]
    assert clock(value, "PR_LEAD_TIME", "BUREAU", version=1) == clock(first, "PR_LEAD_TIME", "BUREAU")
    # An amendment sent less than 30 days before the release is a late notice of its own.
    late_at = taipei(2025, 9, 20)
    late_event = referral("PRE_RELEASE", late_at, version=3, expected_release_date="2025-10-15")
    late = start_clocks(value, late_event, routes("BUREAU"), late_at, POLICY, CALENDAR)
    assert kinds_of(late) == [("LATE_NOTICE", "PR_LEAD_TIME", "BUREAU"), ("MET", "PR_LEAD_TIME", "BUREAU")]


def test_an_amendment_that_ends_the_out_of_area_flag_stops_the_handoff() -> None:
    first = _value(
        start_clocks(
            None, referral("SELF_REFERRAL", RECEIVED, out_of_area=True), routes("BUREAU"), RECEIVED, POLICY, CALENDAR
        )
    )
    amended = _value(
        start_clocks(first, referral("SELF_REFERRAL", AMENDED, version=2), routes("BUREAU"), AMENDED, POLICY, CALENDAR)
    )
    assert clock(amended, "OUT_OF_AREA_HANDOFF", "BUREAU")["status"] == "STOPPED"
    assert _statuses(amended, 2) == {"ACK_EXPIRY": "OPEN"}
    assert clock(amended, "ACK_EXPIRY", "BUREAU", version=1)["status"] == "STOPPED"


# --- idempotence ------------------------------------------------------------------------------------------------


def test_an_amendment_started_again_changes_nothing_and_repeats_its_events() -> None:
    rejected = _value(on_state(_routed_to_social(), "SOCIAL", "REJECTED", taipei(2025, 7, 16, 5, 0), POLICY))
    first, second = _amended_to_social(rejected), _amended_to_social(rejected)
    assert first == second
    value = _value(first)
    replay = _amended_to_social(value)
    assert replay.clocks is None, "nothing changed"
    assert replay.events == first.events, "the same events, same ids"
    # SOCIAL's v2 dispatch-like restart (same version, one more route) keeps SOCIAL's v2 clocks as they are.
    more = start_clocks(value, _child_protection(2, AMENDED), routes("SOCIAL", "BUREAU"), AMENDED, POLICY, CALENDAR)
    assert names(more.clocks) == names(value) | {("ACK_EXPIRY", "BUREAU")}
    assert clock(more.clocks, "CP_TRIAGE", "SOCIAL", version=2) == clock(value, "CP_TRIAGE", "SOCIAL", version=2)


def test_every_event_id_is_new_across_versions() -> None:
    started = start_clocks(None, _child_protection(), routes("SOCIAL"), RECEIVED, POLICY, CALENDAR)
    value = _value(started)
    events = list(started.events)

    def keep(plan: ClockPlan) -> None:
        nonlocal value
        events.extend(plan.events)
        value = latest(plan, value)

    keep(check_due(value, taipei(2025, 7, 16, 9, 0), POLICY, CALENDAR))  # v1's triage breached
    keep(_amended_to_social(value))
    keep(check_due(value, taipei(2025, 7, 18, 10, 0), POLICY, CALENDAR))  # v2's too
    keep(check_due(value, AMENDED + timedelta(days=30), POLICY, CALENDAR))  # v2's delivery expires
    assert [(e["type"], e["clock"]) for e in events] == [
        ("MET", "CP_ROUTE"),
        ("BREACH", "CP_TRIAGE"),
        ("ESCALATION", "CP_TRIAGE"),
        ("MET", "CP_ROUTE"),
        ("BREACH", "CP_TRIAGE"),
        ("ESCALATION", "CP_TRIAGE"),
        ("EXPIRED", "ACK_EXPIRY"),
    ]
    assert len({e["event_id"] for e in events}) == len(events)
    assert next_instant(value) is None


# --- stored values from before clocks had a version -------------------------------------------------------------


def test_version_1_ids_are_those_stored_before_ids_had_a_version() -> None:
    assert clock_id("R-1", "SV_ACK", "LABOUR", None) == "C-7cfbe36ba817e71f85c66dd3"
    assert clock_id("R-1", "SV_ACK", "LABOUR", None, 1) == "C-7cfbe36ba817e71f85c66dd3"
    assert clock_id("R-1", REPORT, "BUREAU", "2025-07") == "C-52e8eda03cf8eadd0a8a6546"
    ids = {clock_id("R-1", "SV_ACK", "LABOUR", None, version) for version in (1, 2, 3)}
    assert len(ids) == 3
    v1 = _routed_to_social()
    assert {clock_version(c, 5) for c in v1["clocks"].values()} == {1}


def test_a_value_amended_before_ids_had_a_version_keeps_working() -> None:
    """Such a value is at version 2 with v1's clocks, kept running: a same-version restart (SOCIAL's dispatch)
    finds them instead of making a second set, answers meet them, and the next amendment supersedes them."""
    event = referral("YOUTH_DRUG_USE", RECEIVED)
    legacy = ReferralClocks(
        **{**_value(start_clocks(None, event, routes("SOCIAL"), RECEIVED, POLICY, CALENDAR)), "version": 2}
    )
    v2 = referral("YOUTH_DRUG_USE", AMENDED, version=2)
    dispatched = _value(start_clocks(legacy, v2, routes("SOCIAL", "EDU"), AMENDED, POLICY, CALENDAR))
    assert _one_running_clock_per_duty(dispatched)
    assert names(dispatched) == {("YD_DISPATCH", "SOCIAL"), ("ACK_EXPIRY", "SOCIAL"), ("ACK_EXPIRY", "EDU")}
    assert len(dispatched["clocks"]) == 3
    assert clock(dispatched, "YD_DISPATCH", "SOCIAL") == clock(legacy, "YD_DISPATCH", "SOCIAL")
    met = on_state(dispatched, "SOCIAL", "DISPATCHED", AMENDED, POLICY)
    assert sorted(kinds_of(met)) == [("MET", "ACK_EXPIRY", "SOCIAL"), ("MET", "YD_DISPATCH", "SOCIAL")]
    v3 = _value(
        start_clocks(
            dispatched, referral("YOUTH_DRUG_USE", AMENDED, version=3), routes("SOCIAL"), AMENDED, POLICY, CALENDAR
        )
    )
    assert _statuses(v3, 3) == {"YD_DISPATCH": "OPEN", "ACK_EXPIRY": "OPEN"}
    assert {c["status"] for c in dispatched["clocks"].values()} == {"OPEN"}
    assert {c["status"] for k, c in v3["clocks"].items() if k in dispatched["clocks"]} == {"STOPPED"}


# --- recurring duties -------------------------------------------------------------------------------------------

ROUTED = taipei(2025, 7, 15, 9, 0)


def _deferred(version: int, received_at: datetime, **attributes: str) -> dict[str, Any]:
    return referral("DEFERRED_PROSECUTION", received_at, version=version, **attributes)


def _bureau_in_progress(**attributes: str) -> ReferralClocks:
    plan = start_clocks(None, _deferred(1, ROUTED, **attributes), routes("BUREAU"), ROUTED, POLICY, CALENDAR)
    return _value(on_state(_value(plan), "BUREAU", "IN_PROGRESS", ROUTED + timedelta(days=1), POLICY))


def test_the_monthly_series_runs_on_across_an_amendment_without_duplicates() -> None:
    opened = _bureau_in_progress(deferral_end="2025-12-31")
    reported = _value(on_report(opened, "2025-07", taipei(2025, 8, 4)))
    running = _value(check_due(reported, taipei(2025, 8, 4, 0, 1), POLICY, CALENDAR))
    assert _periods(running) == [("2025-07", "MET"), ("2025-08", "OPEN")]
    august = clock(running, REPORT, "BUREAU", "2025-08")

    amended_at = taipei(2025, 8, 10)
    v2_event = _deferred(2, amended_at, deferral_end="2026-01-31")
    amended = start_clocks(running, v2_event, routes("BUREAU"), amended_at, POLICY, CALENDAR)
    value = _value(amended)
    assert amended.events == []
    assert _periods(value) == [("2025-07", "MET"), ("2025-08", "OPEN")], "one series, one clock a period"
    assert clock(value, REPORT, "BUREAU", "2025-08") == {**august, "last_period": "2026-01"}
    # The bureau's v2 delivery is answered again: its acceptance and case opening run anew.
    assert _statuses(value, 2) == {"DP_ACCEPT": "OPEN", "DP_CASE_OPENED": "OPEN", "ACK_EXPIRY": "OPEN"}
    assert local(clock(value, "DP_CASE_OPENED", "BUREAU", version=2)["started_at"]) == amended_at
    assert _one_running_clock_per_duty(value)
    assert start_clocks(value, v2_event, routes("BUREAU"), amended_at, POLICY, CALENDAR).clocks is None

    met = _value(on_report(value, "2025-08", taipei(2025, 9, 3)))
    made = _value(check_due(met, taipei(2025, 9, 3, 0, 1), POLICY, CALENDAR))
    assert _periods(made) == [("2025-07", "MET"), ("2025-08", "MET"), ("2025-09", "OPEN")]
    assert clock(made, REPORT, "BUREAU", "2025-09")["last_period"] == "2026-01"


def test_the_monthly_series_of_a_dropped_bureau_stops_and_starts_again_when_routed_again() -> None:
    attributes = {"treatment_ordered": "Y", "hospital_code": "HOSP_KSPH", "deferral_end": "2025-12-31"}
    v1 = _value(
        start_clocks(None, _deferred(1, ROUTED, **attributes), routes("HOSP_KSPH", "BUREAU"), ROUTED, POLICY, CALENDAR)
    )
    dropped_at = taipei(2025, 7, 20)
    v2 = _value(
        start_clocks(v1, _deferred(2, dropped_at, **attributes), routes("HOSP_KSPH"), dropped_at, POLICY, CALENDAR)
    )
    assert {c["status"] for c in v2["clocks"].values() if c["destination"] == "BUREAU"} == {"STOPPED"}
    assert clock(v2, REPORT, "BUREAU", "2025-07")["last_period"] == "2025-07"
    assert all(c["destination"] == "HOSP_KSPH" for c in v2["clocks"].values() if c["status"] in RUNNING)

    again_at = taipei(2025, 7, 25)
    v3 = _value(
        start_clocks(
            v2, _deferred(3, again_at, **attributes), routes("HOSP_KSPH", "BUREAU"), again_at, POLICY, CALENDAR
        )
    )
    assert _periods(v3) == [("2025-07", "OPEN"), ("2025-07", "STOPPED")]
    july = next(c for c in v3["clocks"].values() if c["clock"] == REPORT and c["status"] == "OPEN")
    assert july["clock_id"] != clock(v2, REPORT, "BUREAU", "2025-07")["clock_id"]
    assert july["last_period"] == "2025-12"
    assert _one_running_clock_per_duty(v3)
    assert next_instant(v3) is not None
    reported = on_report(v3, "2025-07", taipei(2025, 8, 4))
    assert [e["clock_id"] for e in reported.events] == [july["clock_id"]]
    made = _value(check_due(_value(reported), taipei(2025, 8, 4, 0, 1), POLICY, CALENDAR))
    assert _periods(made) == [("2025-07", "MET"), ("2025-07", "STOPPED"), ("2025-08", "OPEN")]


def test_a_rejected_bureau_routed_again_next_month_reports_from_that_month() -> None:
    v1 = _value(
        start_clocks(None, _deferred(1, ROUTED, deferral_end="2025-12-31"), routes("BUREAU"), ROUTED, POLICY, CALENDAR)
    )
    rejected = _value(on_state(v1, "BUREAU", "REJECTED", taipei(2025, 7, 18), POLICY))
    assert next_instant(rejected) is None
    again_at = taipei(2025, 8, 5)
    v2 = _value(
        start_clocks(
            rejected, _deferred(2, again_at, deferral_end="2025-12-31"), routes("BUREAU"), again_at, POLICY, CALENDAR
        )
    )
    # Nothing to report for July, when no delivery ran: August's clock is the first of the new series.
    assert _periods(v2) == [("2025-07", "STOPPED"), ("2025-08", "OPEN")]
    assert _statuses(v2, 2) == {
        "DP_ACCEPT": "OPEN",
        "DP_CASE_OPENED": "OPEN",
        "ACK_EXPIRY": "OPEN",
        REPORT: "OPEN",
    }
    assert next_instant(v2) == local(clock(v2, "DP_ACCEPT", "BUREAU", version=2)["warning_at"])
