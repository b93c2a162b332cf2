"""Break point d: follow-up below the cadence (追輔頻率不足), by need level."""

from datetime import UTC, datetime

import pytest
from journey_builders import Run, contact, referred, state, taipei

from processors.journeys.journey import next_instant, open_gaps

BEGAN = taipei(2025, 7, 10, 10)  # first contact with a need level: July itself is not judged
AUGUST_WARNING = taipei(2025, 8, 25, 19, 12)  # 80 % of 31 days
AUGUST_END = taipei(2025, 9, 1)


def _under_follow_up(level: str, mode: str = "PHONE") -> Run:
    run = Run()
    assert run.step(contact("C-start", BEGAN, mode, need_level=level)) == []
    return run


def test_the_first_judged_month_is_the_one_after_follow_up_began() -> None:
    run = _under_follow_up("LOW")
    assert run.journey is not None and run.journey["duties"] == {}
    assert next_instant(run.journey) == taipei(2025, 8, 1)
    assert run.check(taipei(2025, 8, 1)) == []
    duty = next(iter(run.journey["duties"].values()))
    assert (duty["period"], duty["started_at"], duty["warning_at"], duty["due_at"]) == (
        "2025-08", "2025-08-01T00:00:00+08:00", "2025-08-25T19:12:00+08:00", "2025-09-01T00:00:00+08:00",
    )  # fmt: skip
    assert next_instant(run.journey) == AUGUST_WARNING
    stages = [(s["stage"], s["at"]) for s in run.journey["stages"]]
    assert stages == [("FOLLOW_UP", "2025-07-10T10:00:00+08:00")]


@pytest.mark.parametrize(
    ("level", "start_mode", "august", "outcome"),
    [
        ("LOW", "PHONE", [("PHONE", 5, True)], "MET 5"),
        ("LOW", "PHONE", [("PHONE", 5, False)], "2025-08 成功聯繫 0 次，低需求應至少 1 次"),
        # MEDIUM looks back two months (July and August) for a home visit.
        ("MEDIUM", "PHONE", [("PHONE", 5, True)], "近 2 個月（2025-07 起）無成功家訪"),
        ("MEDIUM", "HOME", [("PHONE", 5, True)], "MET 5"),
        ("HIGH", "HOME", [("HOME", 5, True), ("NETWORK", 20, True)], "MET 20"),
        ("HIGH", "HOME", [("HOME", 5, True)], "2025-08 成功聯繫 1 次，高需求應至少 2 次"),
        ("HIGH", "HOME", [("PHONE", 5, True), ("FACE", 20, True)], "近 1 個月（2025-08 起）無成功家訪"),
        (
            "HIGH", "HOME", [("PHONE", 5, True), ("HOME", 20, False)],
            "2025-08 成功聯繫 1 次，高需求應至少 2 次；近 1 個月（2025-08 起）無成功家訪",
        ),
    ],
)  # fmt: skip
def test_a_month_at_each_need_levels_cadence(
    level: str, start_mode: str, august: list[tuple[str, int, bool]], outcome: str
) -> None:
    run = _under_follow_up(level, start_mode)
    for number, (mode, day, reached) in enumerate(august):
        run.step(contact(f"C-{number}", taipei(2025, 8, day, 10), mode, reached=reached))
    run.check(AUGUST_END)
    if outcome.startswith("MET"):
        met = run.only("MET FOLLOWUP_CADENCE")
        assert met["at"] == taipei(2025, 8, int(outcome.split()[1]), 10) and met["period"] == "2025-08"
        assert "OPEN BELOW_CADENCE" not in run.labels()
    else:
        assert run.labels() == ["WARNING FOLLOWUP_CADENCE", "BREACH FOLLOWUP_CADENCE", "OPEN BELOW_CADENCE"]
        opened = run.only("OPEN BELOW_CADENCE")
        assert opened["detail"] == outcome
        assert (opened["period"], opened["stage"], opened["referral_id"]) == ("2025-08", "FOLLOW_UP", None)
        assert opened["opened_at"] == opened["due_at"] == AUGUST_END


