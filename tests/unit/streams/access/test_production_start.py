"""`refhub run` in production without its keys stops before it touches the broker, names what is missing, and
leaves no key and no development token behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.processes import REPO, free_port


def test_a_production_start_without_keys_fails_clearly(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REFHUB_")},
        "REFHUB_ENVIRONMENT": "production",
        "REFHUB_BROKER": f"127.0.0.1:{free_port()}",  # nothing listens: the refusal must come first
        "REFHUB_SECRETS_FILE": str(tmp_path / "secrets.json"),
        "REFHUB_DEV_TOKENS_FILE": str(tmp_path / "dev-tokens.json"),
        "REFHUB_DATA_DIR": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "streams.cli.main", "run"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    error = json.loads(done.stderr.strip().splitlines()[-1])
    assert error["error"] == "MISSING_SECRETS"
    assert "lookup key" in error["reason"] and "master key" in error["reason"] and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no key, no token, no data directory"
