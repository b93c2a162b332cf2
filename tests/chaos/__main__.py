"""``make chaos``: 100,000 referrals through 3 workers on a 3-broker cluster, a worker killed every 20–40 s (at
least 5 times) and one broker killed and restarted; prints the figures as JSON and exits 1 unless lost,
duplicated and stuck are all 0.

    python -m tests.chaos [--referrals N] [--worker-kills K] [--no-broker-kill] [--posters P] [--rate R] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.chaos.harness import Chaos
from tests.support.processes import Cluster
from tests.support.workers import Workers


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos")
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--worker-kills", type=int, default=5)
    parser.add_argument("--no-broker-kill", action="store_true")
    parser.add_argument("--rate", type=float, default=None, help="referrals/s posted (default: as fast as taken)")
    parser.add_argument("--drain-timeout", type=float, default=1800.0, help="seconds to wait for the routing")
    parser.add_argument("--posters", type=int, default=16, help="partners posting at once (22 local centres)")
    parser.add_argument("--out", type=Path, default=Path("tests/artifacts/chaos.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refhub-chaos-") as scratch:
        root = Path(scratch)
        cluster = Cluster(data_dir=root / "kafka")
        began = time.monotonic()
        cluster.start()
        print(f"chaos: 3 brokers up in {time.monotonic() - began:.0f} s", file=sys.stderr)
        # 100,000 referral reads at the end would spend half an hour in the partners' rate limit (20/s a worker).
        limits = {"REFHUB_RATE_LIMIT_PER_SECOND": "1000", "REFHUB_RATE_LIMIT_BURST": "1000"}
        workers = Workers(broker=cluster, work_dir=root / "hub", count=3, extra_env=limits)
        try:
            print(f"chaos: 3 workers ready in {workers.start(timeout=300):.0f} s", file=sys.stderr)
            figures = Chaos(
                workers,
                cluster,
                referrals=args.referrals,
                worker_kills=args.worker_kills,
                broker_kill=not args.no_broker_kill,
                rate=args.rate,
                posters=args.posters,
                drain_timeout=args.drain_timeout,
                log=lambda line: print(line, file=sys.stderr, flush=True),
            ).run()
        finally:
            workers.stop()
            cluster.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(figures.as_json() + "\n")
    print(figures.as_json())
    enough = figures.enough_chaos(args.worker_kills, 0 if args.no_broker_kill else 1)
    if not enough:
        print("chaos: the posting ended before the kills asked for; use more referrals or --rate", file=sys.stderr)
    return 0 if figures.clean and enough else 1


if __name__ == "__main__":
    sys.exit(main())
