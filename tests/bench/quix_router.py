"""The router's Quix Streams baseline: tests/bench/quix/app.py on the router's backlog, in a venv of its own.

Quix Streams pins its own pydantic (and brings confluent-kafka), so it never goes into the hub's venv: the venv
is made on demand under ``~/.cache/refhub/bench-quix-venv`` from the pinned tests/bench/quix/requirements.txt
(PyPI) and made again when that file changes. The app reads the same encoded referral events from a fresh
topic with the hub's partitions and config and writes to fresh topics like the router's; the clock runs as the
router's does (tests/bench/router_backlog.py): from the first referral routed to the last output acknowledged
by the broker, seen by the same end-offset watcher.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from streams.settings import Settings
from streams.topology import ASSIGNMENTS, REFERRAL_EVENTS, REFERRAL_STATUS, TopicSpec
from tests.bench.fresh_topics import delete_group, fresh_topics
from tests.bench.referral_backlog import Backlog
from tests.bench.router_backlog import OutputWatcher
from tests.support.topics import produce

HERE = Path(__file__).resolve().parent / "quix"
REQUIREMENTS = HERE / "requirements.txt"
APP = HERE / "app.py"
VENV = Path.home() / ".cache" / "refhub" / "bench-quix-venv"


def venv_python() -> Path:
    """The Quix venv's interpreter, made (or made again, when the pinned requirements changed) on demand."""
    python = VENV / "bin" / "python"
    stamp = VENV / f".installed-{hashlib.sha1(REQUIREMENTS.read_bytes()).hexdigest()[:12]}"
    if python.exists() and stamp.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)
    stamp.touch()
    return python


def measure(bootstrap: str, backlog: Backlog, settings: Settings, timeout: float = 600.0) -> dict[str, Any]:
    """Route ``backlog`` with the Quix app on fresh topics (deleted afterwards) and report its rate."""
    python = venv_python()
    destinations = {a.rsplit(".", 1)[-1] for a in backlog.outputs_per_referral if a.startswith("assignments.")}
    like: dict[str, TopicSpec] = {"in": REFERRAL_EVENTS, "status": REFERRAL_STATUS}
    like.update({d: ASSIGNMENTS[d] for d in sorted(destinations)})
    records = len(backlog.records)
    expected = sum(backlog.outputs_per_referral.values()) * records
    with fresh_topics(bootstrap, like, settings) as names, tempfile.TemporaryDirectory() as state_dir:
        outputs = [names[d] for d in sorted(destinations)] + [names["status"]]
        watcher = OutputWatcher(bootstrap, outputs, expected, timeout)
        watcher.start()
        preload_seconds = produce(bootstrap, names["in"], backlog.records)
        group = f"refhub-bench-quix-{uuid.uuid4().hex[:8]}"
        try:
            finished = subprocess.run(
                [
                    str(python),
                    str(APP),
                    *("--bootstrap", bootstrap, "--source", names["in"], "--status", names["status"]),
                    *("--assignments", ",".join(f"{d}={names[d]}" for d in sorted(destinations))),
                    *("--group", group, "--state-dir", state_dir, "--outputs", str(expected)),
                ],
                capture_output=True,
                text=True,
                timeout=timeout + 60,
                check=False,
            )
            watcher.join(timeout)
        finally:
            watcher.stopped.set()
            delete_group(bootstrap, group)
    if finished.returncode != 0:
        raise RuntimeError(f"the Quix app failed ({finished.returncode}): {finished.stderr[-2000:]}")
    if watcher.reached_at is None:
        raise RuntimeError(f"the Quix app wrote {watcher.seen} of {expected} outputs")
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    drain = watcher.reached_at - result["first_routed_at"]
    return {
        "quixstreams": _pinned("quixstreams"),
        "records": records,
        "outputs_written": watcher.seen,
        "preload_seconds": round(preload_seconds, 3),
        "first_routed_to_last_output_acknowledged_seconds": round(drain, 3),
        "referrals_per_second": round(records / max(drain, 1e-9), 1),
        "cpu_us_per_referral": round(result["cpu_seconds"] / records * 1e6),
    }


def _pinned(package: str) -> str:
    for line in REQUIREMENTS.read_text().splitlines():
        if line.startswith(f"{package}=="):
            return line.split("==", 1)[1]
    return "?"
