"""streams/gateway/intake.py: a re-send that meets a copy still being written is a duplicate only once that copy
is durable. Found by the chaos run: a partner whose first attempt timed out sent again, was told "duplicate",
and the first attempt's write then failed — a receipt for a referral that was never written."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.base import InboundContact
from streams.gateway.intake import EarlierCopyNotWritten, Intake, Topics
from tests.unit.streams.gateway.test_intake_owners import SlowAdapter

AT = datetime(2026, 12, 3, tzinfo=UTC)
TOPICS = Topics("raw", "events", "dlq", "updates", "contacts", "hours", "orders")
CONTACT = InboundContact(
    record_no=1, partner_ref="C-1", subject_ref="S-1", mode="PHONE", reached=True, need_level="LOW", at=AT, raw=b"c"
)


class Vault:
    def data_key(self, key_id: str) -> bytes:
        return b"k" * 32


class Broker:
    """Writes wait until released; the first submission's writes then fail."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.fail_first = True
        self.written: list[str] = []

    async def send(self, topic: str, key: bytes, value: dict[str, Any]) -> None:
        if self.fail_first:
            await self.release.wait()
            raise ConnectionError("the broker went away")
        self.written.append(topic)


def intake(broker: Broker) -> Intake:
    return Intake(Vault(), broker.send, lambda referral_id: None, TOPICS, b"s" * 32, now=lambda: AT)  # type: ignore[arg-type]


def test_a_resend_waits_for_the_first_copy_and_is_not_receipted_when_that_copy_failed() -> None:
    async def scenario() -> None:
        broker = Broker()
        hub = intake(broker)
        first = asyncio.ensure_future(hub.submit("BUREAU", SlowAdapter([CONTACT]), b"f"))
        await asyncio.sleep(0.05)
        again = asyncio.ensure_future(hub.submit("BUREAU", SlowAdapter([CONTACT]), b"f"))
        await asyncio.sleep(0.05)
        assert not again.done(), "no receipt for a duplicate while the first copy is not yet durable"
        broker.release.set()
        with pytest.raises(ConnectionError):
            await first
        with pytest.raises(EarlierCopyNotWritten):
            await again
        broker.fail_first = False
        third = await hub.submit("BUREAU", SlowAdapter([CONTACT]), b"f")
        assert third["accepted"][0]["duplicate"] is False, "the failed copy no longer counts"
        assert broker.written == ["raw", "contacts"]
        fourth = await hub.submit("BUREAU", SlowAdapter([CONTACT]), b"f")
        assert fourth["accepted"][0]["duplicate"] is True and broker.written == ["raw", "contacts"]

    asyncio.run(scenario())


def test_a_resend_after_the_first_copy_is_durable_is_a_duplicate_at_once() -> None:
    async def scenario() -> None:
        broker = Broker()
        broker.fail_first = False
        hub = intake(broker)
        first = await hub.submit("BUREAU", SlowAdapter([CONTACT]), b"f")
        again = await hub.submit("BUREAU", SlowAdapter([CONTACT]), b"f")
        assert (first["accepted"][0]["duplicate"], again["accepted"][0]["duplicate"]) == (False, True)
        assert broker.written == ["raw", "contacts"]

    asyncio.run(scenario())
