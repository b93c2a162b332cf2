"""One journey per person across referrals: idempotence, re-emission, stages, pruning, the event contract."""

import json
from datetime import timedelta
from typing import Any

from journey_builders import (
    SUBJECT,
    Run,
    check,
    contact,
    deferred,
    pre_release,
    referred,
    state,
    taipei,
)

from processors.journeys.journey import JourneyPlan, apply_step, check_due, next_instant, open_gaps
from processors.journeys.policy import JourneyPolicy
from schemas.catalogue import schema_json
from schemas.codec import codec_for


def _story() -> list[dict[str, Any]]:
    """Investigation, prison, release, a lapse, then a deferred prosecution whose hospital refuses."""
    return [
        referred("R-I1", "RECIDIVISM_PREVENTION", taipei(2025, 3, 3, 9)),
        pre_release("R-P1", "2025-07-15", taipei(2025, 6, 10, 9)),
        contact("C-prison", taipei(2025, 6, 20, 14), "FACE"),
        check(taipei(2025, 7, 22)),
        contact("C-1", taipei(2025, 7, 24, 10), "HOME", need_level="MEDIUM"),
        deferred("R-D1", taipei(2025, 9, 1, 10)),
        state("R-D1", "BUREAU", "ROUTED", taipei(2025, 9, 1, 10)),
        state("R-D1", "HOSP_KSPH", "ROUTED", taipei(2025, 9, 1, 10)),
        state("R-D1", "HOSP_KSPH", "REJECTED", taipei(2025, 9, 5, 16)),
        contact("C-2", taipei(2025, 9, 8, 10)),
        state("R-D1", "HEALTH", "ROUTED", taipei(2025, 9, 9, 9)),
        state("R-D1", "HEALTH", "IN_PROGRESS", taipei(2025, 9, 20, 9)),
        check(taipei(2025, 10, 1)),
    ]


def _run_story() -> Run:
    run = Run()
    for step in _story():
        if step["type"] == "CHECK":
            run.check(step["at"])
        else:
            run.step(step)
    return run


def test_a_journey_across_several_referrals() -> None:
    run = _run_story()
    assert run.journey is not None
    assert [(s["stage"], s["referral_id"]) for s in run.journey["stages"]] == [
        ("INVESTIGATION", "R-I1"),
        ("CUSTODY", "R-P1"),
        ("RELEASE", "R-P1"),
        ("FOLLOW_UP", None),
        ("PROSECUTION", "R-D1"),
        ("TREATMENT", "R-D1"),
    ]
    assert run.labels() == [
        "WARNING FIRST_CONTACT_AFTER_RELEASE",
        "BREACH FIRST_CONTACT_AFTER_RELEASE",
        "OPEN RELEASED_NO_CONTACT",
        "MET FIRST_CONTACT_AFTER_RELEASE",  # 07-24, late: the prison meeting on 06-20 was no community contact
        "CLOSED RELEASED_NO_CONTACT",
        "WARNING FOLLOWUP_CADENCE",  # August: no contact at all
        "BREACH FOLLOWUP_CADENCE",
        "OPEN BELOW_CADENCE",
        "OPEN DP_NO_TREATMENT_START",  # 09-05: the hospital refused; open at once, not at the deadline
        "CLOSED BELOW_CADENCE",  # 09-08: a reached call makes up August's one missing contact
        "WARNING DP_TREATMENT_START",
        "BREACH DP_TREATMENT_START",  # 09-15: day 14, HEALTH has not started yet
        "MET DP_TREATMENT_START",  # 09-20, late
        "CLOSED DP_NO_TREATMENT_START",
        "WARNING FOLLOWUP_CADENCE",  # September: a call, but no home visit since August (MEDIUM: 2 months)
        "BREACH FOLLOWUP_CADENCE",
        "OPEN BELOW_CADENCE",
    ]
    assert [e["detail"] for e in run.events if e.get("status") == "OPEN"] == [
        "預定 2025-07-15 出監後 7 日內無社區個管成功聯繫",
        "2025-08 成功聯繫 0 次，中需求應至少 1 次",
        "治療單位（HOSP_KSPH）不受案，尚無其他單位開始治療或處遇",
        "近 2 個月（2025-08 起）無成功家訪",
    ]
    assert [(g["gap_type"], g["period"]) for g in open_gaps(run.journey)] == [("BELOW_CADENCE", "2025-09")]
    assert run.only("MET DP_TREATMENT_START")["destination"] == "HEALTH"


