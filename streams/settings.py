"""Deployment settings, from the environment (``REFHUB_*``) with local-development defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
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
    max_record_bytes: int = 1_000_000
    """The largest Kafka record the hub writes: below the broker's message.max.bytes (1 MiB + 12 by default)."""
    log_level: str = "info"
    sla_policy_file: Path | None = None
    """A TOML policy table whose rows replace the defaults (processors/sla/default_policy.toml) by clock name."""
    sla_tick_seconds: float = 1.0
    """How often the worker looks for clocks falling due on the partitions it owns."""
    calendar_days_off: str = ""
    """Operator overrides, comma-separated ISO dates: typhoon days (停班) and other declared days off."""
    calendar_workdays: str = ""
    """Comma-separated ISO dates declared working days beyond the government calendar."""
    key_topics_segment_ms: int = 60 * 60 * 1000
    """How soon subjects.keys / subjects.lookup roll a segment, so an erased key's old value can be compacted away
    (the cleaner never cleans the active segment). Tests lower it to watch the cleaner do it."""
    movable_clock: bool = False
    """Test deployments only: lets the operator move the hub's clock forward (POST /v1/admin/clock)."""
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    """How every Kafka client of the hub talks to the brokers (streams/kafka_client.py); production: SASL_SSL."""
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    """A SecretStr so that a repr of the settings, and so a log line, never shows it."""
    kafka_ssl_cafile: Path | None = None
    """PEM bundle of the CA(s) that signed the brokers' certificates; none: the system's trust store."""
    kafka_ssl_certfile: Path | None = None
    """PEM client certificate (chain), for brokers that want TLS client authentication."""
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_key_password: SecretStr | None = None
    kafka_ssl_check_hostname: bool = True
    """Match the broker's certificate against the host dialled; the chain is verified either way."""

    @property
    def bootstrap_servers(self) -> list[str]:
        return [server.strip() for server in self.broker.split(",") if server.strip()]
