"""Hop 1 of an erasure order (塗銷命令), on the person's lookup-key partition: shred the keys, then forward.

The keys go first and at once: the moment a data key's tombstone is written, every envelope sealed under it (and
every per-destination view derived from it) is unreadable on every topic, whatever the later hops still do.
One order is handled once per person: a re-sent or redelivered order re-sends exactly what it sent the first
time (the same tombstones, the same forward or answer), so the court never gets two different answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from processors.erasure import counts
from processors.erasure.completion import completed, outcome_of


@dataclass(frozen=True)
class PersonFacts:
    """What the hub holds about the person named by the order, read from the key vault after catching up."""

    subject_id: str | None
    """The subject the lookup link names, if the hub knows the person."""
    subject_key_held: bool
    quarantine_keys: tuple[str, ...] = ()
    """Keys of dead letters (and of the order's own bytes) whose content names the person."""


@dataclass
class OrderPlan:
    value: dict[str, Any]
    """The order table's new value for this person (JSON-safe)."""
    shred_keys: list[str] = field(default_factory=list)
    """Key ids to tombstone on subjects.keys."""
    shred_links: list[str] = field(default_factory=list)
    """Lookup keys to tombstone on subjects.lookup."""
    forward: dict[str, Any] | None = None
    """The order for erasure.subjects (key: its subject_id), when the hub knows the person."""
    answer: dict[str, Any] | None = None
    """ERASURE_COMPLETED straight away, when it does not."""
    repeat: bool = False


def plan_order(order: Mapping[str, Any], stored: Mapping[str, Any] | None, facts: PersonFacts) -> OrderPlan:
    orders: dict[str, Any] = dict((stored or {}).get("orders") or {})
    done = orders.get(order["event_id"])
    if done is not None:
        return _repeat(order, done, dict(stored or {}))
    own = [facts.subject_id] if facts.subject_id is not None and facts.subject_key_held else []
    shred_keys = sorted({*facts.quarantine_keys, *own})
    shred_links = [order["lookup_key"]] if facts.subject_id is not None else []
    erased = counts.zero()
    erased["data_keys"] = 1 if facts.subject_key_held else 0
    erased["lookup_links"] = len(shred_links)
    erased["quarantine_keys"] = len(set(facts.quarantine_keys))
    record: dict[str, Any] = {
        "subject_id": facts.subject_id,
        "shred_keys": shred_keys,
        "shred_links": shred_links,
        "erased": erased,
        "received_at": order["received_at"].isoformat(),
    }
    orders[order["event_id"]] = record
    plan = OrderPlan(value={**dict(stored or {}), "orders": orders}, shred_keys=shred_keys, shred_links=shred_links)
    _outputs(plan, order, record)
    return plan


def _repeat(order: Mapping[str, Any], record: Mapping[str, Any], stored: dict[str, Any]) -> OrderPlan:
    plan = OrderPlan(
        value=stored, shred_keys=list(record["shred_keys"]), shred_links=list(record["shred_links"]), repeat=True
    )
    # The first copy's receipt time, not this copy's: what goes out must be byte-identical.
    first = {**order, "received_at": datetime.fromisoformat(record["received_at"])}
    _outputs(plan, first, record)
    return plan


def _outputs(plan: OrderPlan, order: Mapping[str, Any], record: Mapping[str, Any]) -> None:
    erased = dict(record["erased"])
    if record["subject_id"] is not None:
        plan.forward = {**order, "subject_id": record["subject_id"], "erased": erased}
        return
    # The hub never saw the person (or already erased them under an earlier order): nothing more to find.
    plan.answer = completed(order, outcome_of(erased), erased, completed_at=order["received_at"])
