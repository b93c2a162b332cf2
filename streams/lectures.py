"""The lecture-count agent: a person's lecture notices (講習通知) counted on the person's own partition.

The router sends a lecture notice here keyed by subject id (lectures.notices) instead of routing it; this agent
writes the person's list in ``lecture-notices`` (its changelog on the subject's partition, so one worker holds
the whole list) and sends the notice back keyed by referral id with ``earlier_lectures`` set
(lectures.counted), which the router routes. A redelivered notice finds its place in the list and is sent back
again with the same count: nothing to keep in an outbox. ``concurrency=1``: notices of one person in order.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from faust.types import StreamT

from processors import lectures
from streams.topology import LECTURE_NOTICES, LECTURES_COUNTED

if TYPE_CHECKING:
    from streams.hub import Hub

log = logging.getLogger(__name__)


def register_lectures(hub: Hub) -> None:
    @hub.app.agent(hub.topics[LECTURE_NOTICES.name], name="count-lectures", concurrency=1)
    async def count_lectures(stream: StreamT[Any]) -> None:
        async for event in stream:
            await count_one(hub, event)


async def count_one(hub: Hub, event: dict[str, Any]) -> None:
    subject_id, referral_id = event["subject_id"], event["referral_id"]
    if await hub.vault.key_of(subject_id) is None:
        # Erased: never start a list for the person again; the router refuses the notice.
        earlier = 0
    else:
        counted = lectures.count(hub.lectures.get(subject_id), referral_id)
        if counted.changed:
            hub.lectures[subject_id] = counted.notices
            await hub.app.producer.flush()
        earlier = counted.earlier
    await hub.topics[LECTURES_COUNTED.name].send(key=referral_id.encode(), value={**event, "earlier_lectures": earlier})
