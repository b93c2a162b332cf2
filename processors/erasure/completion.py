"""ERASURE_COMPLETED (塗銷完成): the hub's answer to the court, once everything it held is gone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from processors import ids


def outcome_of(erased: Mapping[str, int]) -> str:
    """ERASED when the hub held anything about the person, NOTHING_HELD when it held nothing. Dead letters that
    merely named the person are shredded either way but do not make them someone the hub held."""
    held = {category: n for category, n in erased.items() if category != "quarantine_keys"}
    return "ERASED" if any(held.values()) else "NOTHING_HELD"


def completed(
    order: Mapping[str, Any], outcome: str, erased: Mapping[str, int], completed_at: datetime
) -> dict[str, Any]:
    """The ``ErasureCompleted`` Avro record (schemas/erasure_completed.avsc)."""
    return {
        "event_id": ids.erasure_completed_id(order["event_id"]),
        "order_id": order["event_id"],
        "order_no": order["order_no"],
        "partner": order["partner"],
        "outcome": outcome,
        "erased": dict(erased),
        "legal_basis": order["legal_basis"],
        "received_at": order["received_at"],
        "completed_at": completed_at,
    }
