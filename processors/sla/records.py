"""The shapes SLA clocks are kept and announced in.

A referral's clocks are JSON-safe (ISO 8601 strings, UTC) so they can live in a Faust table with the JSON
serializer; SLA events carry tz-aware UTC datetimes, as the Avro codec expects for ``timestamp-millis``.
Ids are deterministic: a replay finds the clock it already made, and a re-sent event has the same id.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict, cast

ClockStatus = Literal["OPEN", "WARNED", "BREACHED", "MET", "STOPPED", "EXPIRED"]
EventType = Literal["WARNING", "BREACH", "ESCALATION", "MET", "EXPIRED", "LATE_NOTICE"]


class Clock(TypedDict):
    """One clock (時限) of one referral: a rule × destination × the version whose delivery it measures, × period
    for a recurring duty (which belongs to the referral: one series across versions)."""

    clock_id: str
    clock: str
    """The policy row, e.g. CP_TRIAGE."""
    referral_id: str
    kind: str
    source: str
    subject_id: str
    destination: str
    """The agency whose duty the clock measures."""
    period: str | None
    """YYYY-MM for a recurring (monthly) duty."""
    last_period: str | None
    """A recurring duty's last period: the next period's clock is made when this one is met or due, until then."""
    started_at: str
    warning_at: str | None
    due_at: str
    status: ClockStatus
    met_at: str | None
    basis: str
    """Law or source of the deadline, copied from the row so a report can be met without the policy at hand."""


class ReferralClocks(TypedDict):
    referral_id: str
    version: int
    """The referral version the clocks were last started for: an older one changes nothing."""
    clocks: dict[str, Clock]
    """By clock_id, in the order they were made; an older version's clocks stay (stopped if still running)."""
    reports: dict[str, str]
    """Period reports (YYYY-MM → when) that came before their period's clock was made; it is met when made."""


class SlaEvent(TypedDict):
    """One moment in the life of a clock, as sent on ``sla.events`` (schemas/sla_event.avsc)."""

    event_id: str
    clock_id: str
    clock: str
    type: EventType
    referral_id: str
    kind: str
    source: str
    destination: str
    subject_id: str
    period: str | None
    started_at: datetime
    warning_at: datetime | None
    due_at: datetime
    at: datetime
    late: bool
    escalate_to: str | None
    basis: str


SLA_EVENT_FIELDS = tuple(SlaEvent.__annotations__)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def clock_id(referral_id: str, clock: str, destination: str, period: str | None, version: int = 1) -> str:
    """A clock measures one version's delivery to ``destination`` (a recurring duty: the version its series
    started at), so an amendment's clocks and their events have ids of their own. Version 1 adds nothing to
    the digest: clocks kept before ids had a version are version 1's, and a replay finds them."""
    versioned = (str(version),) if version > 1 else ()
    return "C-" + _digest(referral_id, clock, destination, period or "", *versioned)


def clock_version(clock: Clock, latest: int) -> int:
    """The referral version (at most ``latest``) ``clock`` was made for, read back from its id."""
    for version in range(latest, 1, -1):
        if clock["clock_id"] == clock_id(
            clock["referral_id"], clock["clock"], clock["destination"], clock["period"], version
        ):
            return version
    return 1


def sla_event_id(clock: str, event_type: EventType) -> str:
    """One event of each type per clock (a clock warns, breaches, is met at most once)."""
    return "SE-" + _digest(clock, event_type)


def iso(instant: datetime) -> str:
    if instant.tzinfo is None:
        raise ValueError(f"SLA times must be timezone-aware, got {instant!r}")
    return instant.astimezone(UTC).isoformat()


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def sla_event(
    clock: Clock, event_type: EventType, at: datetime, *, late: bool = False, escalate_to: str | None = None
) -> dict[str, Any]:
    event: SlaEvent = {
        "event_id": sla_event_id(clock["clock_id"], event_type),
        "clock_id": clock["clock_id"],
        "clock": clock["clock"],
        "type": event_type,
        "referral_id": clock["referral_id"],
        "kind": clock["kind"],
        "source": clock["source"],
        "destination": clock["destination"],
        "subject_id": clock["subject_id"],
        "period": clock["period"],
        "started_at": instant(clock["started_at"]),
        "warning_at": instant(clock["warning_at"]) if clock["warning_at"] else None,
        "due_at": instant(clock["due_at"]),
        "at": at.astimezone(UTC),
        "late": late,
        "escalate_to": escalate_to,
        "basis": clock["basis"],
    }
    # A plain dict for the producer and the Avro codec; SlaEvent above checks every field is set.
    return cast(dict[str, Any], event)
