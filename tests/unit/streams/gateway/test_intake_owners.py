"""streams/gateway/intake.py with several workers: the file is parsed off the event loop, each record is
decided by the owner of its referral, and the receipt is every owner's rows in file order."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.base import InboundRecord, InboundStatusUpdate, ParseResult, RecordRejection
from streams.gateway.intake import Intake, Submission, Topics
from streams.vault import SubjectKey

AT = datetime(2026, 12, 3, tzinfo=UTC)
TOPICS = Topics("raw", "events", "dlq", "updates", "contacts", "hours", "orders")


class SlowAdapter:
    format = "slow"
    content_types = frozenset({"text/plain"})

    def __init__(self, records: Sequence[InboundRecord], seconds: float = 0.0) -> None:
        self._records = records
        self._seconds = seconds

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        time.sleep(self._seconds)  # a large file: CPU-bound, holds its thread
        return ParseResult(accepted=list(self._records), rejected=[])


class Owners:
    """Every referral but R-MINE is another worker's."""

    def __init__(self) -> None:
        self.handed: dict[str, list[int]] = {}

    def owner_of_referral(self, referral_id: str) -> str | None:
        return None if referral_id == "R-MINE" else f"http://w-{referral_id}"

    async def decide(
        self, owner: str, submission: Submission, records: Sequence[InboundRecord]
    ) -> tuple[list[dict[str, Any]], list[RecordRejection]]:
        self.handed[owner] = [r.record_no for r in records]
        rows = [{"record": r.record_no, "referral_id": owner, "duplicate": False} for r in records]
        return rows, []

    async def subject(self, namespace: str, identifier: str) -> SubjectKey:
        raise AssertionError("no referral is made here")

    async def prepare_subjects(self, identities: Sequence[tuple[str, str]]) -> None:
        assert not identities, "no referral is made here"


def update(record_no: int, referral_id: str) -> InboundStatusUpdate:
    return InboundStatusUpdate(
        record_no=record_no, partner_ref=f"U-{record_no}", referral_id=referral_id, state="ACCEPTED", at=AT, raw=b"x"
    )


def intake(peers: Owners) -> Intake:
    async def send(topic: str, key: bytes, value: dict[str, Any]) -> None:
        raise AssertionError("nothing is written here")

    return Intake(None, send, lambda referral_id: None, TOPICS, b"s" * 32, now=lambda: AT, peers=peers)  # type: ignore[arg-type]


def test_parsing_a_large_file_leaves_the_event_loop_free() -> None:
    ticks: list[float] = []

    async def scenario() -> None:
        async def ticker() -> None:
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        task = asyncio.ensure_future(ticker())
        await intake(Owners()).submit("POLICE", SlowAdapter([], seconds=0.5), b"big")
        task.cancel()

    asyncio.run(scenario())
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert len(ticks) > 20 and max(gaps) < 0.25, "timers and agents kept running while the file was parsed"


def test_each_owner_gets_its_records_and_the_receipt_keeps_file_order() -> None:
    owners = Owners()
    records = [update(1, "R-A"), update(2, "R-B"), update(3, "R-A"), update(4, "R-B")]
    receipt = asyncio.run(intake(owners).submit("SOCIAL", SlowAdapter(records), b"file"))
    assert owners.handed == {"http://w-R-A": [1, 3], "http://w-R-B": [2, 4]}
    assert [row["record"] for row in receipt["accepted"]] == [1, 2, 3, 4]
    assert [row["referral_id"] for row in receipt["accepted"]] == ["http://w-R-A", "http://w-R-B"] * 2
