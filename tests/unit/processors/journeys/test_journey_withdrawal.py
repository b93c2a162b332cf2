"""A referral withdrawn (轉介撤回) by its source, or amended away: its clocks stop without a breach or a gap."""

from datetime import timedelta
from typing import Any

from journey_builders import Run, contact, deferred, pre_release, state, taipei

from processors.journeys.journey import JourneyPlan, apply_step, next_instant, open_gaps
from processors.journeys.policy import JourneyPolicy
from schemas.codec import codec_for

ROSTER_DAY = taipei(2025, 6, 10, 9)
RELEASE_WARNING = taipei(2025, 7, 20, 14, 24)
RELEASE_DUE = taipei(2025, 7, 22)
ROUTED = taipei(2025, 7, 1, 10)
TREATMENT_DUE = taipei(2025, 7, 15, 10)
WITHDRAWN = "轉介已撤回（來源機關取消轉介，或更正後不再轉介），本斷點隨之結束"


def _cancelled(referral_id: str, destination: str, at: Any, kind: str = "PRE_RELEASE") -> dict[str, Any]:
    return state(referral_id, destination, "CANCELLED", at, kind)


def _duties(run: Run) -> dict[str, dict[str, Any]]:
    assert run.journey is not None
    return {f"{d['clock']}/{d['period'] or '-'}": dict(d) for d in run.journey["duties"].values()}


def _treatment_referred() -> Run:
    run = Run()
    run.step(deferred("R-D1", ROUTED))
    for destination in ("HOSP_KSPH", "BUREAU"):
        run.step(state("R-D1", destination, "ROUTED", ROUTED))
    return run


# --- pre-release transfer (出監前轉銜) -------------------------------------------------------------------------


def test_a_release_cancelled_before_the_day_stops_every_release_clock_without_a_breach() -> None:
    run = Run()
    run.step(pre_release("R-P1", "2025-07-15", ROSTER_DAY, youth=True))
    assert len(_duties(run)) == 5  # first contact and four youth quarters
    assert run.step(_cancelled("R-P1", "BUREAU", taipei(2025, 7, 1, 9))) == []
    assert run.journey is not None
    assert run.journey["duties"] == {}  # none had said anything: withdrawn outright
    assert next_instant(run.journey) is None
    assert run.check(taipei(2026, 12, 31)) == []
    assert open_gaps(run.journey) == [] and run.events == []


def test_an_open_release_gap_closes_when_the_referral_is_withdrawn_and_the_breach_stays() -> None:
    run = Run()
    run.step(pre_release("R-P1", "2025-07-15", ROSTER_DAY))
    run.check(RELEASE_DUE)
    opened = run.only("OPEN RELEASED_NO_CONTACT")
    events = run.step(_cancelled("R-P1", "BUREAU", taipei(2025, 7, 25, 9)))
    assert run.labels(events) == ["CLOSED RELEASED_NO_CONTACT"]
    closed = events[0]
    assert closed["gap_id"] == opened["gap_id"] and closed["event_id"] != opened["event_id"]
    assert closed["closed_by"] == "STATE/state-R-P1-BUREAU-CANCELLED"
    assert (closed["opened_at"], closed["closed_at"]) == (RELEASE_DUE, taipei(2025, 7, 25, 9))
    assert closed["detail"] == f"預定 2025-07-15 出監後 7 日內無社區個管成功聯繫；{WITHDRAWN}"
    assert run.journey is not None and open_gaps(run.journey) == []
    duty = _duties(run)["FIRST_CONTACT_AFTER_RELEASE/-"]
    assert duty["breached"] is True and duty["met_at"] is None and "stopped_at" not in duty
    # Nothing more for that clock: a later contact neither meets it nor closes anything again.
    assert run.step(contact("C-1", taipei(2025, 7, 28, 10))) == []
    assert run.check(taipei(2025, 9, 1)) == [] and next_instant(run.journey) is None


