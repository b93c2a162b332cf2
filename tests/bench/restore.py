"""``python -m tests.bench.restore [COUNT ...]``: how long a worker takes to restore its tables, and how much
memory it holds, with COUNT referral states in the ledger and clock changelogs (default 100000 1000000).

Routing a million referrals through the gateway would take hours, so the states are written straight onto the
``referral-ledger`` and ``sla-clocks`` changelogs, as the agents would have written them: each value is made by
the real processors (a POLICE child-protection referral routed to SOCIAL and BUREAU, its clocks started, then
answered), and only the referral id (the key, and where the value names it) varies. The mix, per 10 referrals:
6 open (ROUTED, or acknowledged and accepted; clocks waiting), 3 closed within their retention (completed and
rejected; clocks quiet), 1 retired (a marker, no clocks). Keys sit on the partition the hub's producer would
have given them, so the due indexes see them as the worker's own.

For each COUNT, on a fresh broker: the hub started with an empty data directory (everything restored from the
changelogs, as on a new machine), then ``kill -9`` and a restart (RocksDB: only the changelogs' tail), and — for
COUNT ≤ ``REFHUB_BENCH_MEMORY_MAX`` (100000) — the same with the memory store. Above ``REFHUB_BENCH_RESTORE_MAX``
(100000) the first start finds the data directory a restore would have left (written by :func:`prebuild`): a
million states restored through Faust take longer than ``REFHUB_BENCH_START_TIMEOUT`` (900 s) on a loaded
2-core machine, and the restore's cost per record is measured at 100k. Restored means /healthz answers
200 (it waits for table recovery). RSS is VmRSS once healthy and once the due indexes were rebuilt from the
tables (the first timer tick after recovery walks every row), VmHWM the peak. Prints one JSON document.
Not a test: timings on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from kafka import KafkaConsumer, TopicPartition

from processors import retention
from processors.ledger import LedgerEntry, plan_routing, plan_update
from processors.sla import referral_clocks
from processors.sla.calendar import WorkingCalendar
from processors.sla.policy import load_policy
from streams.due import partition_of
from streams.provisioning import create_topics
from streams.settings import Settings
from streams.tables import HubRocksStore, SharedRocksDBOptions, cluster_id, keep_for_cluster
from tests.support.events import answer, event
from tests.support.processes import Broker, HubProcess

MIB = 1024 * 1024
MEMORY_MAX = int(os.environ.get("REFHUB_BENCH_MEMORY_MAX", "100000"))
RESTORE_MAX = int(os.environ.get("REFHUB_BENCH_RESTORE_MAX", "100000"))
"""Above this many states the RocksDB data directory is written by the bench (:func:`prebuild`), not restored."""
TIMEOUT = float(os.environ.get("REFHUB_BENCH_START_TIMEOUT", "900"))
LEDGER = "refhub-referral-ledger-changelog"
CLOCKS = "refhub-sla-clocks-changelog"


def _answered(entry: LedgerEntry, clocks: Any, answers: list[tuple[str, str, str | None]], at: datetime) -> Any:
    policy = load_policy(None)
    for n, (partner, state, reason) in enumerate(answers, start=1):
        when = at + timedelta(hours=n)
        entry = plan_update(answer(entry["referral_id"], partner, state, when, reason), entry).entry
        plan = referral_clocks.on_state(clocks, partner, state, when, policy)
        clocks = plan.clocks if plan.clocks is not None else clocks
    return entry, clocks


def variants(now: datetime) -> tuple[str, list[tuple[bytes, bytes | None]]]:
    """The template referral id and ten (ledger value, clocks value) pairs in the mix the docstring names."""
    referral = event()
    routed_at = now - timedelta(days=2)
    plan = plan_routing(referral, None, routed_at)
    assert plan.entry is not None
    started = referral_clocks.start_clocks(
        None, referral, [("SOCIAL", False), ("BUREAU", True)], routed_at, load_policy(None), WorkingCalendar()
    )
    routed = (plan.entry, started.clocks)
    accepted = _answered(*routed, [("SOCIAL", "ACKNOWLEDGED", None), ("SOCIAL", "ACCEPTED", None)], routed_at)
    closed = _answered(
        *accepted, [("BUREAU", "REJECTED", "REFERRED_ELSEWHERE"), ("SOCIAL", "COMPLETED", None)], routed_at
    )
    marker = retention.retired_marker(closed[0], now)

    def pair(entry: Any, clocks: Any) -> tuple[bytes, bytes | None]:
        return json.dumps(entry).encode(), None if clocks is None else json.dumps(clocks).encode()

    mix = [pair(*routed)] * 3 + [pair(*accepted)] * 3 + [pair(*closed)] * 3 + [pair(marker, None)]
    return referral["referral_id"], mix


def referral_id(n: int) -> str:
    return "R-" + hashlib.sha256(f"bench-{n}".encode()).hexdigest()[:20]


def records(count: int, now: datetime) -> Iterator[tuple[str, int, bytes, bytes, bytes | None]]:
    template, mix = variants(now)
    partitions = Settings().partitions
    for n in range(count):
        rid = referral_id(n)
        ledger, clocks = mix[n % len(mix)]
        yield (
            rid,
            partition_of(rid, partitions),
            json.dumps(rid).encode(),
            ledger.replace(template.encode(), rid.encode()),
            None if clocks is None else clocks.replace(template.encode(), rid.encode()),
        )


async def produce(bootstrap: str, count: int, now: datetime) -> dict[str, float]:
    """Write the states in whole batches per partition (aiokafka's batch API: a million records one ``send``
    at a time take most of an hour on this machine)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, max_batch_size=MIB, max_request_size=8 * MIB)
    await producer.start()
    began = time.monotonic()
    sizes = {LEDGER: 0, CLOCKS: 0}
    batches: dict[tuple[str, int], Any] = {}
    sent: list[Any] = []

    async def flush(topic: str, partition: int) -> None:
        batch = batches.pop((topic, partition))
        batch.close()
        sent.append(await producer.send_batch(batch, topic, partition=partition))
        if len(sent) >= 32:
            await asyncio.gather(*sent)
            sent.clear()

    async def put(topic: str, partition: int, key: bytes, value: bytes) -> None:
        batch = batches.setdefault((topic, partition), producer.create_batch())
        if batch.append(key=key, value=value, timestamp=None) is None:
            await flush(topic, partition)
            batches[(topic, partition)] = producer.create_batch()
            batches[(topic, partition)].append(key=key, value=value, timestamp=None)
        sizes[topic] += len(value)

    try:
        for _, partition, key, ledger, clocks in records(count, now):
            await put(LEDGER, partition, key, ledger)
            if clocks is not None:
                await put(CLOCKS, partition, key, clocks)
        for topic, partition in list(batches):
            await flush(topic, partition)
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return {
        "produce_seconds": round(time.monotonic() - began, 1),
        "ledger_mib": round(sizes[LEDGER] / MIB, 1),
        "clocks_mib": round(sizes[CLOCKS] / MIB, 1),
    }


