"""The real Kafka broker (deploy/local/kafka.sh), the real three-node cluster (deploy/local/cluster.sh) and the real
hub process (``refhub run``) for tests.

Each test session gets its own broker (and cluster, if a test asks for one): its own ports and data directory, so a
running ``make run`` or ``make cluster`` is never touched. The hub runs as a subprocess so that tests can ``kill -9``
it like a crashed server; so does each node of the cluster.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from streams.access import dev_tokens

REPO = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO / "deploy" / "local" / "kafka.sh"
CLUSTER_SH = REPO / "deploy" / "local" / "cluster.sh"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Broker:
    data_dir: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    started_in: float = 0.0

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_DATA_DIR": str(self.data_dir),
            "KAFKA_HEAP": "512m",
        }

    def start(self) -> None:
        began = time.monotonic()
        subprocess.run([str(KAFKA_SH), "start"], env=self._env(), check=True)
        self.started_in = time.monotonic() - began

    def stop(self) -> None:
        subprocess.run([str(KAFKA_SH), "stop"], env=self._env(), check=False)

    def pid(self) -> int:
        return int((self.data_dir / "broker.pid").read_text())

    def hub_env(self) -> dict[str, str]:
        """What a hub on this broker must be told about it: nothing, one broker is the default."""
        return {}

    @property
    def log_dirs(self) -> list[Path]:
        """Where the broker keeps its partitions' segments."""
        return [self.data_dir / "logs"]


def _distinct_free_ports(count: int) -> tuple[int, ...]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return tuple(sorted(ports))


@dataclass
class Cluster:
    """Three KRaft nodes, each broker + controller, one three-voter quorum; topics replicated 3 times and written
    with min.insync.replicas=2, so a write with acks=all goes through while any one node is down."""

    data_dir: Path
    ports: tuple[int, ...] = field(default_factory=lambda: _distinct_free_ports(6))
    started_in: float = 0.0
    NODES = (1, 2, 3)
    REPLICATION_FACTOR = 3
    MIN_INSYNC_REPLICAS = 2

    @property
    def client_ports(self) -> tuple[int, ...]:
        return self.ports[:3]

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.client_ports)

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_CLUSTER_DIR": str(self.data_dir),
            "KAFKA_CLUSTER_PORTS": " ".join(map(str, self.client_ports)),
            "KAFKA_CLUSTER_CONTROLLER_PORTS": " ".join(map(str, self.ports[3:])),
            "KAFKA_HEAP": "384m",
        }

    def _run(self, *args: str, check: bool = True) -> None:
        subprocess.run([str(CLUSTER_SH), *args], env=self._env(), check=check)

    def start(self) -> None:
        began = time.monotonic()
        self._run("start")
        self.started_in = time.monotonic() - began

    def stop(self) -> None:
        self._run("stop", check=False)

    def kill(self, node: int) -> None:
        """``kill -9`` one node: a broker and a controller crash at once."""
        self._run("kill", str(node))

    def restart(self, node: int) -> float:
        """Start a killed node again; return the seconds until it served."""
        began = time.monotonic()
        self._run("restart", str(node))
        return time.monotonic() - began

    def pid(self, node: int) -> int:
        return int((self.data_dir / f"node-{node}" / "broker.pid").read_text())

    @property
    def log_dirs(self) -> list[Path]:
        """Every node's segments (each holds a replica of every partition)."""
        return [self.data_dir / f"node-{node}" / "logs" for node in self.NODES]

    def hub_env(self) -> dict[str, str]:
        return {
            "REFHUB_REPLICATION_FACTOR": str(self.REPLICATION_FACTOR),
            "REFHUB_MIN_INSYNC_REPLICAS": str(self.MIN_INSYNC_REPLICAS),
        }


