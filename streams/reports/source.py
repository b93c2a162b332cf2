"""Reading the topics the indicators count, as they stand when the read begins.

Every partition's high-water mark is taken once, before any record is read: records written while the report is
being read belong to the next report, so each figure is counted from one consistent set of records. Records are
decoded and folded into :class:`~processors.kpi.facts.Facts` off the event loop (a worker thread), so a report of
a busy year never holds up the hub's agents, heartbeats or partners' requests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from aiokafka import AIOKafkaConsumer, TopicPartition

from adapters.agencies import ASSIGNMENT_AGENCIES
from processors.journeys.policy import Cadence
from processors.kpi.facts import Facts
from processors.kpi.model import Report
from processors.kpi.period import Period
from processors.kpi.report import build_report
from schemas.codec import codec_for, decode_any
from streams.gateway.reader import groupless_consumer
from streams.topology import (
    ASSIGNMENTS,
    CONTACTS,
    ERASURE_SUBJECTS,
    PROTECTION_GAPS,
    REFERRAL_EVENTS,
    REFERRAL_STATUS,
    REFERRAL_UPDATES,
    SLA_EVENTS,
    TREATMENT_HOURS,
    TopicSpec,
)

BATCH: Final = 5_000
STALL_SECONDS: Final = 30.0
"""How long the read may see no progress towards the high-water marks before it is given up."""


@dataclass(frozen=True)
class Feed:
    """One topic the report reads and the :class:`Facts` method its records go to."""

    topic: TopicSpec
    method: str

    def decoder(self) -> Callable[[bytes], dict[str, Any] | None]:
        if self.method == "add_assignment":
            # assignments.<AGENCY> also carries erasure notices: only assignments say whether a delivery is a copy.
            def assignment(data: bytes) -> dict[str, Any] | None:
                schema, value = decode_any(data)
                return value if schema == "assignment" else None

            return assignment
        return codec_for(self.topic.schema).decode


FEEDS: Final[tuple[Feed, ...]] = (
    Feed(REFERRAL_EVENTS, "add_referral"),
    Feed(REFERRAL_STATUS, "add_status"),
    Feed(REFERRAL_UPDATES, "add_update"),
    Feed(CONTACTS, "add_contact"),
    Feed(TREATMENT_HOURS, "add_hours"),
    Feed(SLA_EVENTS, "add_sla"),
    Feed(PROTECTION_GAPS, "add_gap"),
    Feed(ERASURE_SUBJECTS, "add_erasure"),
    *(Feed(ASSIGNMENTS[agency], "add_assignment") for agency in ASSIGNMENT_AGENCIES),
)
"""What each indicator counts comes from these topics, and from nothing held in memory."""


class ReportUnavailable(RuntimeError):
    """The topics could not be read to their high-water marks; the message names the failure's class."""


class _Fold:
    """Decodes records and feeds them to the facts, in one worker thread at a time."""

    def __init__(self) -> None:
        self.facts = Facts()
        self.read: dict[str, int] = {}
        self._feeds = {feed.topic.name: feed for feed in FEEDS}
        self._decoders = {feed.topic.name: feed.decoder() for feed in FEEDS}

    def fold(self, topic: str, values: list[bytes]) -> None:
        decode, add = self._decoders[topic], getattr(self.facts, self._feeds[topic].method)
        for data in values:
            value = decode(data)
            if value is not None:
                add(value)
        self.read[topic] = self.read.get(topic, 0) + len(values)


class ReportReader:
    """One consumer without a group, made on first use and kept (aiokafka stops badly right after it starts);
    one report read at a time. Separate from the gateway's pull reader, so a report never delays a pull."""

    def __init__(self, bootstrap_servers: list[str], client_options: Mapping[str, Any] | None = None) -> None:
        self._bootstrap = bootstrap_servers
        self._options = dict(client_options or {})
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def report(self, period: Period, cadence: Mapping[str, Cadence]) -> Report:
        async with self._lock:
            try:
                fold = await self._read()
            except Exception as failure:
                await self.close()
                raise ReportUnavailable(type(failure).__name__) from failure
            if self._consumer is not None:
                self._consumer.pause(*self._consumer.assignment())
        return await asyncio.to_thread(build_report, fold.facts, period, cadence, fold.read)

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await consumer.stop()

    async def _ready(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = groupless_consumer(self._bootstrap, "refhub-report", self._options)
            await consumer.start()
            self._consumer = consumer
        return self._consumer

    async def _read(self) -> _Fold:
        consumer = await self._ready()
        metadata = await consumer._client.fetch_all_metadata()
        partitions = [
            TopicPartition(feed.topic.name, p)
            for feed in FEEDS
            for p in sorted(metadata.partitions_for_topic(feed.topic.name) or ())
        ]
        consumer.assign(partitions)
        consumer.resume(*partitions)
        begin = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, begin[tp])
        pending = {tp for tp in partitions if begin[tp] < end[tp]}
        fold = _Fold()
        loop = asyncio.get_running_loop()
        stalled_since: float | None = None
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=1000, max_records=BATCH)
            progressed = False
            for tp, messages in batches.items():
                values = [m.value for m in messages if m.offset < end[tp] and m.value is not None]
                if values:
                    await asyncio.to_thread(fold.fold, tp.topic, values)
                progressed = progressed or bool(messages)
            for tp in list(pending):
                # Offsets without records (compaction, transaction markers) still move the position.
                if await consumer.position(tp) >= end[tp]:
                    pending.discard(tp)
                    progressed = True
            if progressed:
                stalled_since = None
                continue
            stalled_since = stalled_since or loop.time()
            if loop.time() - stalled_since > STALL_SECONDS:
                raise TimeoutError(f"no progress towards the high-water marks for {STALL_SECONDS} s")
        return fold


async def read_report(
    bootstrap_servers: list[str],
    client_options: Mapping[str, Any],
    period: Period,
    cadence: Mapping[str, Cadence],
) -> Report:
    """One report on a consumer of its own (the CLI)."""
    reader = ReportReader(bootstrap_servers, client_options)
    try:
        return await reader.report(period, cadence)
    finally:
        await reader.close()
