"""A Faust agent taking what a poll returns as one batch: plan every message, write the tables, flush the
changelog once, then send everything and await the deliveries once (streams/router.py).

``Stream.take_events`` acks a batch's events only when the agent's body has returned, and Faust flushes the
producer before it commits acked offsets — but a flush does not look at sends that failed, so a batch awaits
its own deliveries before it returns: an offset is committed only past records the broker has.

Faust names the changelog partition of a table write after the current event, and with ``take_events`` the
agent's task has none (faust-streaming #497: "Cannot modify table key from outside of stream iteration"), so
each event is made current while its tables are written (:func:`current`).
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from faust import streams
from faust.serializers import codecs

from streams.outbox import Output


@contextlib.contextmanager
def current(event: Any) -> Iterator[None]:
    """``event`` is Faust's current event in this task (table writes go to its partition's changelog)."""
    token = streams._current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        streams._current_event.reset(token)


class Deliveries:
    """Records handed to the producer without waiting for each, and one wait for all of them.

    Each record is encoded with its Faust topic's codec and goes to Faust's producer as bytes, as the key vault's
    records do: a Faust topic's own send costs several times the encoding (a future message, a pending message,
    the sensors' bookkeeping) and most of the router's time went there."""

    def __init__(self, producer: Any, topics: Mapping[str, Any]) -> None:
        self._producer = producer
        self._topics = topics
        self._pending: list[asyncio.Future[Any]] = []

    async def send(self, outputs: Iterable[Output]) -> None:
        send = self._producer.send
        for topic, key, record in outputs:
            value = codecs.dumps(self._topics[topic].value_serializer, record)
            self._pending.append(await send(topic, key.encode(), value, partition=None, timestamp=None, headers=None))

    async def delivered(self) -> None:
        """Every record sent so far is on the broker (raises the first failure: the batch is not acked)."""
        pending, self._pending = self._pending, []
        await asyncio.gather(*pending)