def test_a_youths_withdrawal_keeps_met_and_breached_quarters_stops_the_running_one_and_drops_the_rest() -> None:
    run = Run()
    run.step(pre_release("R-Y1", "2025-11-30", taipei(2025, 10, 20, 9), youth=True, source="JUV_FAC_MYHS"))
    run.step(contact("C-1", taipei(2025, 12, 3, 10), "HOME"))  # first contact and Q1 met
    run.check(taipei(2026, 5, 30))  # Q2 lapsed
    cancel = _cancelled("R-Y1", "BUREAU", taipei(2026, 8, 20, 10))  # in Q3, after its warning
    events = run.step(cancel)
    assert run.labels(events) == ["WARNING YOUTH_FOLLOWUP", "CLOSED YOUTH_FOLLOWUP_LAPSED"]
    assert events[0]["period"] == "Q3" and events[1]["period"] == "Q2"
    assert events[1]["closed_by"] == "STATE/state-R-Y1-BUREAU-CANCELLED"
    assert events[1]["detail"] == f"離開少年矯正機關後第 2 期（2026-02-28～2026-05-29）無成功聯繫；{WITHDRAWN}"
    duties = _duties(run)
    # The clocks met in December were settled long ago and pruned; Q4 had said nothing: withdrawn outright.
    assert sorted(duties) == ["YOUTH_FOLLOWUP/Q2", "YOUTH_FOLLOWUP/Q3"]
    assert duties["YOUTH_FOLLOWUP/Q2"]["breached"] is True and "stopped_at" not in duties["YOUTH_FOLLOWUP/Q2"]
    q3 = duties["YOUTH_FOLLOWUP/Q3"]
    assert (q3["warned"], q3["breached"], q3["met_at"]) == (True, False, None)
    assert (q3["stopped_at"], q3["stopped_by"]) == ("2026-08-20T10:00:00+08:00", "STATE/state-R-Y1-BUREAU-CANCELLED")
    assert run.journey is not None and next_instant(run.journey) is None
    assert run.check(taipei(2027, 1, 1)) == []
    assert [(e["type"], e["period"]) for e in run.events if "gap_id" not in e] == [
        ("MET", None), ("MET", "Q1"), ("WARNING", "Q2"), ("BREACH", "Q2"), ("WARNING", "Q3"),
    ]  # fmt: skip


def test_an_amendment_dropping_one_destination_changes_nothing_until_the_source_cancels_the_rest() -> None:
    run = Run()
    run.step(pre_release("R-P1", "2025-07-15", ROSTER_DAY, destinations="BUREAU,HEALTH"))
    amended_at = ROSTER_DAY + timedelta(days=3)
    # A newer version no longer names HEALTH: the hub cancels its delivery (AMENDED); BUREAU still covers it.
    assert run.step(pre_release("R-P1", "2025-07-15", amended_at, destinations="BUREAU")) == []
    assert run.step(_cancelled("R-P1", "HEALTH", amended_at)) == []
    assert run.labels(run.check(RELEASE_WARNING)) == ["WARNING FIRST_CONTACT_AFTER_RELEASE"]
    # Then the prison cancels the transfer (the release is off): the warned clock stops, it never breaches.
    assert run.step(_cancelled("R-P1", "BUREAU", taipei(2025, 7, 21, 9))) == []
    assert run.check(taipei(2025, 8, 1)) == []
    duty = _duties(run)["FIRST_CONTACT_AFTER_RELEASE/-"]
    assert (duty["warned"], duty["breached"], duty["stopped_at"]) == (True, False, "2025-07-21T09:00:00+08:00")
    assert run.journey is not None and next_instant(run.journey) is None


def test_a_redirected_delivery_hands_on_and_its_targets_cancellation_withdraws() -> None:
    run = Run()
    run.step(pre_release("R-P1", "2025-07-15", ROSTER_DAY))
    run.step(state("R-P1", "BUREAU", "REDIRECTED", taipei(2025, 6, 20, 9), "PRE_RELEASE"))
    assert run.step(state("R-P1", "NGO_MUEN", "ROUTED", taipei(2025, 6, 20, 9), "PRE_RELEASE")) == []
    assert run.journey is not None and next_instant(run.journey) == RELEASE_WARNING
    assert run.step(_cancelled("R-P1", "NGO_MUEN", taipei(2025, 7, 10, 9))) == []
    assert run.journey["duties"] == {} and run.check(RELEASE_DUE) == []


