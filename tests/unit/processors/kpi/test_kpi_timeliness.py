"""SLA clocks per partner and clock, break points by type, and referrals by kind, partner and outcome."""

from __future__ import annotations

from kpi_builders import facts, gap, referral, sla, status, taipei

from processors.kpi import referrals, timeliness
from processors.kpi.period import Period

PERIOD = Period.parse("2025-07-01", "2025-07-31")
T = taipei(2025, 7, 10)


def test_each_clock_by_its_outcome_now() -> None:
    events = [
        ("sla", sla("R-1", "CP_TRIAGE", "MET", T, late=False)),
        ("sla", sla("R-2", "CP_TRIAGE", "WARNING", T)),
        ("sla", sla("R-2", "CP_TRIAGE", "BREACH", T)),
        ("sla", sla("R-2", "CP_TRIAGE", "ESCALATION", T)),
        ("sla", sla("R-2", "CP_TRIAGE", "MET", T, late=True)),
        ("sla", sla("R-3", "CP_TRIAGE", "BREACH", T)),
        ("sla", sla("R-4", "CP_TRIAGE", "WARNING", T)),  # still running
        ("sla", sla("R-5", "CP_TRIAGE", "WARNING", T)),  # then SOCIAL refused it: the clock stopped
        ("status", status("R-5", "SOCIAL", "REJECTED", T, reason="NOT_ELIGIBLE")),
        ("sla", sla("R-6", "ACK_EXPIRY", "EXPIRED", T, destination="HOSP_KSPH")),
        ("sla", sla("R-7", "PR_LEAD_TIME", "LATE_NOTICE", T, destination="BUREAU")),
        ("sla", sla("R-7", "PR_LEAD_TIME", "MET", T, destination="BUREAU", late=True)),
        ("sla", sla(None, "FOLLOWUP_CADENCE", "BREACH", T, destination="BUREAU", subject_id="S-9")),
        # Started before the period: another period's clock.
        ("sla", sla("R-8", "CP_TRIAGE", "MET", T, started_at=taipei(2025, 6, 30, 12))),
    ]
    rows = {row.key: row for row in timeliness.sla_section(facts(*events), PERIOD).rows}
    triage = rows["sla.SOCIAL.CP_TRIAGE"]
    assert triage.counts == {"met on time": 1, "met late": 1, "breached": 1, "open": 1, "stopped": 1}
    assert (triage.numerator, triage.denominator) == (1, 3)
    assert triage.detail["stopped"] == ("R-5",)
    assert rows["sla.HOSP_KSPH.ACK_EXPIRY"].counts["breached"] == 1
    assert rows["sla.BUREAU.PR_LEAD_TIME"].counts["met late"] == 1
    assert rows["sla.BUREAU.FOLLOWUP_CADENCE"].detail == {"breached": ("S-9",)}


def test_break_points_opened_closed_and_open_at_the_end() -> None:
    events = [
        ("gap", gap("G-1", "S-1", "BELOW_CADENCE", "OPEN", taipei(2025, 7, 1))),
        ("gap", gap("G-1", "S-1", "BELOW_CADENCE", "CLOSED", taipei(2025, 7, 1), taipei(2025, 7, 20))),
        ("gap", gap("G-2", "S-2", "BELOW_CADENCE", "OPEN", taipei(2025, 6, 1))),  # opened before, open still
        ("gap", gap("G-3", "S-3", "RELEASED_NO_CONTACT", "OPEN", taipei(2025, 6, 1))),
        ("gap", gap("G-3", "S-3", "RELEASED_NO_CONTACT", "CLOSED", taipei(2025, 6, 1), taipei(2025, 7, 2))),
        ("gap", gap("G-4", "S-4", "DP_NO_TREATMENT_START", "OPEN", taipei(2025, 7, 30))),
        ("gap", gap("G-4", "S-4", "DP_NO_TREATMENT_START", "CLOSED", taipei(2025, 7, 30), taipei(2025, 8, 3))),
        ("gap", gap("G-5", "S-5", "YOUTH_FOLLOWUP_LAPSED", "OPEN", taipei(2025, 8, 3))),  # after: not shown
    ]
    rows = {row.key: row for row in timeliness.gaps_section(facts(*events), PERIOD).rows}
    assert rows["gaps.BELOW_CADENCE"].counts == {"opened": 1, "closed": 1, "open at end": 1}
    assert rows["gaps.RELEASED_NO_CONTACT"].counts == {"opened": 0, "closed": 1, "open at end": 0}
    assert rows["gaps.DP_NO_TREATMENT_START"].counts == {"opened": 1, "closed": 0, "open at end": 1}
    assert "gaps.YOUTH_FOLLOWUP_LAPSED" not in rows


def test_referrals_by_kind_partner_and_outcome() -> None:
    events = [
        ("referral", referral("R-1", "CHILD_PROTECTION", "S-1", T)),
        ("status", status("R-1", "SOCIAL", "ROUTED", T)),
        ("status", status("R-1", "SOCIAL", "COMPLETED", T)),
        ("status", status("R-1", "BUREAU", "ROUTED", T)),
        ("assignment", {"referral_id": "R-1", "destination": "BUREAU", "copy": True}),
        ("referral", referral("R-2", "CHILD_PROTECTION", "S-2", T)),
        ("status", status("R-2", "SOCIAL", "ROUTED", T)),
        ("status", status("R-2", "SOCIAL", "REJECTED", T, reason="NOT_ELIGIBLE")),
        ("referral", referral("R-3", "DEFERRED_PROSECUTION", "S-3", T, source="PROS_KS")),
        ("status", status("R-3", "BUREAU", "ROUTED", T)),
        ("referral", referral("R-4", "LECTURE", "S-4", taipei(2025, 6, 1))),  # another period's
        ("status", status("R-4", "BUREAU", "ROUTED", T)),
    ]
    rows = {row.key: row for row in referrals.section(facts(*events), PERIOD).rows}
    assert rows["referrals.total"].numerator == 3
    assert (rows["referrals.kind.CHILD_PROTECTION"].numerator, rows["referrals.kind.CHILD_PROTECTION"].denominator) == (
        2,
        3,
    )
    assert rows["referrals.source.PROS_KS"].detail == {"referrals": ("R-3",)}
    social = rows["referrals.outcome.SOCIAL"]
    assert (social.numerator, social.denominator) == (1, 2) and social.counts["rejected"] == 1
    bureau = rows["referrals.outcome.BUREAU"]
    assert bureau.counts["information copies"] == 1 and bureau.counts["open"] == 1 and bureau.denominator == 1
