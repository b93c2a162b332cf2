"""``make bench``: parser throughput, SLA due-index tick cost, start-up times, receipt→assignment latency at
50 and 200 submissions/s, routing throughput (through the gateway, and the router alone beside a plain aiokafka
loop and a Quix Streams app on the same backlog), memory.

Runs its own broker and hub (like the tests) and prints one JSON document of measurements; ``throughput`` at
its top is issue #9's table. ``--throughput-only`` skips the parsers and the SLA due index.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from streams.secrets import load_secrets
from streams.settings import Settings
from tests.bench import adapters, gateway_latency, plain_loop, quix_router, referral_backlog, router_backlog, sla_ticks
from tests.support import police
from tests.support.processes import Broker, HubProcess
from tests.support.topics import read_topic, wait_for

BACKLOG_REFERRALS = int(os.environ.get("REFHUB_BENCH_BACKLOG", "20000"))
LATENCY_SECONDS = float(os.environ.get("REFHUB_BENCH_LATENCY_SECONDS", "20"))


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the peak resident set size of a process so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


def _loaded(measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A measurement with the machine's 1-minute load average before and after it (the CPUs may be shared)."""
    before = round(os.getloadavg()[0], 2)
    figures = measure()
    return {**figures, "load_average_1m": [before, round(os.getloadavg()[0], 2)]}


def throughput_table(
    plain: dict[str, Any], quix: dict[str, Any], router: dict[str, Any], latency: dict[str, Any]
) -> dict[str, Any]:
    """The figures issue #9 asks for, side by side, with their ratios and goals."""
    router_rate = router["referrals_per_second"]
    return {
        "router_referrals_per_second": router_rate,
        "plain_loop_records_per_second": plain["records_per_second"],
        "quix_referrals_per_second": quix["referrals_per_second"],
        "ratio_router_to_plain": round(router_rate / plain["records_per_second"], 4),
        "ratio_router_to_quix": round(router_rate / quix["referrals_per_second"], 4),
        "cpu_us_per_referral": {"hub": router["hub_cpu_us_per_referral"], "quix": quix["cpu_us_per_referral"]},
        "receipt_to_assignment_ms": {
            rate: {name: figures["receipt_to_assignment"][name] for name in ("p50_ms", "p99_ms")}
            for rate, figures in latency.items()
        },
        "goals": {
            "ratio_router_to_plain": ">= 0.333",
            "ratio_router_to_quix": "> 1",
            "receipt_to_assignment_p99_ms_at_200_per_second": "<= 250",
        },
        "load_average_1m_before_after": {
            "plain_loop": plain["load_average_1m"],
            "quix": quix["load_average_1m"],
            "router": router["load_average_1m"],
            **{f"latency_{rate}": figures["load_average_1m"] for rate, figures in latency.items()},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument(
        "--throughput-only", action="store_true", help="only the router, its baselines and the gateway latencies"
    )
    args = parser.parse_args()
    parsers = {} if args.throughput_only else adapters.run()
    sla = {} if args.throughput_only else sla_ticks.run()
    rng = random.Random(2025)
    with tempfile.TemporaryDirectory() as scratch:
        broker = Broker(data_dir=Path(scratch) / "kafka")
        broker.start()
        hub = HubProcess(
            broker=broker, work_dir=Path(scratch) / "hub", extra_env=dict(gateway_latency.RATE_LIMITED_ENV)
        )
        (Path(scratch) / "hub").mkdir()
        try:
            first_start = hub.start()
            latency = {
                f"{rate}_per_second": _loaded(lambda r=rate: gateway_latency.measure(hub, r, LATENCY_SECONDS, rng))
                for rate in (50, 200)
            }
            throughput = routing_throughput(hub, rng, records=2000)
            assert hub.process is not None
            hub_peak = peak_rss_mib(hub.process.pid)
            broker_peak = peak_rss_mib(broker.pid())
            hub.stop()
            restart = hub.start()
            events = len(read_topic(broker.bootstrap, "referrals.events"))
            hub.stop()
            # The router alone and its two baselines, on the same backlog, one after the other (never at the
            # same time: they would share the CPUs).
            secrets = load_secrets(Settings(secrets_file=hub.work_dir / "secrets.json"))
            backlog = referral_backlog.build(BACKLOG_REFERRALS, secrets)
            plain = _loaded(lambda: plain_loop.measure(broker.bootstrap, backlog, Settings()))
            quix = _loaded(lambda: quix_router.measure(broker.bootstrap, backlog, Settings()))
            router = _loaded(lambda: router_backlog.measure(hub, backlog))
        finally:
            hub.stop()
            broker.stop()
    print(
        json.dumps(
            {
                "throughput": throughput_table(plain, quix, router, latency),
                "broker_start_seconds": round(broker.started_in, 2),
                "hub_start_to_healthy_seconds": round(first_start, 2),
                "hub_restart_to_healthy_seconds": round(restart, 2),
                "receipt_to_assignment_at_a_steady_rate": latency,
                "routing": throughput,
                "router_backlog": {
                    "records": BACKLOG_REFERRALS,
                    "hub_router": router,
                    "plain_loop": plain,
                    "quix": quix,
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
