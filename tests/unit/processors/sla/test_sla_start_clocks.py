"""start_clocks and on_state: each default row, on a referral routed at an explicit Taipei time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from processors.sla.referral_clocks import check_due, on_state, start_clocks
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


def test_child_protection_clocks_run_for_social_and_not_for_the_bureaus_copy() -> None:
    event = referral("CHILD_PROTECTION", RECEIVED)
    plan = start_clocks(
        None, event, routes("SOCIAL", copies=["BUREAU"]), RECEIVED + timedelta(seconds=2), POLICY, CALENDAR
    )
    assert names(plan.clocks) == {("CP_ROUTE", "SOCIAL"), ("CP_TRIAGE", "SOCIAL"), ("ACK_EXPIRY", "SOCIAL")}
    triage = clock(plan.clocks, "CP_TRIAGE", "SOCIAL")
    assert (local(triage["started_at"]), local(triage["warning_at"]), local(triage["due_at"])) == (
        RECEIVED,
        taipei(2025, 7, 16, 4, 12),  # 80 % of 24 h
        taipei(2025, 7, 16, 9, 0),
    )
    assert triage["status"] == "OPEN"
    # Routed within the minute: the route clock is decided at once.
    route = clock(plan.clocks, "CP_ROUTE", "SOCIAL")
    assert (route["status"], local(route["met_at"])) == ("MET", RECEIVED + timedelta(seconds=2))
    assert kinds_of(plan) == [("MET", "CP_ROUTE", "SOCIAL")]
    assert plan.events[0]["late"] is False
    assert plan.expire == []


def test_child_protection_routed_late_breaches_at_once_and_escalates() -> None:
    routed_at = RECEIVED + timedelta(minutes=2)
    plan = start_clocks(None, referral("CHILD_PROTECTION", RECEIVED), routes("SOCIAL"), routed_at, POLICY, CALENDAR)
    assert kinds_of(plan) == [
        ("BREACH", "CP_ROUTE", "SOCIAL"),
        ("ESCALATION", "CP_ROUTE", "SOCIAL"),
        ("MET", "CP_ROUTE", "SOCIAL"),
    ]
    breach, escalation, met = plan.events
    assert breach["at"] == escalation["at"] == met["at"] == routed_at
    assert escalation["escalate_to"] == "SOCIAL:SUPERVISOR"
    assert breach["escalate_to"] is None
    assert met["late"] is True
    assert met["basis"] == "seed: 立即主動轉介"


def test_child_protection_triage_met_by_acceptance_not_by_acknowledgement() -> None:
    plan = start_clocks(None, referral("CHILD_PROTECTION", RECEIVED), routes("SOCIAL"), RECEIVED, POLICY, CALENDAR)
    assert plan.clocks is not None
    acknowledged = on_state(plan.clocks, "SOCIAL", "ACKNOWLEDGED", RECEIVED + timedelta(hours=1), POLICY)
    assert kinds_of(acknowledged) == [("MET", "ACK_EXPIRY", "SOCIAL")]
    after = latest(acknowledged, plan.clocks)
    assert clock(after, "CP_TRIAGE", "SOCIAL")["status"] == "OPEN"
    accepted = on_state(after, "SOCIAL", "ACCEPTED", taipei(2025, 7, 16, 8, 59), POLICY)
    assert kinds_of(accepted) == [("MET", "CP_TRIAGE", "SOCIAL")]
    assert accepted.events[0]["late"] is False
    assert clock(accepted.clocks, "CP_TRIAGE", "SOCIAL")["status"] == "MET"


def test_youth_drug_use_dispatch_is_met_by_socials_dispatch() -> None:
    plan = start_clocks(None, referral("YOUTH_DRUG_USE", RECEIVED), routes("SOCIAL"), RECEIVED, POLICY, CALENDAR)
    assert plan.clocks is not None
    assert names(plan.clocks) == {("YD_DISPATCH", "SOCIAL"), ("ACK_EXPIRY", "SOCIAL")}
    dispatch = clock(plan.clocks, "YD_DISPATCH", "SOCIAL")
    assert local(dispatch["due_at"]) == taipei(2025, 7, 16, 9, 0)
    assert on_state(plan.clocks, "SOCIAL", "ACKNOWLEDGED", RECEIVED, POLICY).events[0]["clock"] == "ACK_EXPIRY"
    dispatched = on_state(plan.clocks, "SOCIAL", "DISPATCHED", taipei(2025, 7, 15, 17, 0), POLICY)
    # A dispatch answers the notice too: SOCIAL's delivery will not expire.
    assert sorted(kinds_of(dispatched)) == [("MET", "ACK_EXPIRY", "SOCIAL"), ("MET", "YD_DISPATCH", "SOCIAL")]
    redirected = on_state(plan.clocks, "SOCIAL", "REDIRECTED", taipei(2025, 7, 16, 10, 0), POLICY)
    assert kinds_of(redirected) == [("MET", "YD_DISPATCH", "SOCIAL")]
    assert redirected.events[0]["late"] is True
    assert clock(redirected.clocks, "ACK_EXPIRY", "SOCIAL")["status"] == "STOPPED"


def test_youth_dispatch_adds_the_targets_clocks_without_stopping_socials() -> None:
    """SOCIAL's dispatch creates EDU's assignment: the same version is started again with one more route."""
    event = referral("YOUTH_DRUG_USE", RECEIVED)
    first = start_clocks(None, event, routes("SOCIAL"), RECEIVED, POLICY, CALENDAR)
    assert first.clocks is not None
    dispatched_at = taipei(2025, 7, 15, 16, 0)
    again = start_clocks(first.clocks, event, routes("SOCIAL", "EDU"), dispatched_at, POLICY, CALENDAR)
    assert names(again.clocks) == {("YD_DISPATCH", "SOCIAL"), ("ACK_EXPIRY", "SOCIAL"), ("ACK_EXPIRY", "EDU")}
    assert local(clock(again.clocks, "ACK_EXPIRY", "EDU")["started_at"]) == dispatched_at
    assert clock(again.clocks, "YD_DISPATCH", "SOCIAL") == clock(first.clocks, "YD_DISPATCH", "SOCIAL")
    # Even if SOCIAL's own delivery has ended by then, the same version drops nothing.
    only_edu = start_clocks(first.clocks, event, routes("EDU"), dispatched_at, POLICY, CALENDAR)
    assert clock(only_edu.clocks, "YD_DISPATCH", "SOCIAL")["status"] == "OPEN"


def test_pre_release_notice_less_than_30_days_ahead_is_flagged_late() -> None:
    event = referral("PRE_RELEASE", RECEIVED, expected_release_date="2025-08-01")
    plan = start_clocks(None, event, routes("BUREAU"), RECEIVED, POLICY, CALENDAR)
    assert kinds_of(plan) == [("LATE_NOTICE", "PR_LEAD_TIME", "BUREAU"), ("MET", "PR_LEAD_TIME", "BUREAU")]
    late_notice = plan.events[0]
    assert late_notice["at"] == RECEIVED
    assert late_notice["due_at"] == taipei(2025, 7, 2, 0, 0)  # 30 days before 2025-08-01 00:00 Taipei
    assert late_notice["escalate_to"] is None
    lead = clock(plan.clocks, "PR_LEAD_TIME", "BUREAU")
    assert lead["status"] == "MET"


@pytest.mark.parametrize(
    ("received", "late"),
    [
        (taipei(2025, 7, 2, 0, 0), False),  # exactly 30 days before
        (taipei(2025, 7, 2, 0, 1), True),
        (taipei(2025, 6, 1, 15, 0), False),
    ],
)
def test_pre_release_lead_time_boundary(received: datetime, late: bool) -> None:
    event = referral("PRE_RELEASE", received, expected_release_date="2025-08-01")
    plan = start_clocks(None, event, routes("BUREAU"), received, POLICY, CALENDAR)
    lead_events = [e["type"] for e in plan.events if e["clock"] == "PR_LEAD_TIME"]
    assert lead_events == (["LATE_NOTICE", "MET"] if late else ["MET"])


def test_pre_release_meeting_is_due_at_the_release_date() -> None:
    event = referral("PRE_RELEASE", RECEIVED, expected_release_date="2025-08-25")
    plan = start_clocks(None, event, routes("BUREAU"), RECEIVED, POLICY, CALENDAR)
    assert plan.clocks is not None
    meeting = clock(plan.clocks, "PR_MEETING", "BUREAU")
    assert local(meeting["due_at"]) == taipei(2025, 8, 25, 0, 0)
    # 80 % of the 40 days 15 hours from receipt to release.
    assert local(meeting["warning_at"]) == RECEIVED + (taipei(2025, 8, 25) - RECEIVED) * 0.8
    assert not [e for e in plan.events if e["type"] == "LATE_NOTICE"]
    delivered = on_state(plan.clocks, "BUREAU", "ACCEPTED", taipei(2025, 7, 20), POLICY)
    assert ("MET", "PR_MEETING", "BUREAU") not in kinds_of(delivered)
    met = on_state(plan.clocks, "BUREAU", "IN_PROGRESS", taipei(2025, 8, 10, 14, 0), POLICY)
    assert ("MET", "PR_MEETING", "BUREAU") in kinds_of(met)


def test_pre_release_without_a_release_date_gets_no_release_clocks() -> None:
    plan = start_clocks(None, referral("PRE_RELEASE", RECEIVED), routes("BUREAU"), RECEIVED, POLICY, CALENDAR)
    assert names(plan.clocks) == {("ACK_EXPIRY", "BUREAU")}
    garbled = referral("PRE_RELEASE", RECEIVED, expected_release_date="114/08/01")
    assert names(start_clocks(None, garbled, routes("BUREAU"), RECEIVED, POLICY, CALENDAR).clocks) == {
        ("ACK_EXPIRY", "BUREAU")
    }


def test_deferred_prosecution_with_treatment_clocks_both_destinations() -> None:
    event = referral(
        "DEFERRED_PROSECUTION",
        RECEIVED,
        treatment_ordered="Y",
        hospital_code="HOSP_KSPH",
        deferral_start="2025-07-20",
        deferral_end="2026-07-19",
    )
    routed_at = taipei(2025, 7, 16, 15, 0)  # Wednesday afternoon
    plan = start_clocks(None, event, routes("HOSP_KSPH", "BUREAU"), routed_at, POLICY, CALENDAR)
    assert names(plan.clocks) == {
        ("DP_ACCEPT", "HOSP_KSPH"),
        ("DP_ACCEPT", "BUREAU"),
        ("DP_CASE_OPENED", "BUREAU"),
        ("DP_PROGRESS_REPORT", "BUREAU"),
        ("ACK_EXPIRY", "HOSP_KSPH"),
        ("ACK_EXPIRY", "BUREAU"),
    }
    accept = clock(plan.clocks, "DP_ACCEPT", "BUREAU")
    assert local(accept["warning_at"]) == taipei(2025, 7, 21, 0, 36)  # 2.4 working days, over the weekend
    assert local(accept["due_at"]) == taipei(2025, 7, 21, 15, 0)  # 3 working days
    opened = clock(plan.clocks, "DP_CASE_OPENED", "BUREAU")
    assert local(opened["due_at"]) == taipei(2025, 7, 30, 15, 0)
    assert clock(plan.clocks, "DP_PROGRESS_REPORT", "BUREAU", "2025-07")["last_period"] == "2026-07"


def test_deferred_prosecution_accept_met_late() -> None:
    routed_at = taipei(2025, 7, 16, 15, 0)
    plan = start_clocks(None, referral("DEFERRED_PROSECUTION", RECEIVED), routes("BUREAU"), routed_at, POLICY, CALENDAR)
    assert plan.clocks is not None
    on_time = on_state(plan.clocks, "BUREAU", "ACCEPTED", taipei(2025, 7, 21, 14, 59), POLICY)
    late = on_state(plan.clocks, "BUREAU", "ACCEPTED", taipei(2025, 7, 21, 15, 1), POLICY)
    assert [(e["clock"], e["late"]) for e in on_time.events] == [("DP_ACCEPT", False), ("ACK_EXPIRY", False)]
    assert [(e["clock"], e["late"]) for e in late.events] == [("DP_ACCEPT", True), ("ACK_EXPIRY", False)]
    opened = on_state(latest(late, plan.clocks), "BUREAU", "IN_PROGRESS", taipei(2025, 7, 25), POLICY)
    assert kinds_of(opened) == [("MET", "DP_CASE_OPENED", "BUREAU")]


def test_recidivism_assessment_is_met_by_rejection_too() -> None:
    plan = start_clocks(None, referral("RECIDIVISM_PREVENTION", RECEIVED), routes("BUREAU"), RECEIVED, POLICY, CALENDAR)
    assert plan.clocks is not None
    assert local(clock(plan.clocks, "RP_ASSESSMENT", "BUREAU")["due_at"]) == taipei(2025, 7, 29, 9, 0)
    rejected = on_state(plan.clocks, "BUREAU", "REJECTED", taipei(2025, 7, 20), POLICY)
    assert kinds_of(rejected) == [("MET", "RP_ASSESSMENT", "BUREAU")]
    # The acknowledgement clock simply stops: a rejection is an answer, but not a met acknowledgement.
    assert clock(rejected.clocks, "ACK_EXPIRY", "BUREAU")["status"] == "STOPPED"


def test_service_referral_ack_and_outcome() -> None:
    routed_at = taipei(2025, 7, 15, 10, 0)
    plan = start_clocks(
        None, referral("SERVICE", RECEIVED, target="LABOUR"), routes("LABOUR"), routed_at, POLICY, CALENDAR
    )
    assert names(plan.clocks) == {("SV_ACK", "LABOUR"), ("SV_OUTCOME", "LABOUR"), ("ACK_EXPIRY", "LABOUR")}
    ack = clock(plan.clocks, "SV_ACK", "LABOUR")
    assert (local(ack["warning_at"]), local(ack["due_at"])) == (taipei(2025, 7, 21, 10), taipei(2025, 7, 22, 10))
    assert local(clock(plan.clocks, "SV_OUTCOME", "LABOUR")["due_at"]) == taipei(2025, 9, 13, 10, 0)
    assert plan.clocks is not None
    completed = on_state(plan.clocks, "LABOUR", "COMPLETED", taipei(2025, 8, 1), POLICY)
    assert {e["clock"] for e in completed.events} == {"SV_ACK", "SV_OUTCOME", "ACK_EXPIRY"}


def test_rejection_stops_unsatisfied_clocks_silently() -> None:
    plan = start_clocks(None, referral("SERVICE", RECEIVED), routes("NGO_MUEN"), RECEIVED, POLICY, CALENDAR)
    assert plan.clocks is not None
    acknowledged = latest(on_state(plan.clocks, "NGO_MUEN", "ACKNOWLEDGED", RECEIVED, POLICY), plan.clocks)
    cancelled = on_state(acknowledged, "NGO_MUEN", "CANCELLED", taipei(2025, 7, 17), POLICY)
    assert cancelled.events == []
    assert clock(cancelled.clocks, "SV_OUTCOME", "NGO_MUEN")["status"] == "STOPPED"
    assert clock(cancelled.clocks, "SV_ACK", "NGO_MUEN")["status"] == "MET"
    assert cancelled.clocks is not None
    assert check_due(cancelled.clocks, taipei(2026, 1, 1), POLICY, CALENDAR).events == []


def test_out_of_area_subjects_get_a_handoff_clock() -> None:
    routed_at = taipei(2025, 7, 18, 11, 0)  # Friday
    event = referral("SELF_REFERRAL", RECEIVED, out_of_area=True)
    plan = start_clocks(None, event, routes("BUREAU"), routed_at, POLICY, CALENDAR)
    handoff = clock(plan.clocks, "OUT_OF_AREA_HANDOFF", "BUREAU")
    assert local(handoff["due_at"]) == taipei(2025, 7, 25, 11, 0)
    assert plan.clocks is not None
    assert kinds_of(on_state(plan.clocks, "BUREAU", "REDIRECTED", taipei(2025, 7, 21), POLICY)) == [
        ("MET", "OUT_OF_AREA_HANDOFF", "BUREAU")
    ]
    in_area = start_clocks(None, referral("SELF_REFERRAL", RECEIVED), routes("BUREAU"), routed_at, POLICY, CALENDAR)
    assert names(in_area.clocks) == {("ACK_EXPIRY", "BUREAU")}


def test_a_referral_with_only_copies_gets_no_clocks() -> None:
    plan = start_clocks(
        None, referral("CHILD_PROTECTION", RECEIVED), routes(copies=["BUREAU"]), RECEIVED, POLICY, CALENDAR
    )
    assert plan.clocks is None
    assert plan.events == []


def test_states_of_another_destination_touch_nothing() -> None:
    plan = start_clocks(None, referral("SERVICE", RECEIVED), routes("LABOUR", "NGO_MUEN"), RECEIVED, POLICY, CALENDAR)
    assert plan.clocks is not None
    accepted = on_state(plan.clocks, "LABOUR", "ACCEPTED", RECEIVED, POLICY)
    assert {e["destination"] for e in accepted.events} == {"LABOUR"}
    assert clock(accepted.clocks, "SV_ACK", "NGO_MUEN")["status"] == "OPEN"


def test_unknown_states_are_refused() -> None:
    plan = start_clocks(None, referral("SERVICE", RECEIVED), routes("LABOUR"), RECEIVED, POLICY, CALENDAR)
    assert plan.clocks is not None
    with pytest.raises(ValueError, match="unknown state"):
        on_state(plan.clocks, "LABOUR", "ACCEPTD", RECEIVED, POLICY)
    with pytest.raises(ValueError, match="on_report"):
        on_state(plan.clocks, "LABOUR", "REPORTED", RECEIVED, POLICY)


# --- idempotence and versions ----------------------------------------------------------------------------------


def test_the_same_start_twice_gives_equal_results() -> None:
    event = referral("CHILD_PROTECTION", RECEIVED)
    args = (routes("SOCIAL", copies=["BUREAU"]), RECEIVED + timedelta(minutes=3), POLICY, CALENDAR)
    first, second = start_clocks(None, event, *args), start_clocks(None, event, *args)
    assert first == second
    assert first.clocks is not None
    replay = start_clocks(first.clocks, event, *args)
    assert replay.clocks is None, "nothing changed"
    assert replay.events == first.events, "the same events, same ids, for a re-send after a crash"
    assert len({e["event_id"] for e in first.events}) == len(first.events)


def test_meeting_and_checking_twice_changes_nothing_the_second_time() -> None:
    plan = start_clocks(None, referral("SERVICE", RECEIVED), routes("LABOUR"), RECEIVED, POLICY, CALENDAR)
    assert plan.clocks is not None
    met = on_state(plan.clocks, "LABOUR", "ACKNOWLEDGED", RECEIVED, POLICY)
    assert met.clocks is not None
    assert on_state(met.clocks, "LABOUR", "ACKNOWLEDGED", RECEIVED, POLICY).clocks is None
    late = taipei(2025, 12, 1)
    checked = check_due(met.clocks, late, POLICY, CALENDAR)
    assert [e["type"] for e in checked.events] == ["BREACH", "ESCALATION"]
    assert checked.clocks is not None
    again = check_due(checked.clocks, late + timedelta(hours=1), POLICY, CALENDAR)
    assert (again.clocks, again.events) == (None, [])


def test_an_older_version_changes_nothing() -> None:
    v2 = start_clocks(None, referral("SERVICE", RECEIVED, version=2), routes("LABOUR"), RECEIVED, POLICY, CALENDAR)
    assert v2.clocks is not None
    v1 = start_clocks(v2.clocks, referral("SERVICE", RECEIVED), routes("NGO_MUEN"), RECEIVED, POLICY, CALENDAR)
    assert (v1.clocks, v1.events) == (None, [])
