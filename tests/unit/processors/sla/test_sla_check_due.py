"""check_due and next_instant: warnings, breaches with escalation, expiry, and the calendar moving under a clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from processors.sla.calendar import WorkingCalendar
from processors.sla.policy import SlaPolicy
from processors.sla.referral_clocks import ReferralClocks, check_due, next_instant, on_state, start_clocks
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

RECEIVED = taipei(2025, 7, 15, 9, 0)


def _started(kind: str, *destinations: str, routed_at: datetime = RECEIVED, **attributes: str) -> ReferralClocks:
    event = referral(kind, RECEIVED, **attributes)
    plan = start_clocks(None, event, routes(*destinations), routed_at, POLICY, CALENDAR)
    assert plan.clocks is not None
    return plan.clocks


def test_warning_once_then_breach_once_with_escalation() -> None:
    clocks = _started("CHILD_PROTECTION", "SOCIAL")
    assert next_instant(clocks) == taipei(2025, 7, 16, 4, 12)
    assert check_due(clocks, taipei(2025, 7, 16, 4, 11), POLICY, CALENDAR).clocks is None

    warned = check_due(clocks, taipei(2025, 7, 16, 4, 12), POLICY, CALENDAR)
    assert kinds_of(warned) == [("WARNING", "CP_TRIAGE", "SOCIAL")]
    assert warned.events[0]["at"] == taipei(2025, 7, 16, 4, 12)
    assert warned.clocks is not None
    assert clock(warned.clocks, "CP_TRIAGE", "SOCIAL")["status"] == "WARNED"
    assert next_instant(warned.clocks) == taipei(2025, 7, 16, 9, 0)
    assert check_due(warned.clocks, taipei(2025, 7, 16, 8, 0), POLICY, CALENDAR).events == []

    breached = check_due(warned.clocks, taipei(2025, 7, 16, 9, 0, 30), POLICY, CALENDAR)
    assert kinds_of(breached) == [("BREACH", "CP_TRIAGE", "SOCIAL"), ("ESCALATION", "CP_TRIAGE", "SOCIAL")]
    breach, escalation = breached.events
    assert breach["at"] == escalation["at"] == taipei(2025, 7, 16, 9, 0)  # when it fell due, not when looked at
    assert escalation["escalate_to"] == "SOCIAL:SUPERVISOR"
    assert escalation["basis"] == "law: 兒童及少年福利與權益保障法第53條"
    assert breached.clocks is not None
    assert clock(breached.clocks, "CP_TRIAGE", "SOCIAL")["status"] == "BREACHED"
    assert breached.expire == []
    # Only ACK_EXPIRY (30 days, no warning) is left to watch.
    assert next_instant(breached.clocks) == taipei(2025, 8, 14, 9, 0)
    assert check_due(breached.clocks, taipei(2025, 7, 20), POLICY, CALENDAR).events == []


def test_a_late_look_breaches_without_a_stale_warning() -> None:
    clocks = _started("CHILD_PROTECTION", "SOCIAL")
    plan = check_due(clocks, taipei(2025, 7, 17), POLICY, CALENDAR)
    assert [e["type"] for e in plan.events] == ["BREACH", "ESCALATION"]


def test_a_breached_clock_met_late() -> None:
    clocks = _started("CHILD_PROTECTION", "SOCIAL")
    breached = check_due(clocks, taipei(2025, 7, 16, 9, 0), POLICY, CALENDAR).clocks
    assert breached is not None
    met = on_state(breached, "SOCIAL", "ACCEPTED", taipei(2025, 7, 16, 15, 0), POLICY)
    triage = [e for e in met.events if e["clock"] == "CP_TRIAGE"]
    assert [(e["type"], e["late"], e["at"]) for e in triage] == [("MET", True, taipei(2025, 7, 16, 15, 0))]
    triage_clock = clock(met.clocks, "CP_TRIAGE", "SOCIAL")
    assert (triage_clock["status"], local(triage_clock["met_at"])) == ("MET", taipei(2025, 7, 16, 15, 0))


def test_a_breached_clock_stays_breached_when_the_delivery_is_rejected() -> None:
    clocks = _started("CHILD_PROTECTION", "SOCIAL")
    breached = check_due(clocks, taipei(2025, 7, 16, 9, 0), POLICY, CALENDAR).clocks
    assert breached is not None
    rejected = on_state(breached, "SOCIAL", "REJECTED", taipei(2025, 7, 16, 10, 0), POLICY)
    assert rejected.events == []
    assert clock(rejected.clocks, "CP_TRIAGE", "SOCIAL")["status"] == "BREACHED"
    assert clock(rejected.clocks, "ACK_EXPIRY", "SOCIAL")["status"] == "STOPPED"
    assert rejected.clocks is not None
    assert next_instant(rejected.clocks) is None


def test_never_acknowledged_in_30_days_expires_the_delivery() -> None:
    routed_at = taipei(2025, 7, 15, 10, 0)
    clocks = _started("SERVICE", "LABOUR", "NGO_MUEN", routed_at=routed_at)
    acknowledged = on_state(clocks, "NGO_MUEN", "ACKNOWLEDGED", taipei(2025, 7, 16), POLICY).clocks
    assert acknowledged is not None
    # 24 days in: SV_ACK long breached, but ACK_EXPIRY gives no warning.
    breached = check_due(acknowledged, taipei(2025, 8, 8, 10, 0), POLICY, CALENDAR)
    assert ("WARNING", "ACK_EXPIRY", "LABOUR") not in kinds_of(breached)
    assert breached.clocks is not None
    assert check_due(breached.clocks, taipei(2025, 8, 14, 9, 59), POLICY, CALENDAR).expire == []

    expired = check_due(breached.clocks, taipei(2025, 8, 14, 10, 0), POLICY, CALENDAR)
    assert kinds_of(expired) == [("EXPIRED", "ACK_EXPIRY", "LABOUR")]
    assert expired.events[0]["at"] == taipei(2025, 8, 14, 10, 0)
    assert expired.expire == ["LABOUR"]
    assert expired.clocks is not None
    assert clock(expired.clocks, "ACK_EXPIRY", "LABOUR")["status"] == "EXPIRED"
    assert clock(expired.clocks, "ACK_EXPIRY", "NGO_MUEN")["status"] == "MET"
    # The hub expires LABOUR's delivery; that state stops LABOUR's remaining clocks without a word.
    stopped = on_state(expired.clocks, "LABOUR", "EXPIRED", taipei(2025, 8, 14, 10, 0), POLICY)
    assert stopped.events == []
    assert clock(stopped.clocks, "SV_OUTCOME", "LABOUR")["status"] == "STOPPED"
    assert clock(stopped.clocks, "SV_OUTCOME", "NGO_MUEN")["status"] == "OPEN"
    assert check_due(expired.clocks, taipei(2025, 8, 15), POLICY, CALENDAR).expire == []


def test_working_day_warning_across_a_weekend_and_the_lunar_new_year() -> None:
    routed_at = taipei(2025, 1, 22, 15, 0)  # Wednesday before 小年夜; 2025-01-27 is a day off
    clocks = _started("DEFERRED_PROSECUTION", "BUREAU", routed_at=routed_at)
    accept = clock(clocks, "DP_ACCEPT", "BUREAU")
    assert (local(accept["warning_at"]), local(accept["due_at"])) == (taipei(2025, 2, 3, 0, 36), taipei(2025, 2, 3, 15))
    assert kinds_of(check_due(clocks, taipei(2025, 1, 28, 15, 0), POLICY, CALENDAR)) == []
    # DP_CASE_OPENED (14 elapsed days) warns on the holiday itself: 80 % of its time is 2025-02-02 19:48.
    assert kinds_of(check_due(clocks, taipei(2025, 2, 3, 0, 35), POLICY, CALENDAR)) == [
        ("WARNING", "DP_CASE_OPENED", "BUREAU")
    ]
    warned = check_due(clocks, taipei(2025, 2, 3, 0, 36), POLICY, CALENDAR)
    assert kinds_of(warned) == [("WARNING", "DP_ACCEPT", "BUREAU"), ("WARNING", "DP_CASE_OPENED", "BUREAU")]
    assert warned.clocks is not None
    assert kinds_of(check_due(warned.clocks, taipei(2025, 2, 3, 15), POLICY, CALENDAR)) == [
        ("BREACH", "DP_ACCEPT", "BUREAU"),
        ("ESCALATION", "DP_ACCEPT", "BUREAU"),
    ]


def test_make_up_saturday_counts_for_a_service_acknowledgement() -> None:
    clocks = _started("SERVICE", "LABOUR", routed_at=taipei(2025, 2, 5, 10, 0))
    ack = clock(clocks, "SV_ACK", "LABOUR")
    assert (local(ack["warning_at"]), local(ack["due_at"])) == (taipei(2025, 2, 10, 10), taipei(2025, 2, 11, 10))


def test_a_typhoon_day_known_at_routing_moves_the_deadline() -> None:
    typhoon = WorkingCalendar().with_override(day_off=date(2025, 7, 18))
    plan = start_clocks(None, referral("SERVICE", RECEIVED), routes("LABOUR"), taipei(2025, 7, 15, 10), POLICY, typhoon)
    ack = clock(plan.clocks, "SV_ACK", "LABOUR")
    assert local(ack["due_at"]) == taipei(2025, 7, 23, 10, 0)


def test_a_typhoon_day_declared_after_routing_moves_the_open_clock_at_its_next_check() -> None:
    clocks = _started("SERVICE", "LABOUR", routed_at=taipei(2025, 7, 15, 10, 0))
    assert next_instant(clocks) == taipei(2025, 7, 21, 10, 0)
    # Declared the evening before (停班): Monday 2025-07-21 is off.
    typhoon = CALENDAR.with_override(day_off=date(2025, 7, 21))
    plan = check_due(clocks, taipei(2025, 7, 21, 10, 0), POLICY, typhoon)
    assert plan.events == []
    assert plan.clocks is not None
    ack = clock(plan.clocks, "SV_ACK", "LABOUR")
    assert (local(ack["warning_at"]), local(ack["due_at"])) == (taipei(2025, 7, 22, 10), taipei(2025, 7, 23, 10))
    assert next_instant(plan.clocks) == taipei(2025, 7, 22, 10, 0)
    assert kinds_of(check_due(plan.clocks, taipei(2025, 7, 22, 10, 0), POLICY, typhoon)) == [
        ("WARNING", "SV_ACK", "LABOUR")
    ]


def test_a_row_the_deployment_removed_stops_its_clocks() -> None:
    clocks = _started("SERVICE", "LABOUR")
    trimmed = SlaPolicy(tuple(r for r in POLICY.rules if r.clock != "SV_ACK"), POLICY.journey)
    plan = check_due(clocks, taipei(2025, 7, 16), trimmed, CALENDAR)
    assert plan.events == []
    assert clock(plan.clocks, "SV_ACK", "LABOUR")["status"] == "STOPPED"
    assert clock(plan.clocks, "SV_OUTCOME", "LABOUR")["status"] == "OPEN"


def test_a_changed_escalation_row_names_who_hears() -> None:
    clocks = _started("SERVICE", "LABOUR")
    rules = tuple(replace(r, escalate_to="BUREAU:SUPERVISOR") if r.clock == "SV_ACK" else r for r in POLICY.rules)
    plan = check_due(clocks, taipei(2025, 8, 1), SlaPolicy(rules, POLICY.journey), CALENDAR)
    escalations = [e for e in plan.events if e["type"] == "ESCALATION"]
    assert [(e["clock"], e["escalate_to"]) for e in escalations] == [("SV_ACK", "BUREAU:SUPERVISOR")]


def test_next_instant_is_none_once_nothing_is_left_to_watch() -> None:
    clocks = _started("SERVICE", "LABOUR")
    done = on_state(clocks, "LABOUR", "COMPLETED", RECEIVED + timedelta(days=1), POLICY).clocks
    assert done is not None
    assert next_instant(done) is None
    assert check_due(done, taipei(2026, 1, 1), POLICY, CALENDAR).clocks is None
