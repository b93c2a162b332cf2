"""streams/outbox.py: a redelivered message finds what its first pass promised, byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.outbox import OUTBOX, carried, merged, pending, sealed

AT = datetime(2026, 11, 30, 1, 2, 3, 456000, tzinfo=UTC)
EVENT = {"event_id": "SE-1", "type": "BREACH", "due_at": AT, "late": False, "period": None, "attributes": {"a": "b"}}


def test_a_sealed_value_gives_back_the_same_records_to_the_same_message_only() -> None:
    value = sealed({"referral_id": "R-1"}, "sla.checks/2/17", [("sla.events", "R-1", EVENT)])
    assert pending(value, "sla.checks/2/17") == [("sla.events", "R-1", EVENT)]
    assert pending(value, "sla.checks/2/18") is None
    assert pending(value, None) is None
    assert pending(None, "sla.checks/2/17") is None


def test_the_box_is_json_safe() -> None:
    import json

    value = sealed({"referral_id": "R-1"}, "sla.checks/0/3", [("sla.events", "R-1", EVENT)])
    again = json.loads(json.dumps(value))
    assert pending(again, "sla.checks/0/3") == [("sla.events", "R-1", EVENT)]


def test_nothing_to_send_leaves_no_box_and_a_rebuilt_value_keeps_the_old_one() -> None:
    assert OUTBOX not in sealed({"k": 1}, "t/0/1", [])
    boxed = sealed({"k": 1}, "t/0/1", [("t", "k", {"x": 1})])
    rebuilt = carried({"k": 2}, boxed)
    assert rebuilt["k"] == 2 and pending(rebuilt, "t/0/1") == [("t", "k", {"x": 1})]
    assert carried({"k": 2}, {"k": 1}) == {"k": 2}


def test_another_agents_records_do_not_replace_this_ones() -> None:
    answered = sealed({"k": 1}, "referrals.updates/1/40", [("sla.events", "R-1", {"event_id": "SE-met"})])
    checked = sealed(answered, "sla.checks/1/7", [("sla.events", "R-1", {"event_id": "SE-warning"})])
    assert pending(checked, "referrals.updates/1/40") == [("sla.events", "R-1", {"event_id": "SE-met"})]
    assert pending(checked, "sla.checks/1/7") == [("sla.events", "R-1", {"event_id": "SE-warning"})]
    later = sealed(checked, "sla.checks/1/8", [("sla.events", "R-1", {"event_id": "SE-breach"})])
    assert pending(later, "sla.checks/1/7") is None, "a later message of the same source replaces its box"


def test_records_of_two_passes_are_sent_once_each() -> None:
    first = [("sla.events", "R-1", {"event_id": "SE-a"}), ("referrals.status", "R-1", {"event_id": "T-a"})]
    second = [("sla.events", "R-1", {"event_id": "SE-a"}), ("sla.events", "R-1", {"event_id": "SE-b"})]
    assert [record["event_id"] for _, _, record in merged(first, second)] == ["SE-a", "T-a", "SE-b"]
