"""A source partner's status feed (回傳狀態), as it pulls it: its referrals' status changes and, for a court,
the answers to its erasure orders (ERASURE_COMPLETED, 塗銷完成), in one JSON array in feed order.

Status changes keep the common status shape (:func:`adapters.outbound.common_status.status_update`); an
erasure answer is an item with ``"type": "ERASURE_COMPLETED"`` carrying the order number, the outcome and what
was erased counted per category — never anything about the person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.outbound import JSON_CONTENT_TYPE, Rendered, json_bytes, taipei_iso
from adapters.outbound.common_status import status_update

ERASURE_COMPLETED = "erasure_completed"
"""The schema name of an erasure answer in the feed (the other items are ``status_change``)."""


def erasure_completed(answer: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "ERASURE_COMPLETED",
        "eventId": answer["event_id"],
        "orderNo": answer["order_no"],
        "outcome": answer["outcome"],
        "erased": {category: answer["erased"][category] for category in sorted(answer["erased"])},
        "legalBasis": answer["legal_basis"],
        "receivedAt": taipei_iso(answer["received_at"]),
        "completedAt": taipei_iso(answer["completed_at"]),
    }


def render_status_feed(items: Sequence[tuple[str, Mapping[str, Any]]]) -> Rendered:
    """``items`` are (schema name, record) in feed order."""
    body = [
        erasure_completed(record) if schema == ERASURE_COMPLETED else status_update(record) for schema, record in items
    ]
    return Rendered(JSON_CONTENT_TYPE, json_bytes(body))