def test_low_need_checks_home_visits_from_the_third_month_on() -> None:
    run = _under_follow_up("LOW")
    run.step(contact("C-aug", taipei(2025, 8, 5, 10)))
    run.step(contact("C-sep", taipei(2025, 9, 5, 10)))
    events = run.check(taipei(2025, 10, 1))
    assert run.labels(events) == ["WARNING FOLLOWUP_CADENCE", "BREACH FOLLOWUP_CADENCE", "OPEN BELOW_CADENCE"]
    assert events[-1]["period"] == "2025-09"
    assert events[-1]["detail"] == "近 3 個月（2025-07 起）無成功家訪"
    # An unreached home visit is no home visit; a reached phone call does not replace one.
    assert run.step(contact("C-1", taipei(2025, 10, 2, 10), "HOME", reached=False)) == []
    assert run.step(contact("C-2", taipei(2025, 10, 3, 10), "PHONE")) == []
    closed = run.step(contact("C-3", taipei(2025, 10, 6, 10), "HOME"))
    assert run.labels(closed) == ["MET FOLLOWUP_CADENCE", "CLOSED BELOW_CADENCE"]
    assert closed[0]["period"] == "2025-10"  # the visit is October's …
    assert closed[1]["closed_by"] == "CONTACT/C-3" and closed[1]["period"] == "2025-09"  # … and mends September


def test_a_later_contact_making_up_the_shortfall_closes_the_gap() -> None:
    run = _under_follow_up("HIGH", "HOME")
    run.step(contact("C-aug", taipei(2025, 8, 5, 10), "HOME"))
    run.check(AUGUST_END)
    assert run.journey is not None and [g["period"] for g in open_gaps(run.journey)] == ["2025-08"]
    closed = run.step(contact("C-sep", taipei(2025, 9, 2, 10), "PHONE"))
    assert run.labels(closed) == ["CLOSED BELOW_CADENCE"]
    assert closed[0]["closed_at"] == taipei(2025, 9, 2, 10)
    assert open_gaps(run.journey) == []


def test_months_are_taipei_months() -> None:
    run = _under_follow_up("LOW")
    # 2025-08-31 23:30 in Taipei is 15:30 UTC: August. 2025-09-01 00:30 in Taipei is still 08-31 in UTC: September.
    run.step(contact("C-sep", datetime(2025, 8, 31, 16, 30, tzinfo=UTC)))
    run.check(AUGUST_END)
    # Not August's contact, so August is missed — but it is the later contact that mends August's gap.
    assert run.labels() == [
        "WARNING FOLLOWUP_CADENCE", "BREACH FOLLOWUP_CADENCE", "OPEN BELOW_CADENCE", "CLOSED BELOW_CADENCE",
    ]  # fmt: skip
    other = _under_follow_up("LOW")
    other.step(contact("C-aug", datetime(2025, 8, 31, 15, 30, tzinfo=UTC)))
    other.check(AUGUST_END)
    assert other.labels() == ["WARNING FOLLOWUP_CADENCE", "MET FOLLOWUP_CADENCE"]


def test_the_latest_need_level_governs_the_running_month() -> None:
    raised = _under_follow_up("LOW")
    raised.step(contact("C-aug", taipei(2025, 8, 12, 10), need_level="HIGH"))
    raised.check(AUGUST_END)
    assert raised.only("OPEN BELOW_CADENCE")["detail"] == (
        "2025-08 成功聯繫 1 次，高需求應至少 2 次；近 1 個月（2025-08 起）無成功家訪"
    )
    lowered = _under_follow_up("HIGH")
    lowered.step(contact("C-aug", taipei(2025, 8, 5, 10), need_level="LOW"))
    lowered.check(AUGUST_END)
    assert lowered.labels() == ["MET FOLLOWUP_CADENCE"]


def test_an_assessment_after_a_month_ended_does_not_rejudge_it() -> None:
    run = _under_follow_up("LOW")
    run.step(contact("C-aug", taipei(2025, 8, 5, 10)))
    # No timer ran at the end of August; September's contact raises the level.
    run.step(contact("C-sep", taipei(2025, 9, 2, 10), need_level="HIGH"))
    assert run.labels() == ["MET FOLLOWUP_CADENCE"]
    assert run.journey is not None
    running = [d for d in run.journey["duties"].values() if d["period"] == "2025-09"]
    assert [(d["level"], d["contacts"]) for d in running] == [("HIGH", 2)]


def test_an_older_assessment_reported_late_does_not_override_a_newer_one() -> None:
    run = _under_follow_up("HIGH")
    run.step(contact("C-old", taipei(2025, 7, 5, 10), need_level="LOW"))
    assert run.journey is not None and run.journey["followup"] is not None
    assert run.journey["followup"]["level"] == "HIGH"


