from datetime import UTC, datetime, timedelta

from processors.ledger import plan_routing
from schemas.codec import codec_for
from tests.support.events import event, inbound

NOW = datetime(2025, 7, 15, 6, 31, 5, tzinfo=UTC)


def test_first_routing_records_every_destination_as_routed() -> None:
    plan = plan_routing(event(), None, NOW)
    assert plan.first_time
    assert plan.entry is not None
    assert {d: v["state"] for d, v in plan.entry["destinations"].items()} == {"SOCIAL": "ROUTED", "BUREAU": "ROUTED"}
    assert [a["destination"] for a in plan.assignments] == ["SOCIAL", "BUREAU"]
    assert [s["state"] for s in plan.statuses] == ["ROUTED", "ROUTED"]


def test_a_redelivered_event_yields_byte_identical_outputs() -> None:
    """After a crash the same event comes again, later: outputs must not change, byte for byte."""
    first_event = event()
    first = plan_routing(first_event, None, NOW)
    again = plan_routing(first_event, first.entry, NOW + timedelta(minutes=5))
    assert not again.first_time
    codec, status_codec = codec_for("assignment"), codec_for("status_change")
    assert [codec.encode(a) for a in again.assignments] == [codec.encode(a) for a in first.assignments]
    assert [status_codec.encode(s) for s in again.statuses] == [status_codec.encode(s) for s in first.statuses]


def test_an_older_version_never_overwrites_a_newer_one() -> None:
    newer = plan_routing(event(inbound(phone="0987654321"), version=2), None, NOW)
    stale = plan_routing(event(version=1), newer.entry, NOW)
    assert stale.entry == newer.entry
    assert stale.assignments == [] and stale.statuses == []


def test_an_amendment_makes_new_assignments_under_a_new_id() -> None:
    first = plan_routing(event(), None, NOW)
    amended = plan_routing(event(inbound(phone="0987654321"), version=2), first.entry, NOW)
    assert amended.first_time
    old_ids = {a["assignment_id"] for a in first.assignments}
    assert old_ids.isdisjoint({a["assignment_id"] for a in amended.assignments})
    assert amended.entry is not None and amended.entry["version"] == 2
    assert len(amended.entry["destinations"]["SOCIAL"]["history"]) == 2
