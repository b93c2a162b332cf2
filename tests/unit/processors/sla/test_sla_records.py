"""What clocks are kept and announced as: JSON-safe clocks, SLA events that fit schemas/sla_event.avsc."""

from __future__ import annotations

import io
import json
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import fastavro

from processors.sla.periods import is_period, month_at, period_end, shift
from processors.sla.records import SLA_EVENT_FIELDS, clock_id, sla_event_id
from processors.sla.referral_clocks import ClockPlan, ReferralClocks, check_due, on_report, on_state, start_clocks
from tests.unit.processors.sla.sla_support import CALENDAR, POLICY, json_round_trip, referral, routes, taipei

SCHEMA = Path(__file__).parents[4] / "schemas" / "sla_event.avsc"
RECEIVED = taipei(2025, 7, 15, 9, 0)


def _every_kind_of_event() -> tuple[list[dict[str, Any]], list[ReferralClocks]]:
    """A late child-protection route, a late pre-release notice, warnings, breaches, an expiry, a late report."""
    events: list[dict[str, Any]] = []
    values: list[ReferralClocks] = []

    def keep(plan: ClockPlan, before: ReferralClocks | None) -> ReferralClocks:
        events.extend(plan.events)
        value = plan.clocks if plan.clocks is not None else before
        assert value is not None
        values.append(value)
        return value

    child = keep(
        start_clocks(
            None,
            referral("CHILD_PROTECTION", RECEIVED),
            routes("SOCIAL"),
            RECEIVED + timedelta(minutes=5),
            POLICY,
            CALENDAR,
        ),
        None,
    )
    child = keep(check_due(child, taipei(2025, 7, 16, 5), POLICY, CALENDAR), child)
    child = keep(check_due(child, taipei(2025, 8, 20), POLICY, CALENDAR), child)
    late = referral("PRE_RELEASE", RECEIVED, referral_id="R-2", expected_release_date="2025-08-01")
    keep(start_clocks(None, late, routes("BUREAU"), RECEIVED, POLICY, CALENDAR), None)
    deferred = referral("DEFERRED_PROSECUTION", RECEIVED, referral_id="R-3", deferral_end="2025-08-31")
    dp = keep(start_clocks(None, deferred, routes("BUREAU"), RECEIVED, POLICY, CALENDAR), None)
    dp = keep(on_state(dp, "BUREAU", "ACCEPTED", taipei(2025, 7, 16), POLICY), dp)
    dp = keep(check_due(dp, taipei(2025, 8, 9), POLICY, CALENDAR), dp)
    keep(on_report(dp, "2025-07", taipei(2025, 8, 11)), dp)
    return events, values


def test_every_event_type_occurs_in_the_sample() -> None:
    events, _ = _every_kind_of_event()
    assert {e["type"] for e in events} == {"WARNING", "BREACH", "ESCALATION", "MET", "EXPIRED", "LATE_NOTICE"}


def test_events_have_exactly_the_documented_fields_and_utc_times() -> None:
    events, _ = _every_kind_of_event()
    for event in events:
        assert tuple(event) == SLA_EVENT_FIELDS
        for name in ("started_at", "due_at", "at"):
            assert event[name].tzinfo is not None and event[name].utcoffset() == timedelta(0)
        assert event["warning_at"] is None or event["warning_at"].tzinfo == UTC
        assert event["event_id"] == sla_event_id(event["clock_id"], event["type"])
        assert (event["type"] == "ESCALATION") == (event["escalate_to"] is not None)
        assert event["late"] is False or event["type"] == "MET"
    assert len({e["event_id"] for e in events}) == len(events)


def test_events_fit_the_avro_schema() -> None:
    schema = fastavro.parse_schema(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert [f["name"] for f in json.loads(SCHEMA.read_text(encoding="utf-8"))["fields"]] == list(SLA_EVENT_FIELDS)
    events, _ = _every_kind_of_event()
    for event in events:
        out = io.BytesIO()
        fastavro.schemaless_writer(out, schema, event)
        out.seek(0)
        assert fastavro.schemaless_reader(out, schema, schema) == event


def test_clocks_survive_a_json_round_trip() -> None:
    _, values = _every_kind_of_event()
    for value in values:
        assert json_round_trip(value) == value


def test_ids_are_deterministic_and_distinct() -> None:
    assert clock_id("R-1", "SV_ACK", "LABOUR", None) == clock_id("R-1", "SV_ACK", "LABOUR", None)
    assert clock_id("R-1", "SV_ACK", "LABOUR", None).startswith("C-")
    ids = {
        clock_id("R-1", "SV_ACK", "LABOUR", None),
        clock_id("R-1", "SV_ACK", "NGO_MUEN", None),
        clock_id("R-2", "SV_ACK", "LABOUR", None),
        clock_id("R-1", "DP_PROGRESS_REPORT", "BUREAU", "2025-07"),
        clock_id("R-1", "DP_PROGRESS_REPORT", "BUREAU", "2025-08"),
    }
    assert len(ids) == 5
    assert sla_event_id("C-1", "BREACH") != sla_event_id("C-1", "ESCALATION")


def test_monthly_periods_in_taipei() -> None:
    assert month_at(taipei(2025, 7, 31, 23, 30)) == "2025-07"
    assert month_at(taipei(2025, 8, 1, 0, 30)) == "2025-08"  # still 31 July in UTC
    assert shift("2025-11", 2) == "2026-01"
    assert shift("2025-01", -1) == "2024-12"
    assert period_end("2025-12") == taipei(2026, 1, 1)
    assert is_period("2025-07") and not is_period("2025-13") and not is_period("114-07")
