"""Deployment settings, from the environment (``REFHUB_*``) with local-development defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_STATE = Path.home() / ".cache" / "refhub" / "local"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFHUB_")

    broker: str = "127.0.0.1:9092"
    """Kafka bootstrap servers, comma-separated host:port."""
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    data_dir: Path = LOCAL_STATE / "hub"
    partners_file: Path = Path("deploy/local/partners.toml")
    secrets_file: Path = LOCAL_STATE / "secrets.json"
    partitions: int = 3
    replication_factor: int = 1
    min_insync_replicas: int = 1
    broker_session_timeout: float = 10.0
    """Faust's default (60 s) makes every join take ~30 s and a restart after kill -9 ~110 s."""
    max_body_bytes: int = 10 * 1024 * 1024
    log_level: str = "info"

    @property
    def bootstrap_servers(self) -> list[str]:
        return [server.strip() for server in self.broker.split(",") if server.strip()]
