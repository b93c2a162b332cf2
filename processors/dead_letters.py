"""The dead letter (退件) of a record the hub refused: its reason and its sealed original bytes.

One builder for every place that refuses (the gateway, the router, the closed-loop agent), so each dead letter
has the same id scheme and no reason ever carries a national ID in clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.validation.national_id import mask_ids
from processors import ids

NOTHING_SEALED: dict[str, Any] = {"key_id": "", "nonce": b"", "ciphertext": b""}
"""The ``original`` of a dead letter that has no partner bytes to keep (the hub's own records, empty notes)."""


def dead_letter(
    *,
    submission_id: str,
    record_no: int,
    partner: str,
    inbound_format: str,
    field: str,
    code: str,
    reason: str,
    received_at: datetime,
    original: dict[str, Any],
    context: bytes = b"",
) -> dict[str, Any]:
    """The ``DeadLetter`` Avro record (schemas/dead_letter.avsc); ``original`` is a sealed envelope record."""
    return {
        "dead_letter_id": ids.dead_letter_id(submission_id, record_no),
        "submission_id": submission_id,
        "partner": partner,
        "format": inbound_format,
        "record_no": record_no,
        "field": field,
        "code": code,
        "reason": mask_ids(reason),
        "received_at": received_at,
        "context": context,
        "original": original,
    }