def test_every_event_fits_its_avro_schema_exactly() -> None:
    run = _run_story()
    fields = {name: [f["name"] for f in schema_json(name)["fields"]] for name in ("sla_event", "protection_gap")}
    for event in run.events:
        name = "protection_gap" if "gap_id" in event else "sla_event"
        # fastavro ignores extra keys: compare the key sets so nothing is silently dropped on the wire.
        assert sorted(event) == sorted(fields[name])
        codec = codec_for(name)
        assert codec.decode(codec.encode(event)) == event


def test_journey_steps_as_avro_decodes_them_apply_the_same() -> None:
    codec = codec_for("journey_step")
    direct, decoded = Run(), Run()
    for step in _story():
        if step["type"] == "CHECK":
            continue
        direct.step(step)
        decoded.step(codec.decode(codec.encode(step)), now=step["at"])  # timestamps come back in UTC
    assert direct.events == decoded.events
    assert direct.journey == decoded.journey


def test_the_journey_survives_the_tables_json_serializer() -> None:
    run = _run_story()
    assert run.journey is not None
    stored = json.loads(json.dumps(run.journey))
    assert stored == run.journey
    later = contact("C-3", taipei(2025, 10, 2, 10), "HOME")
    assert apply_step(stored, later, JourneyPolicy(), later["at"]) == apply_step(
        run.journey, later, JourneyPolicy(), later["at"]
    )


def test_the_same_step_twice_changes_nothing_and_emits_nothing() -> None:
    run = _run_story()
    for step in _story():
        if step["type"] != "CHECK":
            assert apply_step(run.journey, step, JourneyPolicy(), taipei(2025, 10, 1)) == JourneyPlan(journey=None)


def test_a_repeat_older_than_the_remembered_window_is_recognised_from_the_state() -> None:
    run = _run_story()
    assert run.journey is not None
    forgetful = {**run.journey, "seen": []}
    for step in _story():
        if step["type"] != "CHECK":
            plan = apply_step(forgetful, step, JourneyPolicy(), taipei(2025, 10, 1))  # type: ignore[arg-type]
            assert plan.events == []
            assert plan.journey is None or {**plan.journey, "seen": []} == forgetful


def test_a_step_re_applied_after_a_crash_re_emits_byte_identical_events() -> None:
    run = Run()
    run.step(pre_release("R-P1", "2025-07-15", taipei(2025, 6, 10, 9)))
    late_contact = contact("C-1", taipei(2025, 7, 25, 10))
    # The worker applied the step, sent the events and died before the table write; another worker, later,
    # applies the same step to the same stored journey.
    first = apply_step(run.journey, late_contact, JourneyPolicy(), taipei(2025, 7, 25, 10, 1))
    again = apply_step(run.journey, late_contact, JourneyPolicy(), taipei(2025, 7, 26, 18))
    assert [e["event_id"] for e in first.events] == [e["event_id"] for e in again.events]
    for one, other in zip(first.events, again.events, strict=True):
        name = "protection_gap" if "gap_id" in one else "sla_event"
        assert codec_for(name).encode(one) == codec_for(name).encode(other)