def test_cancellations_arriving_before_their_referral_start_no_clock() -> None:
    run = Run()
    assert run.step(_cancelled("R-P1", "BUREAU", taipei(2025, 6, 20, 9))) == []
    # The REFERRED step was held up behind the cancellation (routed 06-10, applied 06-20).
    assert run.step(pre_release("R-P1", "2025-07-15", ROSTER_DAY), now=taipei(2025, 6, 20, 10)) == []
    assert run.journey is not None and run.journey["duties"] == {}
    assert run.check(taipei(2025, 8, 1)) == []


def test_a_newer_version_after_a_cancellation_routes_the_referral_again() -> None:
    run = Run()
    run.step(pre_release("R-P1", "2025-07-15", ROSTER_DAY))
    run.step(_cancelled("R-P1", "BUREAU", taipei(2025, 6, 20, 9)))
    assert run.journey is not None and next_instant(run.journey) is None
    # The prison sends the transfer again with a new date: the hub routes BUREAU afresh for that version.
    run.step(pre_release("R-P1", "2025-08-01", taipei(2025, 6, 25, 9)))
    assert next_instant(run.journey) == taipei(2025, 8, 6, 14, 24)
    assert run.labels(run.check(taipei(2025, 8, 8))) == [
        "WARNING FIRST_CONTACT_AFTER_RELEASE", "BREACH FIRST_CONTACT_AFTER_RELEASE", "OPEN RELEASED_NO_CONTACT",
    ]  # fmt: skip


def test_a_refusal_after_a_cancellation_is_no_withdrawal() -> None:
    run = Run()
    run.step(pre_release("R-P1", "2025-07-15", ROSTER_DAY, destinations="BUREAU,HEALTH"))
    assert run.step(_cancelled("R-P1", "HEALTH", taipei(2025, 7, 1, 9))) == []
    assert run.step(state("R-P1", "BUREAU", "REJECTED", taipei(2025, 7, 10, 9), "PRE_RELEASE")) == []
    assert "OPEN RELEASED_NO_CONTACT" in run.labels(run.check(RELEASE_DUE))


# --- deferred prosecution (緩起訴) ----------------------------------------------------------------------------


def test_a_deferred_prosecution_cancelled_by_the_prosecutor_opens_no_gap_and_stops_the_clock() -> None:
    run = _treatment_referred()
    # The prosecutor cancels: the hub cancels every open delivery, one STATE step each.
    assert run.step(_cancelled("R-D1", "HOSP_KSPH", taipei(2025, 7, 4, 11), "DEFERRED_PROSECUTION")) == []
    assert run.journey is not None and open_gaps(run.journey) == []
    assert run.step(_cancelled("R-D1", "BUREAU", taipei(2025, 7, 4, 11), "DEFERRED_PROSECUTION")) == []
    assert run.journey["duties"] == {} and next_instant(run.journey) is None
    assert run.check(TREATMENT_DUE + timedelta(days=30)) == [] and run.events == []


def test_a_refusal_gap_closes_when_the_prosecutor_then_cancels_and_the_clock_stops() -> None:
    run = _treatment_referred()
    refused = run.step(state("R-D1", "HOSP_KSPH", "REJECTED", taipei(2025, 7, 4, 11)))
    assert run.labels(refused) == ["OPEN DP_NO_TREATMENT_START"]
    # The prosecutor cancels what is still open (the bureau's delivery); the refusal stays in the history.
    events = run.step(_cancelled("R-D1", "BUREAU", taipei(2025, 7, 6, 9), "DEFERRED_PROSECUTION"))
    assert run.labels(events) == ["CLOSED DP_NO_TREATMENT_START"]
    assert events[0]["gap_id"] == refused[0]["gap_id"]
    assert events[0]["closed_by"] == "STATE/state-R-D1-BUREAU-CANCELLED"
    assert events[0]["closed_at"] == taipei(2025, 7, 6, 9)
    assert events[0]["detail"] == f"治療單位（HOSP_KSPH）不受案，尚無其他單位開始治療或處遇；{WITHDRAWN}"
    assert run.check(TREATMENT_DUE) == []  # no WARNING, no BREACH for a withdrawn referral
    duty = _duties(run)["DP_TREATMENT_START/-"]
    assert (duty["breached"], duty["met_at"], duty["stopped_at"]) == (False, None, "2025-07-06T09:00:00+08:00")
    assert run.journey is not None and next_instant(run.journey) is None and open_gaps(run.journey) == []


