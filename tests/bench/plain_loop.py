"""The router's baseline: a plain aiokafka consume → produce loop, in its own Python process.

It reads the same backlog the router gets (the same encoded referral events, on a fresh topic with the hub's
partitions and config) and writes one record per input (the input's key and bytes) to another fresh topic,
with the hub's producer settings (acks=all, Faust's linger and batch size). Offsets are committed manually in
Faust's at-least-once way: only after every record sent so far is acknowledged, every 2.8 s or every 10,000
records, and at the end. The clock runs from the first record consumed to the last output acknowledged, so
process start-up and the group join are outside it, as the hub's start-up is outside the router's number.

``python -m tests.bench.plain_loop --bootstrap … --source … --sink … --group … --records N`` prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.settings import Settings
from streams.topology import REFERRAL_EVENTS, REFERRAL_STATUS
from tests.bench.fresh_topics import delete_group, fresh_topics
from tests.bench.referral_backlog import Backlog
from tests.support.processes import REPO
from tests.support.topics import end_offsets_total, produce

COMMIT_INTERVAL_SECONDS = 2.8  # Faust's broker_commit_interval
COMMIT_EVERY_RECORDS = 10_000  # Faust's broker_commit_every
PRODUCER_LINGER_MS = 0  # Faust's producer_linger
PRODUCER_MAX_BATCH_SIZE = 16_384  # Faust's producer_max_batch_size


async def consume_produce(
    bootstrap: str, source: str, sink: str, group: str, records: int, timeout: float
) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=PRODUCER_LINGER_MS,
        max_batch_size=PRODUCER_MAX_BATCH_SIZE,
    )
    await producer.start()
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        pending: list[asyncio.Future[Any]] = []
        consumed = since_commit = commits = 0
        first: float | None = None
        last_commit = time.perf_counter()
        while consumed < records:
            if time.monotonic() > deadline:
                raise TimeoutError(f"consumed {consumed} of {records} records in {timeout} s")
            batches = await consumer.getmany(timeout_ms=500)
            for messages in batches.values():
                for message in messages:
                    if first is None:
                        first = time.perf_counter()
                    pending.append(await producer.send(sink, value=message.value, key=message.key))
                    consumed += 1
                    since_commit += 1
            if pending and (
                since_commit >= COMMIT_EVERY_RECORDS or time.perf_counter() - last_commit >= COMMIT_INTERVAL_SECONDS
            ):
                await asyncio.gather(*pending)
                pending.clear()
                await consumer.commit()
                commits += 1
                since_commit = 0
                last_commit = time.perf_counter()
        await asyncio.gather(*pending)
        finished = time.perf_counter()
        await consumer.commit()
        commits += 1
    finally:
        await consumer.stop()
        await producer.stop()
    assert first is not None
    return {"records": consumed, "seconds": finished - first, "commits": commits}


def measure(bootstrap: str, backlog: Backlog, settings: Settings, timeout: float = 600.0) -> dict[str, Any]:
    """Run the loop over ``backlog`` on fresh topics (deleted afterwards) and report its rate."""
    like = {"in": REFERRAL_EVENTS, "out": REFERRAL_STATUS}
    with fresh_topics(bootstrap, like, settings) as names:
        preload_seconds = produce(bootstrap, names["in"], backlog.records)
        group = f"refhub-bench-plain-{uuid.uuid4().hex[:8]}"
        try:
            finished = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tests.bench.plain_loop",
                    *("--bootstrap", bootstrap, "--source", names["in"], "--sink", names["out"]),
                    *("--group", group, "--records", str(len(backlog.records)), "--timeout", str(timeout)),
                ],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=timeout + 60,
                check=False,
            )
        finally:
            delete_group(bootstrap, group)
        if finished.returncode != 0:
            raise RuntimeError(f"plain loop failed ({finished.returncode}): {finished.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(finished.stdout)
        written = end_offsets_total(bootstrap, names["out"])
    seconds = result["seconds"]
    return {
        "records": result["records"],
        "records_written": written,
        "partitions": settings.partitions,
        "mean_record_bytes": round(backlog.mean_value_bytes),
        "preload_seconds": round(preload_seconds, 3),
        "first_consumed_to_last_acknowledged_seconds": round(seconds, 3),
        "records_per_second": round(result["records"] / max(seconds, 1e-9), 1),
        "commits": result["commits"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--sink", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    result = asyncio.run(
        consume_produce(args.bootstrap, args.source, args.sink, args.group, args.records, args.timeout)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
