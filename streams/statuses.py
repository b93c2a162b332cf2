"""Where a status change goes: the hub-wide closed-loop log, and its source partner's own feed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from streams.outbox import Output
from streams.topology import REFERRAL_STATUS, STATUS_TOPICS


def status_outputs(statuses: Iterable[Mapping[str, Any]]) -> list[Output]:
    """Each status change on referrals.status and on status.<SOURCE>: a partner reads (and is allowed to read)
    only its own feed, and its pull costs what it reads, not the size of everyone's log."""
    outputs: list[Output] = []
    for status in statuses:
        record = dict(status)
        outputs.append((REFERRAL_STATUS.name, record["referral_id"], record))
        own = STATUS_TOPICS.get(record["source"])
        if own is not None:
            outputs.append((own.name, record["referral_id"], record))
    return outputs
