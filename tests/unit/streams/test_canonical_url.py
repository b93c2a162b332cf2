"""The URL a worker advertises to the others (Faust's canonical_url) is its own address even when it binds to every
interface: a request forwarded to 0.0.0.0 would reach the forwarding worker itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.processes import REPO

PROBE = """
import json
from streams.app import create_hub
from streams.settings import Settings
conf = create_hub(Settings()).app.conf
print(json.dumps({"canonical_url": str(conf.canonical_url), "web_bind": conf.web_bind}))
"""


def built_app(tmp_path: Path, **env: str) -> dict[str, str]:
    """Built in a child process: create_hub registers Prometheus collectors once per process."""
    settings = {
        **os.environ,
        "REFHUB_DATA_DIR": str(tmp_path / "data"),
        "REFHUB_SECRETS_FILE": str(tmp_path / "secrets.json"),
        "REFHUB_WEB_HOST": "0.0.0.0",
        "REFHUB_WEB_PORT": "8080",
        **env,
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=settings, capture_output=True, text=True, check=True
    )
    found: dict[str, str] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def test_a_pod_advertises_its_own_name_while_it_binds_every_interface(tmp_path: Path) -> None:
    url = "http://refhub-worker-1.refhub-workers.refhub.svc.cluster.local:8080"
    assert built_app(tmp_path, REFHUB_CANONICAL_URL=url) == {"canonical_url": url, "web_bind": "0.0.0.0"}


def test_without_it_the_worker_advertises_its_web_host_and_port(tmp_path: Path) -> None:
    assert built_app(tmp_path)["canonical_url"] == "http://0.0.0.0:8080"
