"""deploy/prometheus: the real promtool (the compose stack's Prometheus version) checks the configuration and the
alert rules, from the repository and laid out as docker-compose.yml mounts them in the container."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.support.processes import REPO

PROMETHEUS = REPO / "deploy" / "prometheus"


def promtool_run(promtool: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(promtool), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_the_config_and_its_rules_check_from_the_repository(promtool: Path, tmp_path: Path) -> None:
    # From another working directory: the rule file must be found relative to the config file, not to the caller.
    checked = promtool_run(promtool, "check", "config", str(PROMETHEUS / "prometheus.yml"), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 1 rule files found" in checked.stdout
    assert f"Checking {PROMETHEUS / 'alerts.yml'}" in checked.stdout, "the rules were checked too"


def test_the_config_checks_where_the_container_mounts_it(
    promtool: Path, compose_project: dict[str, Any], tmp_path: Path
) -> None:
    """The container's file system as far as the compose file's bind mounts make it, rebuilt in a temporary
    directory: the config at its --config.file path must find its rules there, by a path relative to itself."""
    service = compose_project["services"]["prometheus"]
    root = tmp_path / "container"
    for volume in service["volumes"]:
        if volume["type"] == "bind":
            target = root / volume["target"].lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(volume["source"], target)
    config = next(arg.split("=", 1)[1] for arg in service["command"] if arg.startswith("--config.file="))
    checked = promtool_run(promtool, "check", "config", str(root / config.lstrip("/")), cwd=root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 1 rule files found" in checked.stdout


def test_the_alert_rules_check(promtool: Path) -> None:
    checked = promtool_run(promtool, "check", "rules", str(PROMETHEUS / "alerts.yml"), cwd=REPO)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_promtool_refuses_a_broken_rule(promtool: Path, tmp_path: Path) -> None:
    """The checker is real: a rule with an unparsable expression fails it."""
    broken = tmp_path / "broken.yml"
    broken.write_text("groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m]) >\n")
    checked = promtool_run(promtool, "check", "rules", str(broken), cwd=tmp_path)
    assert checked.returncode != 0