def prebuild(settings: Settings, count: int, now: datetime, offsets: dict[tuple[str, int], int]) -> None:
    """The data directory a worker holds once it restored the changelogs: each row's bytes as on the changelog
    and each partition's last offset, written with the hub's own RocksDB options (a restore of a million states
    through Faust takes longer than this bench can wait on a shared machine; restoring is measured at 100k)."""
    keep_for_cluster(settings, cluster_id(settings))  # first: files it finds are taken for another cluster's
    tables = settings.data_dir / "faust" / "v1" / "tables"
    tables.mkdir(parents=True)
    options = SharedRocksDBOptions(block_cache_size=8 * MIB, write_buffer_size=64 * MIB, use_rocksdict=True)
    dbs: dict[tuple[str, int], Any] = {}

    def db(name: str, partition: int) -> Any:
        if (name, partition) not in dbs:
            dbs[(name, partition)] = options.open(tables / f"{name}-{partition}.db")
        return dbs[(name, partition)]

    for _, partition, key, ledger, clocks in records(count, now):
        db("referral-ledger", partition).put(key, ledger)
        if clocks is not None:
            db("sla-clocks", partition).put(key, clocks)
    for (topic, partition), offset in offsets.items():
        db("referral-ledger" if topic == LEDGER else "sla-clocks", partition).put(
            HubRocksStore.offset_key, str(offset).encode()
        )
    for handle in dbs.values():
        handle.close()


