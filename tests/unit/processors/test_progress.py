import pytest

from processors.progress import hours_in_period, treatment_status


def _entry(**states: str) -> dict[str, object]:
    return {"destinations": {name: {"state": state} for name, state in states.items()}}


@pytest.mark.parametrize(
    ("hospital_state", "expected"),
    [
        ("ROUTED", ("未開始", None)),
        ("ACKNOWLEDGED", ("未開始", None)),
        ("ACCEPTED", ("治療中", None)),
        ("IN_PROGRESS", ("治療中", None)),
        ("COMPLETED", ("已完成", None)),
        ("REJECTED", ("未接受治療", "指定醫院未收治，毒防局已追蹤轉介")),
        ("EXPIRED", ("未接受治療", "指定醫院未收治，毒防局已追蹤轉介")),
    ],
)
def test_treatment_status_follows_the_hospital(hospital_state: str, expected: tuple[str, str | None]) -> None:
    assert treatment_status(_entry(HOSP_KSPH=hospital_state, BUREAU="ACCEPTED")) == expected


def test_community_treatment_only() -> None:
    assert treatment_status(_entry(BUREAU="ACCEPTED")) == ("社區處遇", None)


def test_hours_count_each_record_once_and_only_in_the_period() -> None:
    records = [
        {"event_id": "U-1", "referral_id": "R-1", "period": "2025-08", "hours": 8.0},
        {"event_id": "U-1", "referral_id": "R-1", "period": "2025-08", "hours": 8.0},
        {"event_id": "U-2", "referral_id": "R-1", "period": "2025-08", "hours": 4.5},
        {"event_id": "U-3", "referral_id": "R-1", "period": "2025-09", "hours": 6.0},
        {"event_id": "U-4", "referral_id": "R-2", "period": "2025-08", "hours": 9.0},
    ]
    assert hours_in_period(records, "R-1", "2025-08") == 12.5
