"""``make bench``: parser throughput, SLA due-index tick cost, start-up times, receipt→assignment latency,
routing throughput (through the gateway, and the router alone beside a plain aiokafka loop), memory.

Runs its own broker and hub (like the tests) and prints one JSON document of measurements.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from streams.secrets import load_secrets
from streams.settings import Settings
from tests.bench import adapters, plain_loop, referral_backlog, router_backlog, sla_ticks
from tests.support import police
from tests.support.processes import Broker, HubProcess
from tests.support.topics import read_topic, wait_for

BACKLOG_REFERRALS = int(os.environ.get("REFHUB_BENCH_BACKLOG", "20000"))


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the peak resident set size of a process so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def receipt_to_assignment(hub: HubProcess, rng: random.Random, samples: int) -> list[float]:
    """Seconds from the hub receiving a one-record file to its SOCIAL assignment, as the hub stamped both."""
    latencies = []
    for _ in range(samples):
        ref = police.fresh_refs(1)[0]
        _, receipt = hub.post(
            "/v1/submissions",
            police.to_csv([police.child_protection_row(ref, police.person(rng))]),
            "text/csv",
            hub.token("POLICE"),
        )
        referral_id = receipt["accepted"][0]["referral_id"]
        [message] = wait_for(
            hub.broker.bootstrap, "assignments.SOCIAL", lambda m, rid=referral_id: m.value["referral_id"] == rid, 1
        )
        latencies.append((message.value["routed_at"] - message.value["received_at"]).total_seconds())
    return latencies


def routing_throughput(hub: HubProcess, rng: random.Random, records: int) -> dict[str, float]:
    refs = police.fresh_refs(records)
    body = police.to_csv([police.child_protection_row(ref, police.person(rng)) for ref in refs])
    began = time.monotonic()
    _, receipt = hub.post("/v1/submissions", body, "text/csv", hub.token("POLICE"))
    receipt_seconds = time.monotonic() - began
    ids = {row["referral_id"] for row in receipt["accepted"]}
    found = wait_for(
        hub.broker.bootstrap,
        "assignments.BUREAU",
        lambda m: m.value["referral_id"] in ids,
        records,
        timeout=300,
        distinct=lambda m: m.value["referral_id"],
    )
    routed = sorted(m.value["routed_at"].timestamp() for m in found)
    received = found[0].value["received_at"].timestamp()
    return {
        "records": records,
        "receipt_seconds": round(receipt_seconds, 3),
        "gateway_records_per_second": round(records / receipt_seconds, 1),
        "last_routed_after_receipt_seconds": round(routed[-1] - received, 3),
        "routed_referrals_per_second": round(records / max(routed[-1] - routed[0], 1e-9), 1),
    }


def main() -> None:
    parsers = adapters.run()
    sla = sla_ticks.run()
    rng = random.Random(2025)
    with tempfile.TemporaryDirectory() as scratch:
        broker = Broker(data_dir=Path(scratch) / "kafka")
        broker.start()
        hub = HubProcess(broker=broker, work_dir=Path(scratch) / "hub")
        (Path(scratch) / "hub").mkdir()
        try:
            first_start = hub.start()
            latencies = receipt_to_assignment(hub, rng, samples=30)
            throughput = routing_throughput(hub, rng, records=2000)
            assert hub.process is not None
            hub_peak = peak_rss_mib(hub.process.pid)
            broker_peak = peak_rss_mib(broker.pid())
            hub.stop()
            restart = hub.start()
            events = len(read_topic(broker.bootstrap, "referrals.events"))
            hub.stop()
            # The router alone and its plain-loop baseline, on the same backlog, one after the other (never
            # at the same time: they would share the CPUs).
            secrets = load_secrets(Settings(secrets_file=hub.work_dir / "secrets.json"))
            backlog = referral_backlog.build(BACKLOG_REFERRALS, secrets)
            plain = plain_loop.measure(broker.bootstrap, backlog, Settings())
            router = router_backlog.measure(hub, backlog)
        finally:
            hub.stop()
            broker.stop()
    print(
        json.dumps(
            {
                "broker_start_seconds": round(broker.started_in, 2),
                "hub_start_to_healthy_seconds": round(first_start, 2),
                "hub_restart_to_healthy_seconds": round(restart, 2),
                "receipt_to_assignment_seconds": {
                    "samples": len(latencies),
                    "median": round(statistics.median(latencies), 4),
                    "p95": round(statistics.quantiles(latencies, n=20)[-1], 4),
                    "max": round(max(latencies), 4),
                },
                "routing": throughput,
                "router_vs_plain_loop": {
                    "records": BACKLOG_REFERRALS,
                    "hub_router_referrals_per_second": router["referrals_per_second"],
                    "plain_loop_records_per_second": plain["records_per_second"],
                    "ratio_hub_to_plain": round(router["referrals_per_second"] / plain["records_per_second"], 4),
                    "hub_router": router,
                    "plain_loop": plain,
                },
                "peak_rss_mib": {"broker": round(broker_peak, 1), "hub": round(hub_peak, 1)},
                "events_on_topic": events,
                "parsers": parsers,
                "sla_due_index": sla,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
