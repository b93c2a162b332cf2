"""Retention of closed referrals (processors/retention.py), on entries and clocks made by the real processors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from processors import retention
from processors.erasure.referrals import erase_referral, erased_marker
from processors.ledger import LedgerEntry, plan_routing, plan_update
from processors.sla import referral_clocks
from processors.sla.referral_clocks import ReferralClocks
from tests.support.events import answer, event
from tests.unit.processors.sla.sla_support import CALENDAR, POLICY

ROUTED_AT = datetime(2025, 7, 15, 6, 31, 5, tzinfo=UTC)
THIRTY_DAYS = timedelta(days=30)


def _routed() -> tuple[LedgerEntry, dict[str, Any]]:
    referral = event()
    plan = plan_routing(referral, None, ROUTED_AT)
    assert plan.entry is not None and set(plan.entry["destinations"]) == {"SOCIAL", "BUREAU"}
    return plan.entry, referral


def _answer(entry: LedgerEntry, partner: str, state: str, at: datetime, reason: str | None = None) -> LedgerEntry:
    plan = plan_update(answer(entry["referral_id"], partner, state, at, reason), entry)
    assert plan.changed
    return plan.entry


def _closed() -> tuple[LedgerEntry, ReferralClocks]:
    """SOCIAL accepts and completes the case, BUREAU rejects its copy; the clocks follow every change."""
    entry, referral = _routed()
    started = referral_clocks.start_clocks(
        None, referral, [("SOCIAL", False), ("BUREAU", True)], ROUTED_AT, POLICY, CALENDAR
    )
    assert started.clocks is not None
    clocks = started.clocks
    for partner, state, hours, reason in [
        ("SOCIAL", "ACKNOWLEDGED", 1, None),
        ("SOCIAL", "ACCEPTED", 2, None),
        ("BUREAU", "REJECTED", 3, "NOT_OUR_CASE"),
        ("SOCIAL", "COMPLETED", 48, None),
    ]:
        at = ROUTED_AT + timedelta(hours=hours)
        entry = _answer(entry, partner, state, at, reason)
        plan = referral_clocks.on_state(clocks, partner, state, at, POLICY)
        clocks = plan.clocks if plan.clocks is not None else clocks
    return entry, clocks


def test_an_open_referral_is_never_retired() -> None:
    entry, _ = _routed()
    assert retention.closed_at(entry) is None
    assert retention.retire_at(entry, THIRTY_DAYS) is None
    entry = _answer(entry, "BUREAU", "REJECTED", ROUTED_AT + timedelta(hours=1), "NOT_OUR_CASE")
    assert retention.closed_at(entry) is None, "SOCIAL is still open"
    assert not retention.retirable(entry, None, ROUTED_AT + timedelta(days=3650), THIRTY_DAYS)


def test_a_closed_referral_leaves_after_the_retention_counted_from_its_last_closure() -> None:
    entry, clocks = _closed()
    last_closed = ROUTED_AT + timedelta(hours=48)
    assert retention.closed_at(entry) == last_closed
    assert retention.retire_at(entry, THIRTY_DAYS) == last_closed + THIRTY_DAYS
    assert referral_clocks.next_instant(clocks) is None, "a closed referral's clocks wait for nothing"
    assert not retention.retirable(entry, clocks, last_closed + THIRTY_DAYS - timedelta(seconds=1), THIRTY_DAYS)
    assert retention.retirable(entry, clocks, last_closed + THIRTY_DAYS, THIRTY_DAYS)
    assert retention.retirable(entry, None, last_closed + THIRTY_DAYS, THIRTY_DAYS), "a referral without clocks"


def test_a_clock_still_waiting_keeps_the_referral() -> None:
    _, referral = _routed()
    started = referral_clocks.start_clocks(None, referral, [("SOCIAL", False)], ROUTED_AT, POLICY, CALENDAR)
    assert started.clocks is not None and referral_clocks.next_instant(started.clocks) is not None
    closed, _ = _closed()
    assert not retention.retirable(closed, started.clocks, ROUTED_AT + timedelta(days=3650), THIRTY_DAYS)


def test_markers_are_never_retired_again() -> None:
    entry, _ = _closed()
    later = ROUTED_AT + timedelta(days=40)
    marker = retention.retired_marker(entry, later)
    assert retention.is_retired(marker) and not retention.is_retired(entry)
    assert retention.retire_at(marker, THIRTY_DAYS) is None
    erased = erased_marker(entry["referral_id"], later, "ORDER-1", "少年事件處理法第83條之1")
    assert retention.retire_at(erased, THIRTY_DAYS) is None


def test_the_marker_keeps_ids_and_states_and_nothing_about_the_person() -> None:
    entry, _ = _closed()
    marker = retention.retired_marker(entry, ROUTED_AT + timedelta(days=40))
    assert json.loads(json.dumps(marker)) == marker
    assert set(marker) == {"referral_id", "kind", "source", "version", "digest", "destinations", "retired"}
    assert (marker["version"], marker["digest"]) == (entry["version"], entry["digest"]), "duplicates stay duplicates"
    ids = {destination: delivery["assignment_id"] for destination, delivery in entry["destinations"].items()}
    assert marker["destinations"] == {
        "BUREAU": {"state": "REJECTED", "version": 1, "assignment_id": ids["BUREAU"]},
        "SOCIAL": {"state": "COMPLETED", "version": 1, "assignment_id": ids["SOCIAL"]},
    }
    assert marker["retired"]["closed_at"] == (ROUTED_AT + timedelta(hours=48)).isoformat()
    text = json.dumps(marker, ensure_ascii=False)
    assert entry["subject_id"] not in text and entry["template"]["personal"]["ciphertext"] not in text
    assert len(text) < len(json.dumps(entry, ensure_ascii=False)) / 4


def test_an_erasure_after_retirement_still_tells_every_destination() -> None:
    entry, _ = _closed()
    marker = retention.retired_marker(entry, ROUTED_AT + timedelta(days=40))
    step = {
        "order_id": "ORDER-1",
        "subject_id": entry["subject_id"],
        "referral_id": entry["referral_id"],
        "legal_basis": "少年事件處理法第83條之1",
    }
    later = ROUTED_AT + timedelta(days=400)
    from_marker = erase_referral(step, marker, clocks_held=False, now=later)
    from_entry = erase_referral(step, entry, clocks_held=False, now=later)
    assert from_marker.notices == from_entry.notices and len(from_marker.notices) == 2
    assert from_marker.statuses == from_entry.statuses


def test_only_a_newer_version_is_routed_again_after_retirement() -> None:
    entry, referral = _closed()
    marker = retention.retired_marker(entry, ROUTED_AT + timedelta(days=40))
    assert not retention.routes_again(marker, referral)
    assert retention.routes_again(marker, {**referral, "version": referral["version"] + 1})
