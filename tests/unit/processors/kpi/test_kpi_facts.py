"""The facts the topics give: repeats, amendments, erased people, and what the report may say it read."""

from __future__ import annotations

import pytest
from kpi_builders import contact, facts, referral, sla, status, taipei

from processors.kpi.facts import Facts
from processors.kpi.period import InvalidPeriod, Period
from processors.kpi.report import build_report

T = taipei(2025, 7, 10)


def test_a_repeated_status_counts_once_and_an_amendment_keeps_the_first_receipt() -> None:
    found = Facts()
    routed = status("R-1", "SOCIAL", "ROUTED", T)
    found.add_status(routed)
    found.add_status(routed)
    found.add_referral(referral("R-1", "YOUTH_DRUG_USE", "S-1", T, in_school="N"))
    found.add_referral(referral("R-1", "YOUTH_DRUG_USE", "S-1", taipei(2025, 7, 12), version=2, in_school="Y"))
    found.add_referral(referral("R-1", "YOUTH_DRUG_USE", "S-1", T))  # version 1 again
    assert len(found.deliveries[("R-1", "SOCIAL")].transitions) == 1
    kept = found.referrals["R-1"]
    assert (kept.version, kept.received_at, kept.attributes["in_school"]) == (2, T, "Y")


def test_people_an_erasure_order_named_are_left_out_of_every_figure() -> None:
    events = [
        ("referral", referral("R-1", "YOUTH_DRUG_USE", "S-1", T, source="SOCIAL")),
        ("sla", sla("R-1", "YD_DISPATCH", "MET", T, subject_id="S-1")),
        ("contact", contact("S-1", T, "HOME", need_level="LOW")),
        ("erasure", {"subject_id": "S-1"}),
        # Cancelled because erased: the order itself may already have left the topics.
        ("referral", referral("R-2", "YOUTH_DRUG_USE", "S-2", T, source="SOCIAL")),
        ("status", status("R-2", "SOCIAL", "CANCELLED", T, reason="ERASED", by="HUB")),
        ("sla", sla("R-2", "YD_DISPATCH", "MET", T, subject_id="S-2")),
        ("referral", referral("R-3", "YOUTH_DRUG_USE", "S-3", T, source="SOCIAL")),
        ("sla", sla("R-3", "YD_DISPATCH", "MET", T, subject_id="S-3")),
    ]
    report = build_report(facts(*events), Period.parse("2025-07-01", "2025-07-31"))
    assert report.row("youth_dispatch").detail["on time"] == ("R-3",)
    assert report.row("casework.clients").numerator == 0
    assert any("2 people named by an erasure order" in note for note in report.notes)


def test_the_hubs_latest_record_is_what_it_stamped_itself() -> None:
    found = Facts()
    found.add_contact(contact("S-1", taipei(2030, 1, 1), "PHONE") | {"received_at": T})  # a clerk's typo: 2030
    found.add_sla(sla("R-1", "CP_TRIAGE", "MET", taipei(2031, 1, 1)))  # a MET carries the answer's own time
    assert found.as_of == T


def test_a_period_is_whole_days_in_taipei() -> None:
    period = Period.parse("2025-01-01", "2025-06-30")
    assert period.contains(taipei(2025, 6, 30, 23, 59)) and not period.contains(taipei(2025, 7, 1))
    assert not period.contains(taipei(2024, 12, 31, 23, 59))
    with pytest.raises(InvalidPeriod, match="before"):
        Period.parse("2025-06-30", "2025-01-01")
    with pytest.raises(InvalidPeriod, match="YYYY-MM-DD"):
        Period.parse("114/01/01", "2025-01-01")