def test_event_ids_are_deterministic_and_distinct() -> None:
    one, other = _run_story(), _run_story()
    assert one.events == other.events
    ids = [event["event_id"] for event in one.events]
    assert len(ids) == len(set(ids))
    opened = one.only("OPEN RELEASED_NO_CONTACT")
    closed = one.only("CLOSED RELEASED_NO_CONTACT")
    met = one.only("MET FIRST_CONTACT_AFTER_RELEASE")
    assert (
        opened["gap_id"] == closed["gap_id"]
        and met["clock_id"] == one.only("BREACH FIRST_CONTACT_AFTER_RELEASE")["clock_id"]
    )


def test_next_instant_is_the_earliest_clock_and_none_when_nothing_waits() -> None:
    run = Run()
    run.step(deferred("R-D1", taipei(2025, 7, 1, 10)))
    run.step(pre_release("R-P1", "2025-07-05", taipei(2025, 6, 1, 9)))
    assert run.journey is not None
    assert next_instant(run.journey) == taipei(2025, 7, 10, 14, 24)  # the release clock warns first
    run.step(contact("C-1", taipei(2025, 7, 6, 10)))
    assert next_instant(run.journey) == taipei(2025, 7, 12, 14, 48)  # then the treatment clock
    run.step(state("R-D1", "HOSP_KSPH", "IN_PROGRESS", taipei(2025, 7, 8, 9)))
    assert next_instant(run.journey) is None


def test_a_check_on_nobody_or_with_nothing_due_writes_nothing() -> None:
    assert check_due(None, taipei(2025, 7, 1), JourneyPolicy()) == JourneyPlan(journey=None)
    assert apply_step(None, check(taipei(2025, 7, 1)), JourneyPolicy(), taipei(2025, 7, 1)) == JourneyPlan(None)
    run = Run()
    run.step(pre_release("R-P1", "2025-07-15", taipei(2025, 6, 10, 9)))
    assert check_due(run.journey, taipei(2025, 6, 11), JourneyPolicy()) == JourneyPlan(journey=None)


def test_a_journey_stays_bounded_over_years_of_follow_up() -> None:
    run = Run()
    run.step(pre_release("R-P1", "2024-01-10", taipei(2023, 12, 1, 9)))
    run.step(contact("C-start", taipei(2024, 1, 11, 10), "HOME", need_level="LOW"))
    sizes = []
    day = taipei(2024, 2, 3, 10)
    for month in range(36):
        at = day + timedelta(days=30 * month)
        run.step(contact(f"C-{month}", at, "HOME" if month % 3 == 0 else "PHONE"))
        run.check(at + timedelta(days=15))
        assert run.journey is not None
        sizes.append(len(json.dumps(run.journey)))
    assert run.journey is not None
    assert open_gaps(run.journey) == []
    assert max(sizes[12:]) <= max(sizes[:12]) + 512, "the journey keeps growing"
    assert len(run.journey["contacts"]) <= 8
    assert len(run.journey["duties"]) <= 6
    assert run.journey["kept_from"] is not None
    # The released referral's clocks settled long ago: its record and clocks are gone …
    assert "R-P1" not in run.journey["referrals"]
    assert not any(d["referral_id"] == "R-P1" for d in run.journey["duties"].values())
    # … and the same roster replayed years later (beyond the remembered step ids) starts nothing again.
    forgetful = {**run.journey, "seen": []}
    replay = apply_step(forgetful, pre_release("R-P1", "2024-01-10", taipei(2023, 12, 1, 9)), JourneyPolicy(),  # type: ignore[arg-type]
                        taipei(2027, 1, 20))  # fmt: skip
    assert replay == JourneyPlan(journey=None)
    old_contact = apply_step(forgetful, contact("C-0", taipei(2024, 2, 3, 10), "HOME"), JourneyPolicy(),  # type: ignore[arg-type]
                             taipei(2027, 1, 20))  # fmt: skip
    assert old_contact == JourneyPlan(journey=None)


