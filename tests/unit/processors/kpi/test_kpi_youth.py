"""Youth drug-use notices dispatched within 24 h: which notices count, and how each outcome is read."""

from __future__ import annotations

import pytest
from kpi_builders import facts, referral, sla, status, taipei

from processors.kpi import youth
from processors.kpi.model import Row
from processors.kpi.period import Period

PERIOD = Period.parse("2025-07-01", "2025-07-31")
T = taipei(2025, 7, 10, 9)


def _notice(referral_id: str, **extra: object) -> list[tuple[str, dict[str, object]]]:
    return [
        ("referral", referral(referral_id, "YOUTH_DRUG_USE", f"S-{referral_id}", T, source="SOCIAL", **extra)),  # type: ignore[arg-type]
        ("status", status(referral_id, "SOCIAL", "ROUTED", T)),
    ]


def test_each_outcome_of_a_notice() -> None:
    events = [
        *_notice("R-ON"),
        ("sla", sla("R-ON", "YD_DISPATCH", "MET", T, late=False)),
        *_notice("R-LATE"),
        ("sla", sla("R-LATE", "YD_DISPATCH", "BREACH", T)),
        ("sla", sla("R-LATE", "YD_DISPATCH", "MET", T, late=True)),
        *_notice("R-BREACH"),
        ("sla", sla("R-BREACH", "YD_DISPATCH", "WARNING", T)),
        ("sla", sla("R-BREACH", "YD_DISPATCH", "BREACH", T)),
        *_notice("R-REFUSED"),
        ("status", status("R-REFUSED", "SOCIAL", "REJECTED", T, reason="NOT_ELIGIBLE")),
        *_notice("R-WAIT"),
        *_notice("R-GONE"),
        ("status", status("R-GONE", "SOCIAL", "CANCELLED", T, by="SOCIAL")),
        # A youth living outside Kaohsiung: SOCIAL still owes the dispatch.
        ("referral", referral("R-AWAY", "YOUTH_DRUG_USE", "S-AWAY", T, source="SOCIAL", out_of_area=True)),
        ("sla", sla("R-AWAY", "YD_DISPATCH", "BREACH", T)),
        # Received before the period: not this period's notice, whatever its outcome.
        ("referral", referral("R-JUNE", "YOUTH_DRUG_USE", "S-JUNE", taipei(2025, 6, 30, 23))),
        ("sla", sla("R-JUNE", "YD_DISPATCH", "MET", T)),
        # Another clock of a notice says nothing about its dispatch.
        *_notice("R-OTHER"),
        ("sla", sla("R-OTHER", "ACK_EXPIRY", "EXPIRED", T)),
    ]
    [row] = youth.section(facts(*events), PERIOD).rows
    assert row.detail == {
        "on time": ("R-ON",),
        "late": ("R-LATE",),
        "breached": ("R-AWAY", "R-BREACH"),
        "not dispatched": ("R-REFUSED",),
        "excluded: pending": ("R-OTHER", "R-WAIT"),
        "excluded: withdrawn": ("R-GONE",),
    }
    assert (row.numerator, row.denominator, row.target) == (1, 5, 0.99)
    assert row.passed is False


@pytest.mark.parametrize(("on_time", "total", "passed"), [(99, 100, True), (98, 100, False), (0, 0, None)])
def test_the_target_is_reached_at_99_percent_exactly(on_time: int, total: int, passed: bool | None) -> None:
    assert Row("k", "label", on_time, total, target=0.99).passed is passed
