"""What a table write promised to send, kept in the written value (an outbox), so a crash cannot lose it.

The agents write their table first and flush it, then send what the change means (SLA events, gap events,
an EXPIRED status, a journey step). A worker killed after the flush but before those sends are durable would
redeliver the message, find its change already made, and — the change being a repeat — send nothing. So the
written value carries the records of the message that made it (``cause``: topic/partition/offset); the
redelivered message finds its own cause there and sends the same records again (consumers dedupe on their
deterministic ids). There is one box per source partition (each agent reads its partitions in order, and
several agents write the same key); a box stays until a later message from the same source with records of
its own replaces it: a later write without records flushes nothing, so the earlier records may be in flight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import faust

OUTBOX = "outbox"

Output = tuple[str, str, dict[str, Any]]
"""(topic, key, Avro record)."""


def cause() -> str | None:
    """The message this agent is processing, as topic/partition/offset (None outside a stream)."""
    event = faust.current_event()
    if event is None:
        return None
    message = event.message
    return f"{message.topic}/{message.partition}/{message.offset}"


def _source(this: str) -> tuple[str, int]:
    """One box per source partition: several agents write the same key, each reading its own topic in order,
    so only the latest message of each source partition can still have records in flight."""
    source, _, offset = this.rpartition("/")
    return source, int(offset)


def pending(value: Mapping[str, Any] | None, this: str | None) -> list[Output] | None:
    """The records ``this`` message already promised, when the stored value says it was already applied."""
    boxes = (value or {}).get(OUTBOX) or {}
    if this is None:
        return None
    source, offset = _source(this)
    box = boxes.get(source)
    if not box or box["offset"] != offset:
        return None
    return [(topic, key, _restored(record)) for topic, key, record in box["outputs"]]


def carried(new_value: Mapping[str, Any], old_value: Mapping[str, Any] | None) -> dict[str, Any]:
    """A new value keeps the old boxes: the processors rebuild values without them."""
    boxes = (old_value or {}).get(OUTBOX)
    return {**new_value, OUTBOX: boxes} if boxes else dict(new_value)


def sealed(value: Mapping[str, Any], this: str | None, outputs: Iterable[Output]) -> dict[str, Any]:
    """The value with this message's records in its source partition's box (as it was, when there are none)."""
    kept = [(topic, key, _stored(record)) for topic, key, record in outputs]
    if this is None or not kept:
        return dict(value)
    source, offset = _source(this)
    boxes = dict(value.get(OUTBOX) or {})
    boxes[source] = {"offset": offset, "outputs": kept}
    return {**value, OUTBOX: boxes}


async def send(topics: Mapping[str, Any], outputs: Iterable[Output]) -> None:
    """Send records, each keyed as promised, to the Faust topics by name."""
    for topic, key, record in outputs:
        await topics[topic].send(key=key.encode(), value=record)


def merged(*batches: Iterable[Output]) -> list[Output]:
    """The records of several passes, each once (by its deterministic event id), in first-seen order."""
    seen: set[tuple[str, str]] = set()
    merged_outputs: list[Output] = []
    for batch in batches:
        for topic, key, record in batch:
            marker = (topic, str(record.get("event_id") or record.get("step_id") or record))
            if marker not in seen:
                seen.add(marker)
                merged_outputs.append((topic, key, record))
    return merged_outputs


_TIMES = "__times__"


def _stored(record: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe (the tables' serializer): datetimes as ISO strings, remembered by name."""
    times = [name for name, value in record.items() if isinstance(value, datetime)]
    stored = {name: value.isoformat() if name in times else value for name, value in record.items()}
    stored[_TIMES] = times
    return stored


def _restored(stored: Mapping[str, Any]) -> dict[str, Any]:
    times = set(stored.get(_TIMES, ()))
    return {
        name: datetime.fromisoformat(value) if name in times else value
        for name, value in stored.items()
        if name != _TIMES
    }
