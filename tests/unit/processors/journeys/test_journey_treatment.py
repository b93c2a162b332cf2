"""Break point b: deferred prosecution with no treatment start (緩起訴未開始治療)."""

from datetime import timedelta

import pytest
from journey_builders import Run, deferred, hours, state, taipei

from processors.journeys.journey import next_instant, open_gaps

ROUTED = taipei(2025, 7, 1, 10)
WARNING = taipei(2025, 7, 12, 14, 48)  # 80 % of 14 days
DUE = taipei(2025, 7, 15, 10)


def _referred(*, treatment_ordered: bool = True) -> Run:
    run = Run()
    assert run.step(deferred("R-D1", ROUTED, treatment_ordered=treatment_ordered)) == []
    for destination in ("BUREAU", "HOSP_KSPH") if treatment_ordered else ("BUREAU",):
        assert run.step(state("R-D1", destination, "ROUTED", ROUTED)) == []
    return run


@pytest.mark.parametrize("started", ["IN_PROGRESS", "COMPLETED", "CLOSED"])
def test_the_hospitals_start_within_fourteen_days_meets_the_clock(started: str) -> None:
    run = _referred()
    run.step(state("R-D1", "HOSP_KSPH", "ACCEPTED", taipei(2025, 7, 3, 9)))
    events = run.step(state("R-D1", "HOSP_KSPH", started, taipei(2025, 7, 8, 14)))
    assert run.labels(events) == ["MET DP_TREATMENT_START"]
    assert events[0]["destination"] == "HOSP_KSPH" and events[0]["late"] is False
    assert (events[0]["started_at"], events[0]["warning_at"], events[0]["due_at"]) == (ROUTED, WARNING, DUE)
    assert run.check(DUE + timedelta(days=30)) == []
    assert run.journey is not None
    treatment = [s for s in run.journey["stages"] if s["stage"] == "TREATMENT"]
    assert treatment == [
        {"stage": "TREATMENT", "at": "2025-07-08T14:00:00+08:00", "referral_id": "R-D1", "kind": "DEFERRED_PROSECUTION"}
    ]


def test_acceptance_alone_is_not_a_start() -> None:
    run = _referred()
    assert run.step(state("R-D1", "HOSP_KSPH", "ACCEPTED", taipei(2025, 7, 3, 9))) == []
    assert run.labels(run.check(DUE)) == [
        "WARNING DP_TREATMENT_START", "BREACH DP_TREATMENT_START", "OPEN DP_NO_TREATMENT_START",
    ]  # fmt: skip
    opened = run.only("OPEN DP_NO_TREATMENT_START")
    assert opened["detail"] == "緩起訴轉介後 14 日內治療單位（HOSP_KSPH）未開始治療或處遇"
    assert (opened["stage"], opened["opened_at"], opened["due_at"]) == ("TREATMENT", DUE, DUE)


def test_the_bureaus_own_start_does_not_count_when_the_prosecutor_ordered_treatment() -> None:
    run = _referred()
    assert run.step(state("R-D1", "BUREAU", "IN_PROGRESS", taipei(2025, 7, 2, 9))) == []
    assert "BREACH DP_TREATMENT_START" in run.labels(run.check(DUE))


def test_without_a_treatment_order_the_bureaus_community_treatment_is_the_start() -> None:
    run = _referred(treatment_ordered=False)
    assert run.journey is not None
    assert run.journey["duties"][next(iter(run.journey["duties"]))]["destination"] == "BUREAU"
    events = run.step(state("R-D1", "BUREAU", "IN_PROGRESS", taipei(2025, 7, 10, 9)))
    assert run.labels(events) == ["MET DP_TREATMENT_START"]
    assert events[0]["destination"] == "BUREAU"


def test_the_breach_then_a_late_start_closes_the_gap() -> None:
    run = _referred()
    run.check(DUE)
    events = run.step(state("R-D1", "HOSP_KSPH", "IN_PROGRESS", taipei(2025, 7, 20, 9)))
    assert run.labels(events) == ["MET DP_TREATMENT_START", "CLOSED DP_NO_TREATMENT_START"]
    assert events[0]["late"] is True
    assert events[1]["closed_by"] == "STATE/state-R-D1-HOSP_KSPH-IN_PROGRESS"
    assert events[1]["closed_at"] == taipei(2025, 7, 20, 9)


@pytest.mark.parametrize("refused", ["REJECTED", "EXPIRED"])
def test_a_refusal_without_a_start_opens_the_gap_at_once(refused: str) -> None:
    run = _referred()
    events = run.step(state("R-D1", "HOSP_KSPH", refused, taipei(2025, 7, 4, 11)))
    assert run.labels(events) == ["OPEN DP_NO_TREATMENT_START"]
    assert events[0]["opened_at"] == taipei(2025, 7, 4, 11) and events[0]["due_at"] == DUE
    assert events[0]["detail"].startswith("治療單位（HOSP_KSPH）")
    assert run.journey is not None and len(open_gaps(run.journey)) == 1
    # The clock still runs to its deadline: the SLA breach is the clock's, the gap was already open.
    assert next_instant(run.journey) == WARNING
    assert run.labels(run.check(DUE)) == ["WARNING DP_TREATMENT_START", "BREACH DP_TREATMENT_START"]


