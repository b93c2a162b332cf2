"""Case-management coverage by seed 004's rules: 30-day months, the need level's 追輔模式, a month capped at what
it owes, phone/home/face contacts reached or not; the follow-up spell from the assessment to the case's closure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from kpi_builders import contact, facts, referral, status, taipei

from processors.kpi import casework
from processors.kpi.period import Period

PERIOD = Period.parse("2025-01-01", "2025-06-30")
AFTER = taipei(2025, 7, 10)


def _story() -> list[tuple[str, dict[str, object]]]:
    return [
        # A, LOW from 01-10 10:00: months end 02-09, 03-11, 04-10 (home owed), 05-10, 06-09 10:00; 22 days left over.
        ("contact", contact("S-A", taipei(2025, 1, 10, 10), "PHONE", need_level="LOW")),  # M1
        ("contact", contact("S-A", taipei(2025, 1, 20), "PHONE")),  # M1 again: capped
        ("contact", contact("S-A", taipei(2025, 3, 20), "HOME")),  # M3: the contact and the home visit
        ("contact", contact("S-A", taipei(2025, 4, 15), "NETWORK")),  # M4: not a 追輔 contact
        ("contact", contact("S-A", taipei(2025, 5, 20), "FACE", reached=False)),  # M5: 聯繫未果 counts
        ("contact", contact("S-A", taipei(2025, 6, 20), "PHONE")),  # the left-over days: in no month
        # B, HIGH since December; case closed 03-05: window 01-01 … 03-05 = 63 days, two months (01-31, 03-02).
        ("referral", referral("R-B", "RECIDIVISM_PREVENTION", "S-B", taipei(2024, 11, 20))),
        ("status", status("R-B", "BUREAU", "ROUTED", taipei(2024, 11, 20))),
        ("status", status("R-B", "BUREAU", "IN_PROGRESS", taipei(2024, 12, 1))),
        ("contact", contact("S-B", taipei(2024, 12, 1), "FACE", need_level="HIGH")),
        ("contact", contact("S-B", taipei(2025, 1, 5), "HOME")),
        ("contact", contact("S-B", taipei(2025, 1, 6), "PHONE")),
        ("contact", contact("S-B", taipei(2025, 1, 7), "PHONE")),  # M1: 2 contacts (capped) + home = 3 of 3
        ("status", status("R-B", "BUREAU", "COMPLETED", taipei(2025, 3, 5))),
        ("contact", contact("S-B", taipei(2025, 3, 10), "PHONE")),  # after the closure: no follow-up any more
        # C, MEDIUM from 02-01, HIGH from 03-15: months end 03-03, 04-02, 05-02, 06-01, 07-01 (exactly five).
        ("contact", contact("S-C", taipei(2025, 2, 1), "PHONE", need_level="MEDIUM")),
        ("contact", contact("S-C", taipei(2025, 2, 2), "PHONE")),
        ("contact", contact("S-C", taipei(2025, 2, 3), "PHONE")),  # M1 (MEDIUM): 1 of 1
        ("contact", contact("S-C", taipei(2025, 3, 15), "HOME", need_level="HIGH")),
        ("contact", contact("S-C", taipei(2025, 3, 20), "PHONE")),  # M2 (HIGH, ends after 03-15): 2 + home = 3 of 3
        ("contact", contact("S-C", taipei(2025, 4, 10), "HOME")),
        ("contact", contact("S-C", taipei(2025, 4, 11), "HOME")),  # M3: 2 + home = 3 of 3
        ("contact", contact("S-C", taipei(2025, 5, 3), "PHONE")),
        ("contact", contact("S-C", taipei(2025, 5, 4), "PHONE")),  # M4: 2 of 2, no home visit: 2 of 3
        ("contact", contact("S-C", taipei(2025, 6, 5), "OTHER")),
        ("contact", contact("S-C", taipei(2025, 6, 6), "PHONE")),  # M5: 1 of 3
        # D, assessed 06-15: sixteen days, no whole month: in follow-up, not judged.
        ("contact", contact("S-D", taipei(2025, 6, 15), "HOME", need_level="LOW")),
        # E never assessed: no follow-up.
        ("contact", contact("S-E", taipei(2025, 2, 1), "PHONE")),
    ]


def test_coverage_counts_30_day_months_caps_each_month_and_owes_home_visits_by_level() -> None:
    section = casework.section(facts(*_story(), as_of=AFTER), PERIOD)
    rows = {row.key: row for row in section.rows}
    # A 4/6 (1 + 0 + 2 + 0 + 1 of 1 + 1 + 2 + 1 + 1), B 3/6 (3 + 0 of 3 + 3), C 10/13 (1 + 3 + 3 + 2 + 1).
    coverage = rows["casework.coverage"]
    assert coverage.detail["≥ 65 %"] == ("S-A 4/6", "S-C 10/13")
    assert coverage.detail["< 65 %"] == ("S-B 3/6",)
    assert coverage.detail["not judged (no whole month)"] == ("S-D",)
    assert (coverage.numerator, coverage.denominator, coverage.passed) == (2, 3, False)
    assert rows["casework.clients"].detail["in follow-up"] == ("S-A", "S-B", "S-C", "S-D")
    # Phone, home, face inside the spells: A 5 (not the network one), B 3 (not December's, not after closure),
    # C 10 (not the other one), D 1.
    per_client = rows["casework.contacts_per_client"]
    assert (per_client.numerator, per_client.denominator, per_client.value) == (19, 4, 19 / 4)
    by_mode = {key.rsplit(".", 1)[1]: row for key, row in rows.items() if key.startswith("casework.contacts.")}
    assert {mode: row.numerator for mode, row in by_mode.items()} == {
        "PHONE": 3 + 2 + 7,
        "HOME": 1 + 1 + 3 + 1,
        "FACE": 1,
        "NETWORK": 1,
        "OTHER": 1,
    }
    assert by_mode["FACE"].counts == {"reached": 0, "not reached": 1}
    assert by_mode["PHONE"].denominator == 21


@pytest.mark.parametrize(("phoned_months", "covered"), [(13, True), (12, False)])
def test_the_line_is_65_percent_of_what_is_owed(phoned_months: int, covered: bool) -> None:
    # LOW for 15 months of 30 days: 15 contacts and 5 home visits (months 3, 6, 9, 12, 15) owed, 20 in all;
    # a phone call in 13 of the months is 13/20 = 65 % exactly, in 12 of them 60 %.
    start = taipei(2024, 1, 1)
    period = Period.parse("2024-01-01", "2025-03-25")  # 450 days
    # The assessment at 00:00 starts the months with the period.
    events = [
        ("contact", contact("S-X", start + timedelta(days=30 * m), "PHONE", need_level="LOW"))
        for m in range(phoned_months)
    ]
    row = casework.section(facts(*events, as_of=taipei(2025, 9, 1)), period).rows[1]
    assert row.detail["≥ 65 %" if covered else "< 65 %"] == (f"S-X {phoned_months}/20",)


def test_a_home_visit_owed_every_third_month_may_fall_in_any_of_the_three() -> None:
    # LOW, 6 months: owed 6 contacts + home visits closing months 3 and 6. A visit in month 1 serves months 1-3;
    # none in 4-6. Month 1 also had its contact from it: 6 phone months + 1 home = 7 of 8.
    start = taipei(2024, 1, 1)
    period = Period.parse("2024-01-01", "2024-06-28")  # 180 days
    events = [("contact", contact("S-Y", start + timedelta(days=30 * m), "PHONE", need_level="LOW")) for m in range(6)]
    events.append(("contact", contact("S-Y", start + timedelta(days=2), "HOME")))
    row = casework.section(facts(*events, as_of=taipei(2025, 1, 1)), period).rows[1]
    assert row.detail["≥ 65 %"] == ("S-Y 7/8",)


def test_a_case_closes_only_when_none_of_the_persons_bureau_deliveries_is_open() -> None:
    events = [
        ("referral", referral("R-1", "RECIDIVISM_PREVENTION", "S-G", taipei(2025, 1, 1))),
        ("referral", referral("R-2", "DEFERRED_PROSECUTION", "S-G", taipei(2025, 1, 2))),
        ("status", status("R-1", "BUREAU", "ROUTED", taipei(2025, 1, 1))),
        ("status", status("R-2", "BUREAU", "ROUTED", taipei(2025, 1, 2))),
        ("status", status("R-2", "HOSP_KSPH", "ROUTED", taipei(2025, 1, 2))),
        ("status", status("R-1", "BUREAU", "COMPLETED", taipei(2025, 2, 1))),  # R-2 still open: no closure
        ("status", status("R-2", "BUREAU", "CLOSED", taipei(2025, 4, 1))),  # the hospital's delivery is no case
        ("status", status("R-1", "BUREAU", "CLOSED", taipei(2025, 4, 2))),  # COMPLETED → CLOSED closes nothing again
    ]
    assert casework.closures(facts(*events)) == {"S-G": [taipei(2025, 4, 1)]}


def test_an_assessment_after_a_closure_opens_a_new_spell_at_its_own_level() -> None:
    events = [
        ("referral", referral("R-1", "RECIDIVISM_PREVENTION", "S-H", taipei(2025, 1, 1))),
        ("status", status("R-1", "BUREAU", "ROUTED", taipei(2025, 1, 1))),
        ("contact", contact("S-H", taipei(2025, 1, 2), "PHONE", need_level="HIGH")),
        ("status", status("R-1", "BUREAU", "COMPLETED", taipei(2025, 2, 1))),
        ("contact", contact("S-H", taipei(2025, 3, 1), "PHONE", need_level="LOW")),
    ]
    found = casework.spells(facts(*events))["S-H"]
    assert [(s.since, s.until, s.levels[0][1]) for s in found] == [
        (taipei(2025, 1, 2), taipei(2025, 2, 1), "HIGH"),
        (taipei(2025, 3, 1), None, "LOW"),
    ]


def test_months_end_at_the_hubs_latest_record_when_the_period_has_not_ended() -> None:
    # Read on 03-15 a period to 06-30: only the months up to then are owed (two, from 01-01).
    events = [("contact", contact("S-A", taipei(2025, 1, 1), "PHONE", need_level="LOW"))]
    coverage = casework.section(facts(*events, as_of=taipei(2025, 3, 15)), PERIOD).rows[1]
    assert coverage.detail["< 65 %"] == ("S-A 1/2",)