def test_open_gaps_are_kept_however_old() -> None:
    run = Run()
    run.step(pre_release("R-P1", "2024-01-10", taipei(2023, 12, 1, 9)))
    run.check(taipei(2026, 1, 1))
    assert run.journey is not None
    assert [g["gap_type"] for g in open_gaps(run.journey)] == ["RELEASED_NO_CONTACT"]
    assert open_gaps(run.journey)[0] == {
        "gap_id": run.only("OPEN RELEASED_NO_CONTACT")["gap_id"],
        "gap_type": "RELEASED_NO_CONTACT",
        "subject_id": SUBJECT,
        "referral_id": "R-P1",
        "stage": "RELEASE",
        "period": None,
        "detail": "預定 2024-01-10 出監後 7 日內無社區個管成功聯繫",
        "due_at": "2024-01-17T00:00:00+08:00",
        "opened_at": "2024-01-17T00:00:00+08:00",
    }
    closing = run.step(contact("C-1", taipei(2026, 1, 2, 10)))
    assert run.labels(closing) == ["MET FIRST_CONTACT_AFTER_RELEASE", "CLOSED RELEASED_NO_CONTACT"]


def test_answers_arriving_long_before_their_referral_wait_for_it() -> None:
    run = Run()
    run.step(state("R-D1", "HOSP_KSPH", "IN_PROGRESS", taipei(2025, 6, 1, 9)))
    run.step(state("R-D1", "HOSP_KSPH", "CLOSED", taipei(2025, 6, 2, 9)))
    run.check(taipei(2025, 12, 1))  # long past keep_closed_for: but the record has never been referred
    assert run.journey is not None and "R-D1" in run.journey["referrals"]
    events = run.step(deferred("R-D1", taipei(2025, 12, 2, 10)))
    assert run.labels(events) == ["MET DP_TREATMENT_START"]


def test_a_completed_bureau_delivery_is_kept_until_it_is_closed() -> None:
    run = Run()
    run.step(referred("R-S1", "SELF_REFERRAL", taipei(2025, 1, 2, 9)))
    run.step(state("R-S1", "BUREAU", "COMPLETED", taipei(2025, 1, 20, 9), kind="SELF_REFERRAL"))
    run.check(taipei(2025, 12, 1))
    assert run.journey is not None and "R-S1" in run.journey["referrals"]
    run.step(state("R-S1", "BUREAU", "CLOSED", taipei(2025, 12, 2, 9), kind="SELF_REFERRAL"))
    run.check(taipei(2026, 4, 1))
    assert "R-S1" not in run.journey["referrals"]
    assert run.journey["kept_from"] is not None


def test_a_stale_answer_keeps_its_referral_until_it_too_is_history() -> None:
    run = Run()
    run.step(referred("R-S1", "SELF_REFERRAL", taipei(2025, 1, 2, 9)))
    run.step(state("R-S1", "BUREAU", "CLOSED", taipei(2025, 1, 3, 9), kind="SELF_REFERRAL"))
    stale = {**state("R-S1", "BUREAU", "ACCEPTED", taipei(2025, 3, 1, 9), kind="SELF_REFERRAL"), "step_id": "X"}
    assert run.step(stale) == []  # nothing leaves CLOSED: ignored, but the journey saw it
    run.check(taipei(2025, 4, 15))
    assert run.journey is not None and "R-S1" in run.journey["referrals"]
    forgetful = {**run.journey, "seen": []}
    plan = apply_step(forgetful, stale, JourneyPolicy(), taipei(2025, 4, 16))  # type: ignore[arg-type]
    assert plan.journey is None or {**plan.journey, "seen": []} == forgetful
    run.check(taipei(2025, 6, 15))
    assert "R-S1" not in run.journey["referrals"]
    assert apply_step(run.journey, {**stale, "step_id": "X2"}, JourneyPolicy(), taipei(2025, 6, 16)) == JourneyPlan(
        None
    )
