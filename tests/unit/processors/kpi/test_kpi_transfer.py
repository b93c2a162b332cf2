"""Pre-release transfer meetings, meetings before release, and the resources linked for those released."""

from __future__ import annotations

from kpi_builders import facts, referral, status, taipei

from processors.kpi import transfer
from processors.kpi.period import Period

PERIOD = Period.parse("2025-07-01", "2025-09-30")


def _roster(referral_id: str, subject: str, release: str) -> list[tuple[str, dict[str, object]]]:
    received = taipei(2025, 6, 1)
    return [
        (
            "referral",
            referral(
                referral_id, "PRE_RELEASE", subject, received, source="PRISON_KSP1", expected_release_date=release
            ),
        ),
        ("status", status(referral_id, "BUREAU", "ROUTED", received)),
    ]


def test_meetings_and_resources() -> None:
    events = [
        # Met in July, released in August: a meeting in the period, before release.
        *_roster("R-1", "S-1", "2025-08-01"),
        ("status", status("R-1", "BUREAU", "IN_PROGRESS", taipei(2025, 7, 20))),
        # Met in June (before the period), released in July: met before release, no meeting in the period.
        *_roster("R-2", "S-2", "2025-07-05"),
        ("status", status("R-2", "BUREAU", "IN_PROGRESS", taipei(2025, 6, 20))),
        # Released 09-01, met on the release day: too late. A second IN_PROGRESS-like step is no second meeting.
        *_roster("R-3", "S-3", "2025-09-01"),
        ("status", status("R-3", "BUREAU", "IN_PROGRESS", taipei(2025, 9, 1, 9))),
        ("status", status("R-3", "BUREAU", "COMPLETED", taipei(2025, 9, 20))),
        # Released in the period, never met.
        *_roster("R-4", "S-4", "2025-09-15"),
        # Released after the period: met in it.
        *_roster("R-5", "S-5", "2025-11-15"),
        ("status", status("R-5", "BUREAU", "IN_PROGRESS", taipei(2025, 9, 2))),
        # Withdrawn by the prison before any meeting.
        *_roster("R-6", "S-6", "2025-08-15"),
        ("status", status("R-6", "BUREAU", "CANCELLED", taipei(2025, 7, 1))),
        # Resources: two employment referrals for S-1, one medical for S-2, one for someone never in prison,
        # one for S-3 before the period.
        (
            "referral",
            referral("R-J1", "SERVICE", "S-1", taipei(2025, 8, 2), source="BUREAU", service_type="EMPLOYMENT"),
        ),
        (
            "referral",
            referral("R-J2", "SERVICE", "S-1", taipei(2025, 8, 9), source="BUREAU", service_type="EMPLOYMENT"),
        ),
        ("referral", referral("R-M1", "SERVICE", "S-2", taipei(2025, 7, 9), source="BUREAU", service_type="MEDICAL")),
        ("referral", referral("R-X1", "SERVICE", "S-9", taipei(2025, 7, 9), source="BUREAU", service_type="MEDICAL")),
        ("referral", referral("R-OLD", "SERVICE", "S-3", taipei(2025, 6, 9), source="BUREAU", service_type="MEDICAL")),
    ]
    rows = {row.key: row for row in transfer.section(facts(*events), PERIOD).rows}
    assert rows["transfer.meetings"].detail == {"meetings": ("R-1", "R-3", "R-5")}
    assert rows["transfer.meetings"].numerator == 3
    before = rows["transfer.before_release"]
    assert before.detail == {"met before release": ("R-1", "R-2"), "not met before release": ("R-3", "R-4")}
    assert (before.numerator, before.denominator) == (2, 4)
    employment = rows["transfer.resources.EMPLOYMENT"]
    assert (employment.numerator, employment.counts) == (2, {"persons": 1})
    assert rows["transfer.resources.MEDICAL"].detail == {"referrals": ("R-M1",)}
    assert set(rows) == {
        "transfer.meetings",
        "transfer.before_release",
        "transfer.resources.EMPLOYMENT",
        "transfer.resources.MEDICAL",
    }