def test_a_started_treatment_keeps_its_met_clock_when_the_referral_is_cancelled_later() -> None:
    run = _treatment_referred()
    run.step(state("R-D1", "HOSP_KSPH", "IN_PROGRESS", taipei(2025, 7, 8, 14)))
    before = _duties(run)
    assert run.step(_cancelled("R-D1", "HOSP_KSPH", taipei(2025, 7, 9, 9), "DEFERRED_PROSECUTION")) == []
    assert run.step(_cancelled("R-D1", "BUREAU", taipei(2025, 7, 9, 9), "DEFERRED_PROSECUTION")) == []
    assert _duties(run) == before
    assert run.labels() == ["MET DP_TREATMENT_START"]


# --- idempotence ----------------------------------------------------------------------------------------------


def _withdrawal_story() -> list[dict[str, Any]]:
    return [
        deferred("R-D1", ROUTED),
        state("R-D1", "HOSP_KSPH", "ROUTED", ROUTED),
        state("R-D1", "BUREAU", "ROUTED", ROUTED),
        state("R-D1", "HOSP_KSPH", "REJECTED", taipei(2025, 7, 4, 11)),
        _cancelled("R-D1", "BUREAU", taipei(2025, 7, 6, 9), "DEFERRED_PROSECUTION"),
        pre_release("R-P1", "2025-07-15", ROSTER_DAY, youth=True),
        _cancelled("R-P1", "BUREAU", taipei(2025, 7, 21, 9)),
    ]


def test_every_step_of_a_withdrawal_applied_again_changes_nothing() -> None:
    run = Run()
    for step in sorted(_withdrawal_story(), key=lambda step: step["at"]):
        run.step(step)
    assert run.journey is not None
    forgetful = {**run.journey, "seen": []}
    for step in _withdrawal_story():
        assert apply_step(run.journey, step, JourneyPolicy(), taipei(2025, 8, 1)) == JourneyPlan(journey=None)
        plan = apply_step(forgetful, step, JourneyPolicy(), taipei(2025, 8, 1))  # type: ignore[arg-type]
        assert plan.events == []
        assert plan.journey is None or {**plan.journey, "seen": []} == forgetful
    # A redelivered copy of the roster (another step id) starts none of the withdrawn clocks again.
    redelivered = {**pre_release("R-P1", "2025-07-15", ROSTER_DAY, youth=True), "step_id": "ref-R-P1-again"}
    plan = apply_step(run.journey, redelivered, JourneyPolicy(), taipei(2025, 8, 1))
    assert plan.events == []
    assert plan.journey is None or plan.journey["duties"] == run.journey["duties"]


def test_an_answer_after_the_withdrawal_does_not_reopen_it_for_a_replayed_referral() -> None:
    run = Run()
    run.step(deferred("R-D1", ROUTED, treatment_ordered=False))
    run.step(_cancelled("R-D1", "BUREAU", taipei(2025, 7, 2, 9), "DEFERRED_PROSECUTION"))
    assert run.journey is not None and run.journey["duties"] == {}
    # A stray answer from a destination the journey never heard of, then the REFERRED step redelivered.
    assert run.step(state("R-D1", "HOSP_KSPH", "SUBMITTED", taipei(2025, 7, 3, 9))) == []
    redelivered = {**deferred("R-D1", ROUTED, treatment_ordered=False), "step_id": "ref-R-D1-again"}
    assert run.step(redelivered, now=taipei(2025, 7, 3, 10)) == []
    assert run.journey["duties"] == {} and run.check(TREATMENT_DUE) == []


def test_a_withdrawal_re_applied_after_a_crash_re_emits_byte_identical_events() -> None:
    run = _treatment_referred()
    run.step(state("R-D1", "HOSP_KSPH", "REJECTED", taipei(2025, 7, 4, 11)))
    cancel = _cancelled("R-D1", "BUREAU", taipei(2025, 7, 6, 9), "DEFERRED_PROSECUTION")
    first = apply_step(run.journey, cancel, JourneyPolicy(), taipei(2025, 7, 6, 9, 1))
    again = apply_step(run.journey, cancel, JourneyPolicy(), taipei(2025, 7, 30))
    assert [e["event_id"] for e in first.events] == [e["event_id"] for e in again.events]
    assert len(first.events) == 1
    codec = codec_for("protection_gap")
    assert codec.encode(first.events[0]) == codec.encode(again.events[0])
    assert first.journey == again.journey
