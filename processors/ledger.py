"""The delivery ledger (轉介追蹤帳): one entry per referral, one delivery per destination.

The router is a pure step over (event, ledger entry, now) → (new entry, assignments, status changes).
The routing time is fixed in the ledger before anything is sent, so after a crash the same event yields
byte-identical assignments: transport is at-least-once, and consumers dedupe on ``assignment_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from processors import ids
from processors.lifecycle import TERMINAL, IllegalTransition, State, check_transition
from processors.routing import Route, route

HUB = "HUB"


class Transition(TypedDict):
    state: str
    at: str
    by: str
    reason_code: str | None
    rule: str | None
    event_id: NotRequired[str]
    """The partner's answer that made this transition (absent for the hub's own)."""


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


# -- partners' answers (閉環回覆) ------------------------------------------------------------------------


class UpdateRefused(ValueError):
    """An answer the lifecycle cannot take; ``code`` and ``reason`` (Traditional Chinese) go back to the partner."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason


@dataclass
class UpdatePlan:
    entry: LedgerEntry
    statuses: list[dict[str, Any]] = field(default_factory=list)
    changed: bool = False
    """False for a repeat (re-sent or redelivered) or a stale answer: the ledger stays as it is."""


def answered_destinations(update: Mapping[str, Any], entry: LedgerEntry) -> list[str]:
    """Which deliveries an answer is about: the partner's own, or every open one when the source cancels."""
    partner = update["partner"]
    if partner in entry["destinations"]:
        return [partner]
    if partner == entry["source"] and update["state"] == State.CANCELLED:
        return [d for d, delivery in entry["destinations"].items() if State(delivery["state"]) not in TERMINAL]
    raise UpdateRefused("NOT_ADDRESSED_TO_YOU", f"轉介編號 {entry['referral_id']} 並非轉介給貴單位，無法更新其狀態。")


def _refuse_illegal(current: State, wanted: State) -> None:
    try:
        check_transition(current, wanted)
    except IllegalTransition:
        raise UpdateRefused(
            "ILLEGAL_TRANSITION", f"轉介目前狀態為 {current}，不能改為 {wanted}；請確認案件進度後再回覆。"
        ) from None


def _require_reason(wanted: State, update: Mapping[str, Any]) -> None:
    if wanted == State.REJECTED and not update.get("reason_code"):
        raise UpdateRefused("REASON_REQUIRED", "不受案（REJECTED）須填寫原因代碼 reasonCode。")


def check_update(update: Mapping[str, Any], entry: LedgerEntry) -> None:
    """Refuse, before anything is written, an answer the lifecycle would not take (the gateway asks this)."""
    wanted = State(update["state"])
    for destination in answered_destinations(update, entry):
        delivery = entry["destinations"][destination]
        if any(t.get("event_id") == update["event_id"] for t in delivery["history"]):
            continue  # a repeat is answered as a duplicate, not refused
        _refuse_illegal(State(delivery["state"]), wanted)
    _require_reason(wanted, update)


def plan_update(update: Mapping[str, Any], entry: LedgerEntry) -> UpdatePlan:
    """Apply one answer. Idempotent (the answer's event id is kept in the history) and ordered: an answer
    older than the delivery's latest transition never overwrites it."""
    wanted = State(update["state"])
    _require_reason(wanted, update)
    at: datetime = update["at"]
    destinations = dict(entry["destinations"])
    plan = UpdatePlan(entry=entry)
    for destination in answered_destinations(update, entry):
        delivery = destinations[destination]
        seen = [t for t in delivery["history"] if t.get("event_id") == update["event_id"]]
        if seen:
            plan.statuses.append(_answer_status(entry, destination, delivery, seen[0]))
            continue
        answered = [t for t in delivery["history"] if t.get("event_id")]
        if answered and datetime.fromisoformat(answered[-1]["at"]) > at:
            # Stale: a newer answer stands. Compared with answers only: the partner's clock (or a date typed
            # without a time) need not agree with the hub's routing time.
            continue
        _refuse_illegal(State(delivery["state"]), wanted)
        transition = Transition(
            state=wanted, at=at.isoformat(), by=update["partner"], reason_code=update.get("reason_code"), rule=None
        )
        transition["event_id"] = update["event_id"]
        history = [*delivery["history"], transition]
        destinations[destination] = Delivery(
            state=wanted, version=delivery["version"], assignment_id=delivery["assignment_id"], history=history
        )
        plan.statuses.append(_answer_status(entry, destination, delivery, transition))
        plan.changed = True
    if plan.changed:
        plan.entry = LedgerEntry(**{**entry, "destinations": destinations})
    return plan


def _answer_status(
    entry: LedgerEntry, destination: str, before: Delivery, transition: Mapping[str, Any]
) -> dict[str, Any]:
    """The StatusChange for an answer; built from the stored transition, so a repeat is byte-identical."""
    previous = [t for t in before["history"] if t.get("event_id") != transition.get("event_id")]
    return {
        "event_id": ids.status_event_id(
            entry["referral_id"], destination, before["version"], f"{transition['state']}@{transition['at']}"
        ),
        "referral_id": entry["referral_id"],
        "version": before["version"],
        "kind": entry["kind"],
        "source": entry["source"],
        "destination": destination,
        "from_state": previous[-1]["state"] if previous else None,
        "state": transition["state"],
        "at": datetime.fromisoformat(transition["at"]),
        "by": transition["by"],
        "reason_code": transition.get("reason_code"),
        "rule": None,
    }
