"""The independent checkers the deploy tests run (deploy/tools/tool.sh builds and caches them), and the compose
file as Docker Compose's own loader reads it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import REPO

TOOL_SH = REPO / "deploy" / "tools" / "tool.sh"
COMPOSE_FILE = REPO / "docker-compose.yml"


def tool(name: str) -> Path:
    # The first build of promtool takes minutes on two cores; then it is cached in ~/.cache/refhub/tools.
    built = subprocess.run([str(TOOL_SH), name], capture_output=True, text=True, timeout=1800, check=False)
    if built.returncode != 0:
        raise RuntimeError(f"{TOOL_SH} {name} failed: {built.stderr[-2000:]}")
    return Path(built.stdout.strip())


def load_compose(compose_check: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(compose_check), str(path)], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="session")
def promtool() -> Path:
    return tool("promtool")


@pytest.fixture(scope="session")
def compose_check() -> Path:
    return tool("compose-check")


@pytest.fixture(scope="session")
def compose_project(compose_check: Path) -> dict[str, Any]:
    loaded = load_compose(compose_check, COMPOSE_FILE)
    assert loaded.returncode == 0, loaded.stderr
    project: dict[str, Any] = json.loads(loaded.stdout)
    return project