def status_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(rest.split()[0])
    return fields


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used: less at the mercy of other load than wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_in_log(hub: HubProcess, text: str, count: int, timeout: float) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        assert hub.log_path is not None
        if hub.log_path.read_text(errors="replace").count(text) >= count:
            return time.monotonic() - began
        time.sleep(0.5)
    raise RuntimeError(f"{text!r} not logged {count} times within {timeout} s: {hub.log_tail()}")


def measure_start(hub: HubProcess, timeout: float) -> dict[str, float]:
    healthy = hub.start(timeout=timeout)
    assert hub.process is not None
    pid = hub.process.pid
    at_healthy, cpu_at_healthy = status_kib(pid), cpu_seconds(pid)
    # Three due indexes (clocks, retirement, journeys), rebuilt on the first tick after recovery.
    rebuilt = wait_in_log(hub, "rebuilt: partitions", 3, timeout)
    after, cpu_after = status_kib(pid), cpu_seconds(pid)
    return {
        "restored_seconds": round(healthy, 1),
        "cpu_seconds_when_healthy": round(cpu_at_healthy, 1),
        "indexes_rebuilt_seconds_after": round(rebuilt, 1),
        "cpu_seconds_after_index_rebuild": round(cpu_after, 1),
        "rss_mib_when_healthy": round(at_healthy["VmRSS"] / 1024, 1),
        "rss_mib_after_index_rebuild": round(after["VmRSS"] / 1024, 1),
        "peak_rss_mib": round(after["VmHWM"] / 1024, 1),
    }


def end_offsets(bootstrap: str) -> dict[tuple[str, int], int]:
    """The last offset of each changelog partition."""
    consumer = KafkaConsumer(bootstrap_servers=[bootstrap], group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for topic in (LEDGER, CLOCKS) for p in range(Settings().partitions)]
        return {(tp.topic, tp.partition): end - 1 for tp, end in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def run(count: int, scratch: Path) -> dict[str, Any]:
    broker = Broker(data_dir=scratch / f"kafka-{count}")
    broker.start()
    result: dict[str, Any] = {"referral_states": count}
    now = datetime.now(UTC)
    try:
        settings = Settings(broker=broker.bootstrap)
        create_topics(settings)
        result["changelogs"] = asyncio.run(produce(broker.bootstrap, count, now))
        stores = ["rocksdb"] + (["memory"] if count <= MEMORY_MAX else [])
        for store in stores:
            work = scratch / f"hub-{count}-{store}"
            work.mkdir()
            hub = HubProcess(
                broker=broker,
                work_dir=work,
                extra_env={"REFHUB_TABLE_STORE": store, "REFHUB_LOG_LEVEL": "info"},
            )
            first = "empty_data_dir"
            if store == "rocksdb" and count > RESTORE_MAX:
                began = time.monotonic()
                prebuild(
                    Settings(broker=broker.bootstrap, data_dir=work / "data"), count, now, end_offsets(broker.bootstrap)
                )
                result["prebuild_seconds"] = round(time.monotonic() - began, 1)
                first = "state_on_disk"
            try:
                measured = {first: measure_start(hub, TIMEOUT)}
                hub.kill9()
                measured["after_kill_9"] = measure_start(hub, TIMEOUT)
                disk = sum(f.stat().st_size for f in (work / "data").rglob("*") if f.is_file())
                result[store] = {**measured, "data_dir_mib": round(disk / MIB, 1)}
            finally:
                hub.stop()
            print(json.dumps({store: result[store]}), file=sys.stderr)
    finally:
        broker.stop()
    return result


def main(argv: list[str]) -> None:
    counts = [int(arg) for arg in argv] or [100_000, 1_000_000]
    with tempfile.TemporaryDirectory() as scratch:
        print(json.dumps([run(count, Path(scratch)) for count in counts], indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
