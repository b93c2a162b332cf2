"""Receipt → assignment at a steady rate of submissions posted through the gateway (50/s, 200/s).

One-record POLICE files (a child-protection notice each: an assignment to SOCIAL and a copy to BUREAU) are
posted open-loop: the n-th leaves at start + n/rate whatever the answers before it are doing, so a hub that
falls behind shows it as latency, not as a lower rate. Latency is the hub's own pair of stamps: ``received_at``
(the gateway, at receipt) to the SOCIAL assignment record's timestamp (the router handing it to the producer,
after the ledger it comes from is durable). The router's ``routed_at`` stamp (when it planned the referral) is
reported too, and so is the partner's side: post → 202. The hub's partners' rate limit must allow the rate
(``REFHUB_RATE_LIMIT_PER_SECOND``): ``RATE_LIMITED_ENV``.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from typing import Any

import aiohttp

from tests.support import police
from tests.support.processes import HubProcess
from tests.support.topics import wait_for

ANSWER_TIMEOUT_SECONDS = 60.0
RATE_LIMITED_ENV = {"REFHUB_RATE_LIMIT_PER_SECOND": "1000", "REFHUB_RATE_LIMIT_BURST": "1000"}


async def _post_steadily(
    hub: HubProcess, bodies: list[bytes], rate: float
) -> tuple[list[dict[str, Any]], list[float], list[str]]:
    """(receipts, post → answer seconds, failures): a hub too slow for the rate shows as failures, not a crash."""
    headers = {"Content-Type": "text/csv", "Authorization": f"Bearer {hub.token('POLICE')}"}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=ANSWER_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def post(body: bytes) -> tuple[dict[str, Any] | None, float, str]:
            began = time.monotonic()
            try:
                async with session.post(hub.url + "/v1/submissions", data=body, headers=headers) as response:
                    receipt: dict[str, Any] = await response.json()
                    if response.status != 202:
                        return None, time.monotonic() - began, f"HTTP {response.status} {receipt.get('error')}"
            except (aiohttp.ClientError, TimeoutError) as failure:
                return None, time.monotonic() - began, type(failure).__name__
            return receipt, time.monotonic() - began, ""

        start = time.monotonic()
        tasks = []
        for n, body in enumerate(bodies):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            tasks.append(asyncio.create_task(post(body)))
        done = await asyncio.gather(*tasks)
    receipts = [receipt for receipt, _, _ in done if receipt is not None]
    return receipts, [seconds for receipt, seconds, _ in done if receipt is not None], [f for _, _, f in done if f]


def _quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def measure(hub: HubProcess, rate: float, seconds: float, rng: random.Random) -> dict[str, Any]:
    """Post ``rate`` submissions a second for ``seconds`` seconds to a running hub; the latencies they saw."""
    count = round(rate * seconds)
    bodies = [police.to_csv([police.child_protection_row(ref, police.person(rng))]) for ref in police.fresh_refs(count)]
    began = time.monotonic()
    receipts, answered, failures = asyncio.run(_post_steadily(hub, bodies, rate))
    posting = time.monotonic() - began
    ids = {receipt["accepted"][0]["referral_id"] for receipt in receipts}
    if not ids:
        raise RuntimeError(f"no submission of {count} was received: {sorted(set(failures))}")
    found = wait_for(
        hub.broker.bootstrap,
        "assignments.SOCIAL",
        lambda m: m.value["referral_id"] in ids,
        len(ids),
        timeout=300,
        distinct=lambda m: m.value["referral_id"],
    )
    first: dict[str, Any] = {}
    for message in found:
        first.setdefault(message.value["referral_id"], message)
    if len(first) < len(ids):
        raise RuntimeError(f"{len(ids) - len(first)} received submissions had no SOCIAL assignment after 300 s")
    to_record = [m.timestamp / 1000 - m.value["received_at"].timestamp() for m in first.values()]
    to_routed = [(m.value["routed_at"] - m.value["received_at"]).total_seconds() for m in first.values()]
    return {
        "submissions": count,
        "offered_per_second": rate,
        "received_per_second": round(len(receipts) / posting, 1),
        "not_received": len(failures),
        "failures": {failure: failures.count(failure) for failure in sorted(set(failures))},
        "receipt_to_assignment": _quantiles(to_record),
        "receipt_to_routed_stamp": _quantiles(to_routed),
        "post_to_receipt": _quantiles(answered),
    }