def test_a_cancelled_hospital_is_no_refusal_and_the_clock_runs_to_its_deadline() -> None:
    run = _referred()
    # The hospital's delivery was cancelled (an amendment, say) while the bureau still holds the referral.
    assert run.step(state("R-D1", "HOSP_KSPH", "CANCELLED", taipei(2025, 7, 4, 11))) == []
    assert run.journey is not None and open_gaps(run.journey) == []
    assert run.labels(run.check(DUE)) == [
        "WARNING DP_TREATMENT_START", "BREACH DP_TREATMENT_START", "OPEN DP_NO_TREATMENT_START",
    ]  # fmt: skip
    assert run.only("OPEN DP_NO_TREATMENT_START")["opened_at"] == DUE


def test_a_redirect_hands_the_duty_on_and_the_new_hospitals_start_counts() -> None:
    run = _referred()
    assert run.step(state("R-D1", "HOSP_KSPH", "REDIRECTED", taipei(2025, 7, 3, 9))) == []
    assert run.step(state("R-D1", "HOSP_KMUH", "ROUTED", taipei(2025, 7, 3, 9))) == []
    warning = run.check(WARNING)
    assert run.labels(warning) == ["WARNING DP_TREATMENT_START"]
    assert warning[0]["destination"] == "HOSP_KMUH"  # whoever holds the referral now
    events = run.step(state("R-D1", "HOSP_KMUH", "IN_PROGRESS", taipei(2025, 7, 14, 9)))
    assert run.labels(events) == ["MET DP_TREATMENT_START"]
    assert events[0]["destination"] == "HOSP_KMUH"


def test_a_redirected_hospitals_successor_refusing_opens_the_gap() -> None:
    run = _referred()
    run.step(state("R-D1", "HOSP_KSPH", "REDIRECTED", taipei(2025, 7, 3, 9)))
    run.step(state("R-D1", "HEALTH", "ROUTED", taipei(2025, 7, 3, 9)))
    events = run.step(state("R-D1", "HEALTH", "REJECTED", taipei(2025, 7, 6, 9)))
    assert run.labels(events) == ["OPEN DP_NO_TREATMENT_START"]
    closing = run.step(state("R-D1", "HOSP_CGMH", "IN_PROGRESS", taipei(2025, 7, 9, 9)))
    assert run.labels(closing) == ["MET DP_TREATMENT_START", "CLOSED DP_NO_TREATMENT_START"]


def test_one_refusal_while_another_hospital_still_holds_the_referral_is_no_gap() -> None:
    run = _referred()
    run.step(state("R-D1", "HEALTH", "ROUTED", ROUTED))
    assert run.step(state("R-D1", "HOSP_KSPH", "REJECTED", taipei(2025, 7, 4, 11))) == []


def test_a_state_before_its_referral_still_counts() -> None:
    run = Run()
    assert run.step(state("R-D1", "HOSP_KSPH", "IN_PROGRESS", taipei(2025, 7, 2, 9))) == []
    events = run.step(deferred("R-D1", ROUTED), now=taipei(2025, 7, 2, 10))
    assert run.labels(events) == ["MET DP_TREATMENT_START"]
    assert events[0]["at"] == taipei(2025, 7, 2, 9)


def test_an_old_answer_replayed_after_a_newer_one_is_ignored() -> None:
    run = _referred()
    run.step(state("R-D1", "HOSP_KSPH", "REJECTED", taipei(2025, 7, 4, 11)))
    before = run.journey
    # ACCEPTED after REJECTED is no legal move: the delivery stays refused, nothing is emitted.
    replayed = state("R-D1", "HOSP_KSPH", "ACCEPTED", taipei(2025, 7, 3, 9))
    assert run.step(replayed) == []
    assert run.journey is not None and before is not None
    assert run.journey["referrals"]["R-D1"]["deliveries"] == before["referrals"]["R-D1"]["deliveries"]


def test_treatment_hours_are_recorded_on_the_referral_but_are_not_a_start() -> None:
    run = _referred(treatment_ordered=False)
    assert run.step(hours("R-D1", "2025-07", 6, taipei(2025, 7, 5, 9))) == []
    run.step(hours("R-D1", "2025-09", 4, taipei(2025, 7, 6, 9)))
    run.step(hours("R-D1", "2025-08", 4, taipei(2025, 7, 7, 9)))
    assert run.journey is not None
    assert run.journey["referrals"]["R-D1"]["hours_periods"] == ["2025-07", "2025-09"]
    assert "BREACH DP_TREATMENT_START" in run.labels(run.check(DUE))
