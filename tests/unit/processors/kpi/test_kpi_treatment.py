"""Deferred-prosecution cases with a treatment order whose hospital reported the treatment under way."""

from __future__ import annotations

from kpi_builders import facts, hours, referral, status, taipei

from processors.kpi import treatment
from processors.kpi.period import Period

PERIOD = Period.parse("2025-01-01", "2025-06-30")
T = taipei(2025, 3, 1)


def _case(
    referral_id: str, received: object = T, *, ordered: str = "Y", **attributes: str
) -> list[tuple[str, dict[str, object]]]:
    return [
        (
            "referral",
            referral(
                referral_id,
                "DEFERRED_PROSECUTION",
                f"S-{referral_id}",
                received,
                source="PROS_KS",
                treatment_ordered=ordered,
                **attributes,
            ),
        ),  # type: ignore[arg-type]
        ("status", status(referral_id, "BUREAU", "ROUTED", received)),  # type: ignore[arg-type]
        ("status", status(referral_id, "HOSP_KSPH", "ROUTED", received)),  # type: ignore[arg-type]
    ]


def test_treatment_records_of_the_cases_with_a_treatment_order() -> None:
    events = [
        *_case("R-TREATED"),
        ("status", status("R-TREATED", "HOSP_KSPH", "IN_PROGRESS", taipei(2025, 3, 10))),
        # Carried over from last year, still in its deferral, treated by the hospital HEALTH handed it to.
        *_case("R-CARRIED", taipei(2024, 9, 1), deferral_end="2026-08-31"),
        ("status", status("R-CARRIED", "HOSP_KSPH", "REDIRECTED", taipei(2024, 9, 5))),
        ("status", status("R-CARRIED", "HOSP_KMUH", "ROUTED", taipei(2024, 9, 5))),
        ("status", status("R-CARRIED", "HOSP_KMUH", "COMPLETED", taipei(2025, 1, 20))),
        # Accepted but not started; the bureau's own IN_PROGRESS is community treatment, not a treatment record.
        *_case("R-WAITING"),
        ("status", status("R-WAITING", "HOSP_KSPH", "ACCEPTED", taipei(2025, 3, 2))),
        ("status", status("R-WAITING", "BUREAU", "IN_PROGRESS", taipei(2025, 3, 2))),
        # Started only after the period.
        *_case("R-LATE"),
        ("status", status("R-LATE", "HOSP_KSPH", "IN_PROGRESS", taipei(2025, 7, 3))),
        # Not counted: deferral ended before the period, no order, withdrawn, received after the period.
        *_case("R-ENDED", taipei(2023, 1, 1), deferral_end="2024-12-31"),
        *_case("R-NO-ORDER", ordered="N"),
        *_case("R-WITHDRAWN"),
        ("status", status("R-WITHDRAWN", "BUREAU", "CANCELLED", T, by="PROS_KS")),
        ("status", status("R-WITHDRAWN", "HOSP_KSPH", "CANCELLED", T, by="PROS_KS")),
        *_case("R-JULY", taipei(2025, 7, 2)),
        # Community-treatment hours: a month in the period, and one after it.
        ("hours", hours("R-NO-ORDER", "S-R-NO-ORDER", "2025-03", 6.5, taipei(2025, 4, 2))),
        ("hours", hours("R-NO-ORDER", "S-R-NO-ORDER", "2025-04", 4.0, taipei(2025, 5, 2))),
        ("hours", hours("R-TREATED", "S-R-TREATED", "2025-07", 3.0, taipei(2025, 8, 2))),
    ]
    records, community = treatment.section(facts(*events), PERIOD).rows
    assert records.detail == {
        "treatment under way": ("R-CARRIED", "R-TREATED"),
        "no treatment record": ("R-LATE", "R-WAITING"),
    }
    assert (records.numerator, records.denominator, records.target, records.passed) == (2, 4, 0.85, False)
    assert community.detail["hours reported"] == ("R-NO-ORDER",)
    assert community.detail["no hours reported"] == ("R-CARRIED", "R-LATE", "R-TREATED", "R-WAITING")
    assert community.counts == {"hours": 10.5}
    assert community.target is None and community.passed is None
