"""The router alone: how fast the hub drains a backlog of canonical referrals already on ``referrals.events``.

With the hub stopped, the backlog is written straight onto ``referrals.events`` (no gateway in the way);
then the hub starts and routes it. The clock runs from the first ROUTED stamp the router wrote (its
``routed_at``, taken when it began on the first referral) to the moment every output of the backlog (each
assignment and ROUTED status) was on the broker, seen by a watcher polling the output topics' end offsets
(a record counts there once the broker has acknowledged it with acks=all). The rate by the router's own stamps
(first → last ``routed_at``) is reported too: the gateway-fed ``routing`` benchmark measures that way.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from schemas.codec import decode_any
from streams.topology import REFERRAL_EVENTS, SUBJECT_KEYS
from tests.bench.referral_backlog import Backlog
from tests.support.processes import HubProcess
from tests.support.topics import produce

STALL_SECONDS = 120


class OutputWatcher(threading.Thread):
    """Notes the wall-clock time at which the router's output topics hold ``expected`` records more than when
    it was created. It polls their end offsets only (a record counts there once the broker acknowledged it
    with acks=all), so it costs the machine next to nothing while the hub works; what the records are is
    checked afterwards (see ``measure``)."""

    def __init__(self, bootstrap: str, topics: list[str], expected: int, timeout: float) -> None:
        super().__init__(name="bench-output-watcher", daemon=True)
        self.consumer = KafkaConsumer(bootstrap_servers=[bootstrap], group_id=None, enable_auto_commit=False)
        self.partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(self.consumer.partitions_for_topic(topic) or [])
        ]
        self.start_offsets: dict[TopicPartition, int] = dict(self.consumer.end_offsets(self.partitions))
        self.expected = expected
        self.timeout = timeout
        self.reached_at: float | None = None
        self.seen = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        baseline = sum(self.start_offsets.values())
        try:
            while not self.stopped.is_set() and time.monotonic() < deadline:
                self.seen = int(sum(self.consumer.end_offsets(self.partitions).values())) - baseline
                if self.seen >= self.expected:
                    self.reached_at = time.time()
                    return
                time.sleep(0.01)
        finally:
            self.consumer.close()


def _wait(hub: HubProcess, watcher: OutputWatcher) -> float:
    """Until the watcher saw every output (returns when); fail early when the hub died or the outputs stopped coming."""
    progress, since = -1, time.monotonic()
    while watcher.is_alive():
        watcher.join(1.0)
        if hub.process is None or hub.process.poll() is not None:
            raise RuntimeError(f"the hub exited while routing the backlog: {hub.log_tail()}")
        if watcher.seen != progress:
            progress, since = watcher.seen, time.monotonic()
        elif time.monotonic() - since > STALL_SECONDS:
            raise RuntimeError(
                f"no router output for {STALL_SECONDS} s ({watcher.seen} of {watcher.expected}): {hub.log_tail()}"
            )
    if watcher.reached_at is None:
        raise RuntimeError(f"the router wrote {watcher.seen} of {watcher.expected} outputs in time: {hub.log_tail()}")
    return watcher.reached_at


def _outputs(bootstrap: str, watcher: OutputWatcher, backlog: Backlog) -> tuple[dict[str, float], int, int]:
    """What the watched topics received since the watcher began: each backlog referral's ROUTED stamp, how
    many distinct backlog outputs (assignments and ROUTED statuses), and how many records of anything else."""
    consumer = KafkaConsumer(bootstrap_servers=[bootstrap], group_id=None, enable_auto_commit=False)
    routed: dict[str, float] = {}
    outputs: set[str] = set()
    others = 0
    try:
        consumer.assign(watcher.partitions)
        for tp, offset in watcher.start_offsets.items():
            consumer.seek(tp, offset)
        end = consumer.end_offsets(watcher.partitions)
        while any(consumer.position(tp) < end[tp] for tp in watcher.partitions):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    value = decode_any(record.value)[1] if record.value is not None else {}
                    if value.get("referral_id") not in backlog.referral_ids:
                        others += 1
                    elif "assignment_id" in value:
                        outputs.add(value["assignment_id"])
                    elif value.get("state") == "ROUTED":
                        outputs.add(value["event_id"])
                        at = value["at"].timestamp()
                        routed[value["referral_id"]] = min(at, routed.get(value["referral_id"], at))
                    else:
                        others += 1
    finally:
        consumer.close()
    return routed, len(outputs), others


def measure(hub: HubProcess, backlog: Backlog, timeout: float = 900.0) -> dict[str, Any]:
    """``hub`` must be stopped; it is left running (the caller stops it)."""
    assert hub.process is None or hub.process.poll() is not None, "the backlog must wait for a stopped hub"
    bootstrap = hub.broker.bootstrap
    records = len(backlog.records)
    expected = sum(backlog.outputs_per_referral.values()) * records
    watcher = OutputWatcher(bootstrap, sorted(backlog.outputs_per_referral), expected, timeout)
    watcher.start()
    try:
        preload_seconds = produce(bootstrap, SUBJECT_KEYS.name, backlog.keys)
        preload_seconds += produce(bootstrap, REFERRAL_EVENTS.name, backlog.records)
        started_at = time.time()
        start_seconds = hub.start()
        assert hub.process is not None
        cpu_at_start = process_cpu_seconds(hub.process.pid)
        reached_at = _wait(hub, watcher)
        cpu_seconds = process_cpu_seconds(hub.process.pid) - cpu_at_start
    finally:
        watcher.stopped.set()
    routed, outputs, others = _outputs(bootstrap, watcher, backlog)
    stamps = sorted(routed.values())
    drain = reached_at - stamps[0]
    return {
        "records": records,
        "referrals_routed": len(stamps),
        "outputs_per_referral": backlog.outputs_per_referral,
        "outputs_written": outputs,
        # Anything else on the watched topics would have made the watcher stop early: 0 for a valid number.
        "other_records_on_output_topics": others,
        "mean_event_bytes": round(backlog.mean_value_bytes),
        "preload_seconds": round(preload_seconds, 3),
        "hub_start_to_healthy_seconds": round(start_seconds, 2),
        "first_routed_after_hub_start_seconds": round(stamps[0] - started_at, 2),
        "first_routed_to_last_output_acknowledged_seconds": round(drain, 3),
        "referrals_per_second": round(records / max(drain, 1e-9), 1),
        "routed_stamps_span_seconds": round(stamps[-1] - stamps[0], 3),
        "referrals_per_second_by_routed_stamps": round(records / max(stamps[-1] - stamps[0], 1e-9), 1),
        # Every agent of the hub (journeys, clocks) and its threads, from healthy until the last output was seen.
        "hub_cpu_us_per_referral": round(cpu_seconds / records * 1e6),
    }


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (every thread) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
