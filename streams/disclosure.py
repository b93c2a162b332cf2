"""Each destination's assignment sealed with its own view (streams side of processors/privacy/assignment_view).

The router and the answers agent build assignments from the referral (every attribute, the subject's envelope);
before one goes on ``assignments.<AGENCY>`` it is cut down to that agency's declared view and its personal fields
are sealed under a key only that agency's view can open (HKDF from the subject's key).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from processors.privacy import envelopes
from processors.privacy.assignment_view import seal_for_destination
from streams.vault import KeyVault

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sealed:
    assignments: list[dict[str, Any]]
    """The records to send, each restricted to and sealed for its destination."""
    disclosed: dict[str, list[str]]
    """assignment id → the fields it discloses (for the audit trail)."""


def for_destinations(vault: KeyVault, assignments: Iterable[Mapping[str, Any]]) -> Sealed:
    """Assignments whose subject key is gone are not sent: the person was erased while the referral moved."""
    out: list[dict[str, Any]] = []
    disclosed: dict[str, list[str]] = {}
    opened: dict[tuple[str, bytes], dict[str, Any]] = {}
    for assignment in assignments:
        key = vault.data_key(assignment["subject_id"])
        if key is None:
            log.warning("assignment %s not sent: its subject's key is gone (erased)", assignment["assignment_id"])
            continue
        sealed = envelopes.Sealed.from_record(dict(assignment["personal"]))
        cache_key = (sealed.key_id, sealed.nonce)
        if cache_key not in opened:
            opened[cache_key] = envelopes.unseal_json(key, sealed)
        made = seal_for_destination(assignment, opened[cache_key], key)
        out.append(made.record)
        disclosed[made.record["assignment_id"]] = made.disclosed
    return Sealed(out, disclosed)
