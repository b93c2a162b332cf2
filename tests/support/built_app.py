"""The Faust app ``create_hub`` builds, described without a broker: its id, agents and table changelogs.

Built in a child process: create_hub registers Prometheus collectors, once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.processes import REPO

_PROBE = """
import json
from streams.app import create_hub
from streams.settings import Settings

app = create_hub(Settings()).app
print(json.dumps({
    "id": app.conf.id,
    "agents": {name: sorted(agent.channel.topics) for name, agent in app.agents.items()},
    "changelogs": sorted(table.changelog_topic.get_topic_name() for table in app.tables.values()),
}))
"""


def describe(work_dir: Path) -> dict[str, Any]:
    """``{"id": …, "agents": {name: [input topics]}, "changelogs": [...]}`` of the app built with default settings
    (its data directory and secrets in ``work_dir``)."""
    env = {
        **os.environ,
        "REFHUB_DATA_DIR": str(work_dir / "data"),
        "REFHUB_SECRETS_FILE": str(work_dir / "secrets.json"),
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    described: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return described
