"""Several hub workers of one hub against one Kafka cluster, for tests: one code, one consumer group.

The workers share what a deployment shares (secrets, the credentials on the broker, the dev tokens file) and
nothing else: each has its own ports, data directory and log. ``Workers`` answers like a ``HubProcess`` (its
first worker's gateway), so a test written for one hub can run on three.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.processes import HubProcess


@dataclass
class Workers:
    broker: Any
    work_dir: Path
    count: int = 3
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: list[HubProcess] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.workers:
            self.workers = [
                HubProcess(
                    broker=self.broker,
                    work_dir=self.work_dir,
                    data_dir=self.work_dir / f"worker-{n}",
                    extra_env=dict(self.extra_env),
                )
                for n in range(self.count)
            ]

    def __getitem__(self, n: int) -> HubProcess:
        return self.workers[n]

    def __iter__(self) -> Any:
        return iter(self.workers)

    def start(self, timeout: float = 180.0) -> float:
        """The first worker makes the topics and the dev credentials; the others then join its group."""
        began = time.monotonic()
        for worker in self.alive():  # a restart after stop() or kill9(): every worker anew
            worker.stop()
        self.workers[0].start(timeout)
        for worker in self.workers[1:]:
            worker.launch()
        for worker in self.workers[1:]:
            worker.wait_ready(began, timeout)
        self.wait_settled(timeout=timeout)
        return time.monotonic() - began

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    def kill9(self) -> None:
        """The whole hub crashes: every worker at once (``kill -9``), as one process's crash does for one worker."""
        for worker in self.alive():
            assert worker.process is not None
            os.kill(worker.process.pid, signal.SIGKILL)
        for worker in self.workers:
            if worker.process is not None:
                worker.process.wait(timeout=30)

    def alive(self) -> list[HubProcess]:
        return [w for w in self.workers if w.process is not None and w.process.poll() is None]

    def wait_settled(self, timeout: float = 120.0) -> None:
        """Until every live worker is ready and they hold each table partition exactly once between them."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if all(w.healthy() for w in self.alive()) and self.partitions_held_once():
                return
            time.sleep(0.5)
        raise RuntimeError("workers did not settle: " + " | ".join(w.log_tail(5) for w in self.alive()))

    def partitions_held_once(self) -> bool:
        held: list[tuple[str, int]] = []
        for worker in self.alive():
            try:
                with urllib.request.urlopen(worker.url + "/readyz", timeout=5) as response:
                    checks = json.loads(response.read())
            except Exception:
                return False
            held += [(t, p) for t, parts in (checks.get("partitions_held") or {}).items() for p in parts]
        every = set(range(int(self.extra_env.get("REFHUB_PARTITIONS", "3"))))
        return len(held) == len(set(held)) and {p for _, p in held} == every

    # -- what a test of one hub uses --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.workers[0].url

    @property
    def log_path(self) -> Path | None:
        return self.workers[0].log_path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(f"[worker {n}] {w.log_tail(lines)}" for n, w in enumerate(self.workers))

    def env(self) -> dict[str, str]:
        return self.workers[0].env()

    @property
    def web_port(self) -> int:
        return self.workers[0].web_port

    @property
    def metrics_url(self) -> str:
        return self.workers[0].metrics_url

    @property
    def metrics_urls(self) -> list[str]:
        return [worker.metrics_url for worker in self.workers]

    @property
    def dev_tokens_file(self) -> Path:
        return self.workers[0].dev_tokens_file

    def token(self, partner: str) -> str:
        return self.workers[0].token(partner)

    def post(self, path: str, body: bytes, content_type: str, token: str | None) -> tuple[int, Any]:
        return self.workers[0].post(path, body, content_type, token)

    def get(self, path: str, token: str | None) -> tuple[int, Any]:
        return self.workers[0].get(path, token)

    def cli(self, *args: str, timeout: float = 120) -> Any:
        return self.workers[0].cli(*args, timeout=timeout)
