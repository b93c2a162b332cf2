"""docker-compose.yml as Docker Compose's own loader (compose-go, no Docker engine) reads it: the Compose
Specification's schema and the model's consistency, then what the stack promises operators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.deploy.conftest import COMPOSE_FILE, load_compose


def test_the_compose_file_loads(compose_project: dict[str, Any]) -> None:
    assert {"kafka", "topics", "hub", "prometheus", "grafana"} <= set(compose_project["services"])


def test_every_long_running_service_has_a_healthcheck(compose_project: dict[str, Any]) -> None:
    missing = [
        name
        for name, service in compose_project["services"].items()
        if service.get("restart") != "no" and not (service.get("healthcheck") or {}).get("test")
    ]
    assert missing == [], f"no healthcheck: {missing}"


def test_prometheus_and_grafana_probe_their_own_health_endpoints(compose_project: dict[str, Any]) -> None:
    services = compose_project["services"]
    for name, url in {
        "prometheus": "http://127.0.0.1:9090/-/ready",
        "grafana": "http://127.0.0.1:3000/api/health",
    }.items():
        test = services[name]["healthcheck"]["test"]
        assert test[0] == "CMD" and test[-1] == url, test
        assert {port["target"] for port in services[name]["ports"]} == {int(url.split(":")[2].split("/")[0])}


def test_the_loader_refuses_a_misspelt_healthcheck(compose_check: Path, tmp_path: Path) -> None:
    """The check is real: a key the specification does not know fails it."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE_FILE.read_text().replace("start_period: 20s", "start_periodd: 20s", 1))
    loaded = load_compose(compose_check, broken)
    assert loaded.returncode == 1 and "start_periodd" in loaded.stderr
