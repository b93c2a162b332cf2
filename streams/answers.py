"""The closed-loop agent: partners' answers (referrals.updates) → the delivery ledger + referrals.status.

The gateway already refused answers the lifecycle cannot take; this agent checks again (another answer may
have come first) and dead-letters a late refusal. Same delivery rule as the router: the ledger change is
flushed to its changelog before the status change is sent, and a redelivered answer re-sends the same bytes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from faust.types import StreamT

from processors.dead_letters import dead_letter
from processors.ledger import UpdateRefused, plan_update
from streams import metrics
from streams.topology import DEAD_LETTERS, REFERRAL_STATUS, REFERRAL_UPDATES

if TYPE_CHECKING:
    from streams.app import Hub

log = logging.getLogger(__name__)

_NOTHING_SEALED = {"key_id": "", "nonce": b"", "ciphertext": b""}


def register_answers(hub: Hub) -> None:
    @hub.app.agent(hub.topics[REFERRAL_UPDATES.name], name="apply-answers", concurrency=1)
    async def apply_answers(stream: StreamT[Any]) -> None:
        async for update in stream:
            await apply_one(hub, update)


async def apply_one(hub: Hub, update: dict[str, Any]) -> None:
    referral_id = update["referral_id"]
    entry = hub.ledger.get(referral_id)
    try:
        if entry is None:
            raise UpdateRefused("UNKNOWN_REFERRAL", f"查無轉介編號 {referral_id}。")
        plan = plan_update(update, entry)
    except UpdateRefused as refused:
        log.warning("answer %s on %s refused: %s", update["event_id"], referral_id, refused.code)
        metrics.DEAD_LETTERS.labels(update["partner"], refused.code).inc()
        await hub.topics[DEAD_LETTERS.name].send(
            key=update["submission_id"].encode(),
            value=dead_letter(
                submission_id=update["submission_id"],
                record_no=update["record_no"],
                partner=update["partner"],
                inbound_format=update["format"],
                field="status",
                code=refused.code,
                reason=refused.reason,
                received_at=update["received_at"],
                original=update["notes"] or _NOTHING_SEALED,
            ),
        )
        return
    if plan.changed:
        hub.ledger[referral_id] = plan.entry
        await hub.app.producer.flush()
    for status in plan.statuses:
        await hub.topics[REFERRAL_STATUS.name].send(key=referral_id.encode(), value=status)
