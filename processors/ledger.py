"""The delivery ledger (轉介追蹤帳): one entry per referral, one delivery per destination.

The router is a pure step over (event, ledger entry, now) → (new entry, assignments, status changes).
The routing time is fixed in the ledger before anything is sent, so after a crash the same event yields
byte-identical assignments: transport is at-least-once, and consumers dedupe on ``assignment_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from processors import ids
from processors.lifecycle import State, check_transition
from processors.routing import Route, route

HUB = "HUB"


class Transition(TypedDict):
    state: str
    at: str
    by: str
    reason_code: str | None
    rule: str | None


class Delivery(TypedDict):
    state: str
    version: int
    assignment_id: str
    history: list[Transition]


class LedgerEntry(TypedDict):
    referral_id: str
    kind: str
    source: str
    subject_id: str
    version: int
    digest: str
    routed_at: str
    destinations: dict[str, Delivery]


@dataclass
class RoutingPlan:
    entry: LedgerEntry | None
    assignments: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    first_time: bool = False
    """False when the event was already routed (a redelivery after a crash, or a stale version)."""


def plan_routing(event: dict[str, Any], entry: LedgerEntry | None, now: datetime) -> RoutingPlan:
    version = int(event["version"])
    if entry is not None and (
        entry["version"] > version or (entry["version"] == version and entry["digest"] != event["content_digest"])
    ):
        # An older version, or a conflicting copy of this one: the newer state stands.
        return RoutingPlan(entry=entry)
    repeat = entry is not None and entry["version"] == version
    routed_at = datetime.fromisoformat(entry["routed_at"]) if entry is not None and repeat else now
    routes = route(event)
    new_entry = _entry_after(event, entry, routes, routed_at) if not repeat else entry
    return RoutingPlan(
        entry=new_entry,
        assignments=[assignment(event, r, routed_at) for r in routes],
        statuses=[routed_status(event, r, routed_at) for r in routes],
        first_time=not repeat,
    )


def _entry_after(event: dict[str, Any], entry: LedgerEntry | None, routes: list[Route], at: datetime) -> LedgerEntry:
    destinations = dict(entry["destinations"]) if entry else {}
    for r in routes:
        previous = destinations.get(r.destination)
        current = State(previous["state"]) if previous and previous["version"] == event["version"] else None
        check_transition(current, State.ROUTED)
        history = list(previous["history"]) if previous else []
        history.append(Transition(state=State.ROUTED, at=at.isoformat(), by=HUB, reason_code=None, rule=r.rule))
        destinations[r.destination] = Delivery(
            state=State.ROUTED,
            version=int(event["version"]),
            assignment_id=ids.assignment_id(event["referral_id"], r.destination, int(event["version"])),
            history=history,
        )
    return LedgerEntry(
        referral_id=event["referral_id"],
        kind=event["kind"],
        source=event["source"],
        subject_id=event["subject_id"],
        version=int(event["version"]),
        digest=event["content_digest"],
        routed_at=at.isoformat(),
        destinations=destinations,
    )


def assignment(event: dict[str, Any], r: Route, routed_at: datetime) -> dict[str, Any]:
    """The ``Assignment`` Avro record (schemas/assignment.avsc)."""
    version = int(event["version"])
    return {
        "assignment_id": ids.assignment_id(event["referral_id"], r.destination, version),
        "referral_id": event["referral_id"],
        "version": version,
        "destination": r.destination,
        "copy": r.copy,
        "team": r.team,
        "priority": r.priority,
        "kind": event["kind"],
        "service_type": event.get("service_type"),
        "source": event["source"],
        "partner_ref": event["partner_ref"],
        "subject_id": event["subject_id"],
        "gender": event.get("gender"),
        "district": event.get("district"),
        "out_of_area": bool(event.get("out_of_area")),
        "occurred_at": event["occurred_at"],
        "received_at": event["received_at"],
        "routed_at": routed_at,
        "rule": r.rule,
        "legal_basis": r.legal_basis,
        "attributes": dict(event.get("attributes") or {}),
        "personal": event["personal"],
    }


def routed_status(event: dict[str, Any], r: Route, routed_at: datetime) -> dict[str, Any]:
    """The ``StatusChange`` Avro record for SUBMITTED → ROUTED."""
    version = int(event["version"])
    return {
        "event_id": ids.status_event_id(event["referral_id"], r.destination, version, State.ROUTED),
        "referral_id": event["referral_id"],
        "version": version,
        "kind": event["kind"],
        "source": event["source"],
        "destination": r.destination,
        "from_state": State.SUBMITTED.value,
        "state": State.ROUTED.value,
        "at": routed_at,
        "by": HUB,
        "reason_code": None,
        "rule": r.rule,
    }