def _with_bureau_case(run: Run) -> None:
    run.step(referred("R-S1", "SELF_REFERRAL", taipei(2025, 7, 1, 9)))
    run.step(state("R-S1", "BUREAU", "ACCEPTED", taipei(2025, 7, 2, 9), kind="SELF_REFERRAL"))


def test_closing_the_case_ends_follow_up_and_its_open_gaps() -> None:
    run = Run()
    _with_bureau_case(run)
    run.step(contact("C-start", BEGAN, need_level="LOW"))
    run.check(AUGUST_END)  # August missed: gap open; September's clock running
    closing = state("R-S1", "BUREAU", "CLOSED", taipei(2025, 9, 10, 9), kind="SELF_REFERRAL")
    events = run.step(closing)
    assert run.labels(events) == ["CLOSED BELOW_CADENCE"]
    assert events[0]["closed_by"] == "STATE/state-R-S1-BUREAU-CLOSED" and events[0]["period"] == "2025-08"
    assert run.journey is not None
    assert [d["period"] for d in run.journey["duties"].values()] == ["2025-08"]  # September's clock withdrawn
    assert next_instant(run.journey) is None
    assert run.check(taipei(2025, 12, 1)) == []
    assert run.journey["stages"][-1]["stage"] == "CLOSURE"


def test_the_case_stays_open_while_another_bureau_delivery_is_open() -> None:
    run = Run()
    _with_bureau_case(run)
    run.step(referred("R-S2", "ADULT_USER", taipei(2025, 7, 3, 9)))
    run.step(state("R-S2", "BUREAU", "ACCEPTED", taipei(2025, 7, 4, 9), kind="ADULT_USER"))
    run.step(contact("C-start", BEGAN, need_level="LOW"))
    run.step(state("R-S1", "BUREAU", "CLOSED", taipei(2025, 7, 20, 9), kind="SELF_REFERRAL"))
    assert run.journey is not None and run.journey["followup"] is not None
    assert run.journey["followup"]["closed_at"] is None
    assert next_instant(run.journey) == taipei(2025, 8, 1)


def test_a_need_level_after_closure_starts_a_new_spell() -> None:
    run = Run()
    _with_bureau_case(run)
    run.step(contact("C-start", BEGAN, need_level="LOW"))
    run.step(state("R-S1", "BUREAU", "COMPLETED", taipei(2025, 7, 20, 9), kind="SELF_REFERRAL"))
    assert run.journey is not None and next_instant(run.journey) is None
    run.step(contact("C-again", taipei(2025, 10, 15, 10), need_level="MEDIUM"))
    assert next_instant(run.journey) == taipei(2025, 11, 1)
    assert [s["stage"] for s in run.journey["stages"]] == ["FOLLOW_UP", "FOLLOW_UP", "CLOSURE", "FOLLOW_UP"]


def test_a_lower_level_meets_a_warned_month_at_the_moment_of_the_assessment() -> None:
    run = _under_follow_up("MEDIUM")  # MEDIUM: a home visit within July–August is also needed
    run.step(contact("C-aug", taipei(2025, 8, 5, 10)))
    assert run.labels(run.check(AUGUST_WARNING)) == ["WARNING FOLLOWUP_CADENCE"]
    reassessed = run.step(contact("C-low", taipei(2025, 8, 27, 15), "PHONE", reached=False, need_level="LOW"))
    assert run.labels(reassessed) == ["MET FOLLOWUP_CADENCE"]
    # Met when the lower level made August's one contact enough — after the warning, not on 08-05.
    assert reassessed[0]["at"] == taipei(2025, 8, 27, 15)


def test_completed_then_closed_does_not_close_the_case_twice() -> None:
    run = Run()
    _with_bureau_case(run)
    run.step(contact("C-start", BEGAN, need_level="LOW"))
    run.step(state("R-S1", "BUREAU", "COMPLETED", taipei(2025, 7, 20, 9), kind="SELF_REFERRAL"))
    run.step(contact("C-again", taipei(2025, 10, 15, 10), need_level="HIGH"))  # a relapse: a new spell
    # Months later the old delivery is filed as CLOSED (and the journey has pruned nothing it needs for that).
    run.check(taipei(2026, 2, 1))
    run.step(state("R-S1", "BUREAU", "CLOSED", taipei(2026, 2, 2, 9), kind="SELF_REFERRAL"))
    assert run.journey is not None and run.journey["followup"] is not None
    assert run.journey["followup"]["closed_at"] is None
    assert [s["stage"] for s in run.journey["stages"]].count("CLOSURE") == 1
