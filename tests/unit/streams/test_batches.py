"""streams/batches.py without a broker: each event of a batch is Faust's current event while its tables are
written, and a batch's records go to the producer encoded by their topic's codec, awaited once together."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import faust
import pytest

from processors.ledger import plan_routing
from schemas.codec import codec_for
from streams import codecs, outbox
from streams.batches import Deliveries, current
from streams.statuses import status_outputs
from streams.topology import REFERRAL_STATUS
from tests.support import events
from tests.unit.streams.test_outbox import AT


@dataclass
class Message:
    topic: str
    partition: int
    offset: int


@dataclass
class Event:
    message: Message


def test_each_event_is_current_only_inside_its_block_and_names_its_own_message() -> None:
    first, second = Event(Message("referrals.events", 2, 40)), Event(Message("referrals.events", 0, 7))
    assert faust.current_event() is None
    with current(first):
        assert faust.current_event() is first
        assert outbox.cause() == "referrals.events/2/40"
        with current(second):
            assert outbox.cause() == "referrals.events/0/7"
        assert faust.current_event() is first
    assert faust.current_event() is None


@dataclass
class Topic:
    value_serializer: str


@dataclass
class Producer:
    """Faust's producer as the batch uses it: send hands back a future the broker's answer resolves."""

    sent: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    futures: list[asyncio.Future[Any]] = field(default_factory=list)

    async def send(self, topic: str, key: bytes, value: bytes, **_: Any) -> asyncio.Future[Any]:
        self.sent.append((topic, key, value))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.futures.append(future)
        return future


STATUS = plan_routing(events.event(), None, AT).statuses[0]
KEY = STATUS["referral_id"].encode()


def _deliveries(producer: Producer) -> Deliveries:
    codecs.register_all()
    name = codecs.codec_name(REFERRAL_STATUS.schema)
    return Deliveries(producer, {topic: Topic(name) for topic, _, _ in status_outputs([STATUS])})


def test_records_go_out_encoded_by_their_topic_s_codec_and_are_awaited_once() -> None:
    async def run() -> Producer:
        producer = Producer()
        deliveries = _deliveries(producer)
        await deliveries.send(status_outputs([STATUS]))
        assert len(producer.sent) == 2, "every record is handed over before any is awaited"
        waiting = asyncio.ensure_future(deliveries.delivered())
        await asyncio.sleep(0)
        assert not waiting.done(), "delivered() waits for the broker's answers"
        for future in producer.futures:
            future.set_result(None)
        await waiting
        return producer

    producer = asyncio.run(run())
    encoded = codec_for(REFERRAL_STATUS.schema).encode(STATUS)
    assert [(key, value) for _, key, value in producer.sent] == [(KEY, encoded)] * 2
    assert [topic for topic, _, _ in producer.sent] == [topic for topic, _, _ in status_outputs([STATUS])]


def test_a_record_the_broker_refused_fails_the_batch() -> None:
    async def run() -> None:
        producer = Producer()
        deliveries = _deliveries(producer)
        await deliveries.send(status_outputs([STATUS]))
        producer.futures[0].set_result(None)
        producer.futures[1].set_exception(RuntimeError("NotEnoughReplicas"))
        await deliveries.delivered()

    with pytest.raises(RuntimeError, match="NotEnoughReplicas"):
        asyncio.run(run())