@dataclass
class HubProcess:
    broker: Broker | Cluster
    work_dir: Path
    web_port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    starts: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)
    data_dir: Path | None = None
    """Default ``work_dir/data``; workers of one hub share the work dir (secrets, dev tokens), not the data."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    @property
    def metrics_urls(self) -> list[str]:
        """Every worker's metrics (one here; ``Workers`` has one per worker)."""
        return [self.metrics_url]

    @property
    def dev_tokens_file(self) -> Path:
        return self.work_dir / "dev-tokens.json"

    def token(self, partner: str) -> str:
        """The partner's local development token, as ``refhub run`` issued it for this hub (``OPERATOR`` too)."""
        found = dev_tokens.read(self.dev_tokens_file).get(partner)
        if found is None:
            raise KeyError(f"no development token for {partner} in {self.dev_tokens_file}: was the hub started?")
        return found

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "REFHUB_BROKER": self.broker.bootstrap,
            "REFHUB_WEB_PORT": str(self.web_port),
            "REFHUB_METRICS_PORT": str(self.metrics_port),
            "REFHUB_DATA_DIR": str(self.data_dir or self.work_dir / "data"),
            "REFHUB_SECRETS_FILE": str(self.work_dir / "secrets.json"),
            "REFHUB_ENVIRONMENT": "local",
            "REFHUB_DEV_TOKENS_FILE": str(self.dev_tokens_file),
            "REFHUB_CONFIG": "",  # no developer's ~/.config/refhub/config.toml in a test's hub
            "REFHUB_LOG_LEVEL": os.environ.get("REFHUB_TEST_LOG_LEVEL", "warn"),
            # Erasure tests watch the log cleaner remove an erased key: its segment must roll soon.
            "REFHUB_KEY_TOPICS_SEGMENT_MS": "2000",
            **self.broker.hub_env(),
            **self.extra_env,
        }

    def start(self, timeout: float = 120.0) -> float:
        """Start ``refhub run`` and wait until /readyz is 200; return the seconds it took."""
        began = time.monotonic()
        self.launch()
        self.wait_ready(began, timeout)
        return time.monotonic() - began

    def launch(self) -> None:
        self.starts += 1
        (self.data_dir or self.work_dir).mkdir(parents=True, exist_ok=True)
        self.log_path = (self.data_dir or self.work_dir) / f"hub-{self.starts}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streams.cli.main", "run"],
                cwd=REPO,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, began: float, timeout: float = 120.0) -> None:
        assert self.process is not None
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub exited with {self.process.returncode}: {self.log_tail()}")
            if self.healthy():
                return
            time.sleep(0.2)
        raise RuntimeError(f"hub not healthy within {timeout} s: {self.log_tail()}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/readyz", timeout=5) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``refhub ARGS`` as an operator or partner runs it beside this hub (its broker, its dev tokens)."""
        env = {
            **os.environ,
            "REFHUB_BROKER": self.broker.bootstrap,
            "REFHUB_DEV_TOKENS_FILE": str(self.dev_tokens_file),
            **self.broker.hub_env(),
            "REFHUB_CONFIG": "",
        }
        return subprocess.run(
            [sys.executable, "-m", "streams.cli.main", *args],
            cwd=REPO,
            env=env,
            text=True,
            capture_output=True,
            timeout=timeout,
        )

    def post(self, path: str, body: bytes, content_type: str, token: str | None) -> tuple[int, Any]:
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=body, method="POST", headers=headers)
        return _call(request)

    def get(self, path: str, token: str | None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return _call(urllib.request.Request(self.url + path, headers=headers))


Hub = TypeVar("Hub", bound=HubProcess)


@contextmanager
def on_own_broker(broker_dir: Path, make_hub: Callable[[Broker], Hub]) -> Iterator[Hub]:
    """A hub on a broker of its own (for a module whose hub runs with other settings than the session's), started;
    both are stopped afterwards."""
    broker = Broker(data_dir=broker_dir)
    broker.start()
    hub: Hub | None = None
    try:
        hub = make_hub(broker)
        hub.start()
        yield hub
    finally:
        if hub is not None:
            hub.stop()
        broker.stop()


def _call(request: urllib.request.Request) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw.decode(errors="replace")
