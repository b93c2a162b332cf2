"""The four hops of an erasure order (塗銷), pure: what each decides, and that every repeat sends the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from processors.erasure import counts, orders, referrals, subjects
from processors.erasure.completion import outcome_of

RECEIVED = datetime(2025, 8, 1, 6, 0, tzinfo=UTC)
LATER = RECEIVED + timedelta(seconds=2)


def order(subject_id: str | None = None, event_id: str = "U-order-1") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "order_no": "114年度少調字第7號",
        "lookup_key": "hmac-of-the-id",
        "subject_id": subject_id,
        "issued_at": RECEIVED,
        "received_at": RECEIVED,
        "legal_basis": "少年事件處理法第83條之1",
        "partner": "JUV_COURT",
        "raw_key_id": "Q-SUB-1/order-1",
        "erased": {},
    }


def ledger_entry(kind: str = "CHILD_PROTECTION") -> dict[str, Any]:
    return {
        "referral_id": "R-1",
        "kind": kind,
        "source": "POLICE",
        "subject_id": "S-youth",
        "version": 1,
        "destinations": {
            "SOCIAL": {"state": "ACKNOWLEDGED", "version": 1, "assignment_id": "A-social", "history": []},
            "BUREAU": {"state": "COMPLETED", "version": 1, "assignment_id": "A-bureau", "history": []},
        },
    }


# -- hop 1 -------------------------------------------------------------------------------------------------


def test_a_known_person_has_their_keys_shredded_and_the_order_forwarded() -> None:
    facts = orders.PersonFacts("S-youth", subject_key_held=True, quarantine_keys=("Q-SUB-9/3", "Q-SUB-1/order-1"))
    plan = orders.plan_order(order(), None, facts)
    assert plan.shred_keys == ["Q-SUB-1/order-1", "Q-SUB-9/3", "S-youth"]
    assert plan.shred_links == ["hmac-of-the-id"]
    assert plan.answer is None and plan.forward is not None
    assert plan.forward["subject_id"] == "S-youth"
    assert plan.forward["erased"] == {**counts.zero(), "data_keys": 1, "lookup_links": 1, "quarantine_keys": 2}


def test_a_person_never_seen_is_answered_nothing_held_at_once_and_their_dead_letters_still_go() -> None:
    plan = orders.plan_order(order(), None, orders.PersonFacts(None, False, ("Q-SUB-9/3",)))
    assert plan.forward is None and plan.answer is not None
    assert plan.answer["outcome"] == "NOTHING_HELD"
    assert plan.answer["erased"]["quarantine_keys"] == 1
    assert plan.shred_keys == ["Q-SUB-9/3"] and plan.shred_links == []


def test_a_re_sent_order_sends_exactly_what_the_first_copy_sent() -> None:
    first = orders.plan_order(order(), None, orders.PersonFacts("S-youth", True, ("Q-SUB-9/3",)))
    # The keys are gone by now, so the person looks unknown: the stored decision must win.
    resent = {**order(), "received_at": LATER}
    again = orders.plan_order(resent, first.value, orders.PersonFacts(None, False))
    assert again.repeat
    assert again.forward == first.forward
    assert (again.shred_keys, again.shred_links) == (first.shred_keys, first.shred_links)


def test_a_second_order_for_an_erased_person_finds_nothing() -> None:
    first = orders.plan_order(order(), None, orders.PersonFacts("S-youth", True))
    second = orders.plan_order(order(event_id="U-order-2"), first.value, orders.PersonFacts(None, False))
    assert not second.repeat and second.answer is not None and second.answer["outcome"] == "NOTHING_HELD"
    assert set(second.value["orders"]) == {"U-order-1", "U-order-2"}


# -- hops 2 and 4 ------------------------------------------------------------------------------------------


def forwarded() -> dict[str, Any]:
    plan = orders.plan_order(order(), None, orders.PersonFacts("S-youth", True, ("Q-SUB-9/3",)))
    assert plan.forward is not None
    return plan.forward


def test_the_subject_fans_out_to_every_referral_and_drops_the_journey() -> None:
    index = subjects.with_referral(subjects.with_referral(None, "R-2"), "R-1")
    plan = subjects.plan_subject(forwarded(), index, journey_held=True, now=LATER)
    assert [s["referral_id"] for s in plan.steps] == ["R-1", "R-2"]
    assert all(s["legal_basis"] == "少年事件處理法第83條之1" for s in plan.steps)
    assert plan.erase_journey and plan.answer is None
    assert plan.value is not None and subjects.is_erased(plan.value)
    assert "referrals" not in plan.value, "the index keeps the erasure, not the person's referral list"


def test_the_last_referral_answers_the_court_with_the_counts_of_every_hop() -> None:
    index = subjects.with_referral(subjects.with_referral(None, "R-2"), "R-1")
    fanned = subjects.plan_subject(forwarded(), index, journey_held=True, now=LATER)
    one = {**counts.zero(), "referrals": 1, "sla_clocks": 1, "destinations_notified": 2}
    first = subjects.plan_progress(
        fanned.value, {"order_id": "U-order-1", "referral_id": "R-1", "erased": one, "at": LATER}
    )
    assert first.answer is None
    done = subjects.plan_progress(
        first.value, {"order_id": "U-order-1", "referral_id": "R-2", "erased": one, "at": LATER + timedelta(seconds=1)}
    )
    assert done.answer is not None
    assert done.answer["outcome"] == "ERASED"
    assert done.answer["completed_at"] == LATER + timedelta(seconds=1)
    assert done.answer["erased"] == {
        **counts.zero(),
        "referrals": 2,
        "sla_clocks": 2,
        "destinations_notified": 4,
        "journeys": 1,
        "data_keys": 1,
        "lookup_links": 1,
        "quarantine_keys": 1,
    }
    # A redelivered report answers again, byte for byte; it is not counted twice.
    again = subjects.plan_progress(
        done.value, {"order_id": "U-order-1", "referral_id": "R-2", "erased": one, "at": LATER}
    )
    assert again.value is None and again.answer == done.answer


def test_a_person_with_no_referral_is_answered_by_the_subject_hop() -> None:
    plan = subjects.plan_subject(forwarded(), None, journey_held=False, now=LATER)
    assert plan.steps == [] and plan.answer is not None and plan.answer["outcome"] == "ERASED"


def test_a_referral_in_flight_when_the_order_came_is_erased_too_without_a_second_answer() -> None:
    index = subjects.with_referral(None, "R-1")
    fanned = subjects.plan_subject(forwarded(), index, journey_held=False, now=LATER)
    late = subjects.late_referral(fanned.value or {}, "S-youth", "R-9")
    assert [s["referral_id"] for s in late.steps] == ["R-9"]
    assert late.value is not None and late.value["erasure"]["pending"] == ["R-1", "R-9"]
    assert late.answer is None


def test_a_repeated_forward_asks_again_only_for_what_is_pending() -> None:
    index = subjects.with_referral(subjects.with_referral(None, "R-2"), "R-1")
    fanned = subjects.plan_subject(forwarded(), index, journey_held=True, now=LATER)
    progressed = subjects.plan_progress(
        fanned.value, {"order_id": "U-order-1", "referral_id": "R-1", "erased": counts.zero(), "at": LATER}
    )
    again = subjects.plan_subject(forwarded(), progressed.value, journey_held=False, now=LATER + timedelta(hours=1))
    assert again.value is None and [s["referral_id"] for s in again.steps] == ["R-2"]
    assert again.steps[0]["requested_at"] == LATER, "a repeat is byte-identical"


# -- hop 3 -------------------------------------------------------------------------------------------------


def step(referral_id: str = "R-1") -> dict[str, Any]:
    return {
        "order_id": "U-order-1",
        "subject_id": "S-youth",
        "referral_id": referral_id,
        "legal_basis": "少年事件處理法第83條之1",
        "requested_at": LATER,
    }


def test_a_referral_becomes_a_marker_and_every_destination_is_told() -> None:
    plan = referrals.erase_referral(step(), ledger_entry(), clocks_held=True, now=LATER)
    assert referrals.is_erased(plan.marker)
    assert "subject_id" not in plan.marker, "the marker keeps nothing about the person"
    assert {(s["destination"], s["state"], s["reason_code"], s["by"]) for s in plan.statuses} == {
        ("SOCIAL", "CANCELLED", "ERASED", "HUB"),
        ("BUREAU", "CANCELLED", "ERASED", "HUB"),
    }
    assert {s["from_state"] for s in plan.statuses} == {"ACKNOWLEDGED", "COMPLETED"}
    assert {(n["destination"], tuple(n["assignment_ids"])) for n in plan.notices} == {
        ("SOCIAL", ("A-social",)),
        ("BUREAU", ("A-bureau",)),
    }
    assert plan.progress["erased"]["referrals"] == 1 and plan.progress["erased"]["sla_clocks"] == 1
    assert plan.progress["erased"]["destinations_notified"] == 2


def test_a_redelivered_step_re_sends_the_same_records() -> None:
    first = referrals.erase_referral(step(), ledger_entry(), clocks_held=True, now=LATER)
    again = referrals.erase_referral(step(), first.marker, clocks_held=False, now=LATER + timedelta(minutes=5))
    assert again.repeat
    assert (again.statuses, again.notices, again.progress) == (first.statuses, first.notices, first.progress)


def test_a_lecture_notice_is_counted_and_an_unknown_referral_still_leaves_a_marker() -> None:
    lecture = referrals.erase_referral(step(), ledger_entry("LECTURE"), clocks_held=False, now=LATER)
    assert lecture.progress["erased"]["lecture_notices"] == 1
    missing = referrals.erase_referral(step("R-gone"), None, clocks_held=False, now=LATER)
    assert referrals.is_erased(missing.marker) and missing.statuses == [] and missing.notices == []
    assert missing.progress["erased"] == counts.zero()


def test_an_order_that_found_only_dead_letters_held_nothing() -> None:
    assert outcome_of({**counts.zero(), "quarantine_keys": 3}) == "NOTHING_HELD"
    assert outcome_of({**counts.zero(), "journeys": 1}) == "ERASED"
