"""Break point a: released with no community contact (出監後未銜接社區)."""

from datetime import timedelta

from journey_builders import Run, contact, pre_release, taipei

from processors.journeys.journey import next_instant, open_gaps

ROSTER_DAY = taipei(2025, 6, 10, 9)
RELEASED = taipei(2025, 7, 15)  # 00:00 Asia/Taipei on the expected release date
WARNING = taipei(2025, 7, 20, 14, 24)  # 80 % of 7 days
DUE = taipei(2025, 7, 22)


def _released() -> Run:
    run = Run()
    assert run.step(pre_release("R-P1", "2025-07-15", ROSTER_DAY)) == []
    return run


def test_first_contact_within_seven_days_meets_the_clock_without_a_gap() -> None:
    run = _released()
    assert run.journey is not None and next_instant(run.journey) == WARNING
    events = run.step(contact("C-1", taipei(2025, 7, 18, 10, 30)))
    assert run.labels(events) == ["MET FIRST_CONTACT_AFTER_RELEASE"]
    met = events[0]
    assert met["at"] == taipei(2025, 7, 18, 10, 30) and met["late"] is False
    assert (met["started_at"], met["warning_at"], met["due_at"]) == (RELEASED, WARNING, DUE)
    assert (met["referral_id"], met["kind"], met["source"], met["destination"]) == (
        "R-P1", "PRE_RELEASE", "PRISON_KSP1", "BUREAU",
    )  # fmt: skip
    assert run.check(taipei(2025, 8, 1)) == []
    assert next_instant(run.journey) is None


def test_no_contact_warns_breaches_and_opens_the_gap_at_release_plus_seven_days() -> None:
    run = _released()
    assert run.check(WARNING - timedelta(seconds=1)) == []
    assert run.labels(run.check(WARNING)) == ["WARNING FIRST_CONTACT_AFTER_RELEASE"]
    assert run.check(DUE - timedelta(seconds=1)) == []
    assert run.labels(run.check(DUE)) == ["BREACH FIRST_CONTACT_AFTER_RELEASE", "OPEN RELEASED_NO_CONTACT"]
    opened = run.only("OPEN RELEASED_NO_CONTACT")
    assert (opened["opened_at"], opened["due_at"], opened["at"]) == (DUE, DUE, DUE)
    assert (opened["closed_at"], opened["closed_by"], opened["status"]) == (None, None, "OPEN")
    assert (opened["stage"], opened["referral_id"], opened["period"]) == ("RELEASE", "R-P1", None)
    assert opened["detail"] == "預定 2025-07-15 出監後 7 日內無社區個管成功聯繫"
    assert run.journey is not None
    assert [gap["gap_type"] for gap in open_gaps(run.journey)] == ["RELEASED_NO_CONTACT"]


def test_the_next_reached_contact_closes_the_gap_and_meets_the_clock_late() -> None:
    run = _released()
    run.check(DUE)
    assert run.step(contact("C-0", taipei(2025, 7, 24, 9), "HOME", reached=False)) == []
    events = run.step(contact("C-1", taipei(2025, 7, 25, 16)))
    assert run.labels(events) == ["MET FIRST_CONTACT_AFTER_RELEASE", "CLOSED RELEASED_NO_CONTACT"]
    met, closed = events
    assert met["late"] is True and met["at"] == taipei(2025, 7, 25, 16)
    opened = run.only("OPEN RELEASED_NO_CONTACT")
    assert closed["gap_id"] == opened["gap_id"] and closed["event_id"] != opened["event_id"]
    assert (closed["opened_at"], closed["closed_at"]) == (DUE, taipei(2025, 7, 25, 16))
    assert closed["closed_by"] == "CONTACT/C-1"
    assert closed["detail"] == opened["detail"]
    assert run.journey is not None and open_gaps(run.journey) == []


def test_a_contact_before_release_is_not_a_community_contact() -> None:
    run = _released()
    # The pre-release meeting in the prison (出監前會談) is reached, face to face — and before release.
    assert run.step(contact("C-prison", taipei(2025, 7, 14, 23, 59), "FACE")) == []
    assert run.labels(run.check(DUE)) == [
        "WARNING FIRST_CONTACT_AFTER_RELEASE", "BREACH FIRST_CONTACT_AFTER_RELEASE", "OPEN RELEASED_NO_CONTACT",
    ]  # fmt: skip


def test_a_contact_at_the_first_minute_of_release_day_counts() -> None:
    run = _released()
    assert run.labels(run.step(contact("C-1", RELEASED))) == ["MET FIRST_CONTACT_AFTER_RELEASE"]


