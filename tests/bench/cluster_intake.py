"""``python -m tests.bench.cluster_intake [REFERRALS] [POSTERS]``: how fast three workers on a three-node cluster
receipt partner files through their gateways (25 new people a file, each file to a worker in turn), with
nothing killed: the rate ``make chaos`` can post at, and each file's post → receipt time. Prints one JSON line.

The per-owner subject call was measured with it (2,000 referrals, 4 posters: 69.9 → 81.1 referrals/s).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.chaos.harness import MAX_ATTEMPTS, partner_files, post_receipt
from tests.support.processes import Cluster
from tests.support.workers import Workers

ROWS_PER_FILE = 25


def main() -> int:
    referrals = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    posters = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    with tempfile.TemporaryDirectory(prefix="refhub-intake-") as scratch:
        root = Path(scratch)
        cluster = Cluster(data_dir=root / "kafka")
        cluster.start()
        workers = Workers(broker=cluster, work_dir=root / "hub", count=3)
        try:
            ready_s = workers.start(timeout=300)
            files = list(partner_files(referrals, ROWS_PER_FILE, random.Random(1)))
            seconds: list[float] = []

            def post(numbered: tuple[int, bytes]) -> None:
                n, body = numbered
                began = time.monotonic()
                for _ in range(MAX_ATTEMPTS):
                    if post_receipt(workers[n % len(workers.workers)], body) is not None:
                        seconds.append(time.monotonic() - began)
                        return
                    time.sleep(0.2)
                raise RuntimeError(f"file {n} was never receipted")

            began = time.monotonic()
            with ThreadPoolExecutor(posters) as pool:
                list(pool.map(post, enumerate(files)))
            took = time.monotonic() - began
        finally:
            workers.stop()
            cluster.stop()
    seconds.sort()
    print(
        json.dumps(
            {
                "referrals": referrals,
                "posters": posters,
                "workers_ready_s": round(ready_s, 1),
                "posting_s": round(took, 1),
                "referrals_per_s": round(referrals / took, 1),
                "file_p50_s": round(seconds[len(seconds) // 2], 2),
                "file_p99_s": round(seconds[int(len(seconds) * 0.99)], 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
