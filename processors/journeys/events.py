"""The two kinds of event a journey emits, as Avro-ready dicts (datetimes, not strings):

* SLA events (schemas/sla_event.avsc), in the same shape as the referral clocks' — WARNING, BREACH, MET;
* break-point events (schemas/protection_gap.avsc) — OPEN, CLOSED.

Every field comes from the stored clock, never from the hub's clock at the time of sending: ``at`` is the
instant the thing happened (the warning instant, the deadline, the step's time). So an event re-emitted
after a crash is byte-identical, and consumers dedupe on ``event_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from processors.journeys import ids
from processors.journeys.model import Duty, Gap, instant

SlaType = Literal["WARNING", "BREACH", "MET"]
GapStatus = Literal["OPEN", "CLOSED"]


def sla_event(subject_id: str, duty: Duty, event_type: SlaType, at: datetime, *, late: bool = False) -> dict[str, Any]:
    return {
        "event_id": ids.sla_event_id(duty["clock_id"], event_type),
        "clock_id": duty["clock_id"],
        "clock": duty["clock"],
        "type": event_type,
        "referral_id": duty["referral_id"],
        "kind": duty["kind"],
        "source": duty["source"],
        "destination": duty["destination"],
        "subject_id": subject_id,
        "period": duty["period"],
        "started_at": instant(duty["started_at"]),
        "warning_at": instant(duty["warning_at"]),
        "due_at": instant(duty["due_at"]),
        "at": at,
        "late": late,
        "escalate_to": None,
        "basis": duty["basis"],
    }


def gap_event(subject_id: str, duty: Duty, gap: Gap, status: GapStatus) -> dict[str, Any]:
    closed = status == "CLOSED"
    if closed and gap["closed_at"] is None:
        raise ValueError(f"gap {gap['gap_id']} is not closed")
    opened_at = instant(gap["opened_at"])
    closed_at = instant(gap["closed_at"]) if closed and gap["closed_at"] else None
    return {
        "event_id": ids.gap_event_id(gap["gap_id"], status),
        "gap_id": gap["gap_id"],
        "subject_id": subject_id,
        "gap_type": duty["gap_type"],
        "status": status,
        "referral_id": duty["referral_id"],
        "stage": duty["stage"],
        "period": duty["period"],
        "detail": gap["detail"],
        "due_at": instant(duty["due_at"]),
        "opened_at": opened_at,
        "closed_at": closed_at,
        "closed_by": gap["closed_by"] if closed else None,
        "at": closed_at or opened_at,
    }


_ORDER = {"WARNING": 0, "BREACH": 1, "OPEN": 2, "MET": 3, "CLOSED": 4}


def chronological(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """In the order they happened; at one instant a warning before a breach, a breach before the gap it opens,
    the step that met a clock before the gap it closes. Stable otherwise."""
    return sorted(events, key=lambda event: (event["at"], _ORDER[event.get("status") or event["type"]]))