def test_a_contact_at_the_deadline_itself_is_late() -> None:
    run = _released()
    events = run.step(contact("C-1", DUE))
    assert run.labels(events) == [
        "WARNING FIRST_CONTACT_AFTER_RELEASE", "BREACH FIRST_CONTACT_AFTER_RELEASE", "OPEN RELEASED_NO_CONTACT",
        "MET FIRST_CONTACT_AFTER_RELEASE", "CLOSED RELEASED_NO_CONTACT",
    ]  # fmt: skip
    assert events[3]["late"] is True


def test_an_unreached_attempt_satisfies_nothing() -> None:
    run = _released()
    assert run.step(contact("C-1", taipei(2025, 7, 16, 10), "PHONE", reached=False)) == []
    assert "BREACH FIRST_CONTACT_AFTER_RELEASE" in run.labels(run.check(DUE))


def test_a_contact_reported_late_closes_the_gap_it_would_have_prevented() -> None:
    run = _released()
    run.check(DUE)  # the timer fired on time; the case manager entered the contact days later (補登)
    events = run.step(contact("C-1", taipei(2025, 7, 19, 10)), now=taipei(2025, 7, 24, 9))
    assert run.labels(events) == ["MET FIRST_CONTACT_AFTER_RELEASE", "CLOSED RELEASED_NO_CONTACT"]
    assert events[0]["late"] is False
    # The gap lasted no time: it closes at the instant it opened, never before.
    assert events[1]["closed_at"] == events[1]["opened_at"] == DUE


def test_a_step_processed_late_is_judged_at_its_own_time_first() -> None:
    run = _released()
    # The contact happened on time but reached the hub after the deadline: met, never breached.
    events = run.step(contact("C-1", taipei(2025, 7, 21, 22)), now=taipei(2025, 7, 22, 0, 5))
    assert run.labels(events) == ["WARNING FIRST_CONTACT_AFTER_RELEASE", "MET FIRST_CONTACT_AFTER_RELEASE"]


def test_a_newer_roster_with_a_new_release_date_moves_a_clock_that_has_not_spoken() -> None:
    run = _released()
    later = pre_release("R-P1", "2025-08-01", ROSTER_DAY + timedelta(days=3))
    assert run.step(later) == []
    assert run.journey is not None and next_instant(run.journey) == taipei(2025, 8, 6, 14, 24)
    assert run.check(DUE) == []
    assert [stage["at"] for stage in run.journey["stages"] if stage["stage"] == "RELEASE"] == [
        "2025-08-01T00:00:00+08:00"
    ]
    assert run.labels(run.check(taipei(2025, 8, 8))) == [
        "WARNING FIRST_CONTACT_AFTER_RELEASE", "BREACH FIRST_CONTACT_AFTER_RELEASE", "OPEN RELEASED_NO_CONTACT",
    ]  # fmt: skip


def test_a_pre_release_referral_without_a_date_starts_no_clock() -> None:
    run = Run()
    step = pre_release("R-P1", "2025-07-15", ROSTER_DAY)
    del step["attributes"]["expected_release_date"]
    run.step(step)
    assert run.journey is not None and run.journey["duties"] == {} and next_instant(run.journey) is None


def test_an_older_roster_version_arriving_late_does_not_move_the_clock_back() -> None:
    run = _released()
    newer = pre_release("R-P1", "2025-08-01", ROSTER_DAY + timedelta(days=3))
    run.step(newer)
    older_again = pre_release("R-P1", "2025-07-15", ROSTER_DAY)
    older_again["step_id"] = "ref-R-P1-v1-redelivered"
    assert run.step(older_again, now=ROSTER_DAY + timedelta(days=4)) == []
    assert run.journey is not None and next_instant(run.journey) == taipei(2025, 8, 6, 14, 24)
    assert run.journey["referrals"]["R-P1"]["facts"]["expected_release_date"] == "2025-08-01"


def test_a_late_roster_finds_a_contact_made_exactly_at_the_deadline_late() -> None:
    run = Run()
    run.step(contact("C-1", DUE))
    events = run.step(pre_release("R-P1", "2025-07-15", taipei(2025, 7, 23, 9)))  # the roster came after release
    assert run.labels(events) == [
        "WARNING FIRST_CONTACT_AFTER_RELEASE", "BREACH FIRST_CONTACT_AFTER_RELEASE", "OPEN RELEASED_NO_CONTACT",
        "MET FIRST_CONTACT_AFTER_RELEASE", "CLOSED RELEASED_NO_CONTACT",
    ]  # fmt: skip
    assert events[3]["late"] is True and events[4]["closed_at"] == DUE
