"""Deployment settings: the environment (``REFHUB_*``), then the user's config file, then local-development defaults.

The config file (TOML, the same names without the prefix: ``broker = "kafka.example:9093"``) is
``$REFHUB_CONFIG``, else ``$XDG_CONFIG_HOME/refhub/config.toml`` (``~/.config/refhub/config.toml``): so ``refhub``
finds its hub, broker and token from whatever directory it is run, with nothing relative to the working directory.
``REFHUB_CONFIG=""`` reads no file (tests do this, so a developer's own file cannot leak into them).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

LOCAL_STATE = Path.home() / ".cache" / "refhub" / "local"
CONFIG_ENV = "REFHUB_CONFIG"


def config_file() -> Path | None:
    """The user's config file (it need not exist), or None when ``REFHUB_CONFIG`` is set empty."""
    named = os.environ.get(CONFIG_ENV)
    if named is not None:
        return Path(named).expanduser() if named else None
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "refhub" / "config.toml"


class ConfigFileError(ValueError):
    """The config file cannot be used as it is; the message says which file and why."""


class _ConfigFile(TomlConfigSettingsSource):
    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            values: dict[str, Any] = super()._read_file(file_path)
        except ValueError as error:  # tomllib.TOMLDecodeError
            raise ConfigFileError(f"{file_path}: not valid TOML ({error})") from None
        shared = isinstance(file_path, Path) and file_path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
        if "token" in values and shared:
            raise ConfigFileError(f"{file_path} holds a token but others may read it: chmod 600 {file_path}")
        return values


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFHUB_")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the file (one command's REFHUB_BROKER=… beats the usual broker); no .env file.
        path = config_file()
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        return (*sources, _ConfigFile(settings_cls, toml_file=path)) if path is not None else sources

    broker: str = "127.0.0.1:9092"
    """Kafka bootstrap servers, comma-separated host:port."""
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    canonical_url: str | None = None
    """How the other workers reach this one's gateway: Faust's canonical_url, which each worker advertises with its
    partition assignment and to which a request for a key this worker owns is forwarded. Default
    ``http://{web_host}:{web_port}``; set it when web_host is a bind address such as 0.0.0.0 (a Kubernetes pod:
    its own DNS name under the headless Service, e.g. ``http://refhub-worker-0.refhub-workers:8080``)."""
    data_dir: Path = LOCAL_STATE / "hub"
    """This process's own state: its tables' RocksDB files (``faust/``) and the movable clock's offset."""
    table_store: Literal["rocksdb", "memory"] = "rocksdb"
    """Where the tables keep their rows: RocksDB files under ``data_dir`` (a restart reads only the changelogs'
    tail; memory stays flat as referrals accumulate) or memory (a restart replays every changelog)."""
    rocksdb_block_cache_mb: int = 64
    """One block cache for every table partition of the process (data, index and filter blocks, memtables)."""
    rocksdb_memtable_mb: int = 32
    """The memtables' share of that cache, all tables together: writes beyond it are flushed to disk."""
    rocksdb_write_buffer_mb: int = 4
    """One partition database's memtable size (two at most), within ``rocksdb_memtable_mb``."""
    table_recovery_buffer_size: int = 1000
    """Changelog records a restoring table applies to its store at once (Faust's recovery_buffer_size)."""
    closed_retention_days: float = 30.0
    """How long a closed referral (every destination in a terminal state) keeps its ledger entry and SLA clocks
    after its last destination closed; then both leave the tables and a small retired marker stays (ids and
    states, nothing about the person). Reports and KPIs read the event topics, which keep everything."""
    environment: Literal["local", "production"] = "local"
    """``local``: ``refhub run`` makes the secrets and the development credentials it lacks. ``production``: nothing
    secret is ever made — a start without its keys fails, and no development token exists."""
    secrets_file: Path = LOCAL_STATE / "secrets.json"
    """The HMAC lookup key and the master keys (local development makes it on first start, mode 0600)."""
    lookup_key: SecretStr | None = None
    """The HMAC key of the subject lookup, base64 (overrides the secrets file; e.g. from a vault agent)."""
    master_keys: SecretStr | None = None
    """Master keys by version, ``VERSION:BASE64[,VERSION:BASE64…]`` (overrides the secrets file's list)."""
    master_key_version: int | None = None
    """The master key version that wraps new data keys (default: the highest listed); any listed one unwraps."""
    dev_tokens_file: Path = LOCAL_STATE / "dev-tokens.json"
    """Local development only: the clear tokens ``refhub run`` issued for every partner, on the developer's
    machine (mode 0600), read by ``refhub submit|pull|status|replay``. Never in an image or a repository."""
    credential_lifetime_days: float = 90.0
    """How long a newly issued credential lives unless ``--expires-in`` says otherwise."""
    credential_grace_hours: float = 24.0
    """After ``refhub credentials rotate`` the replaced token keeps working this long, so no partner has a gap."""
    rate_limit_per_second: float = 20.0
    """Requests per second each partner may make, sustained (token bucket refill rate)."""
    rate_limit_burst: float = 300.0
    """Requests a partner may make at once after a quiet spell (token bucket size)."""
    web_tls_cert_file: Path | None = None
    """The gateway's certificate chain (PEM); with ``web_tls_key_file`` the gateway speaks HTTPS."""
    web_tls_key_file: Path | None = None
    web_tls_client_ca_file: Path | None = None
    """CA bundle (PEM) of partner client certificates: mutual TLS, certificate subject → partner."""
    web_tls_require_client_cert: bool = False
    """Refuse a TLS handshake without a client certificate (otherwise a bearer token still works)."""
    standby_replicas: int = 1
    """Warm copies of each table partition on other workers, so a takeover after a crash does not replay a whole
    changelog (Faust's ``table_standby_replicas``)."""
    peer_tls_ca_file: Path | None = None
    """With a TLS gateway: the CA bundle that signed the other workers' gateway certificates (for calls between
    workers); none: the system's trust store."""
    partitions: int = 3
    replication_factor: int = 1
    min_insync_replicas: int = 1
    broker_session_timeout: float = 10.0
    """Faust's default (60 s) makes every join take ~30 s and a restart after kill -9 ~110 s."""
    max_body_bytes: int = 10 * 1024 * 1024
    header_timeout_seconds: float = 10.0
    """A client has this long from the first byte of a request to the end of its headers (slowloris)."""
    body_timeout_seconds: float = 60.0
    """…and this long to send its body."""
    keepalive_timeout_seconds: float = 15.0
    """An idle kept-alive connection is closed after this long."""
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9108
    """Prometheus metrics are served here, not on the partners' port: per-partner counters are operators' data."""
    max_record_bytes: int = 1_000_000
    """The largest Kafka record the hub writes: below the broker's message.max.bytes (1 MiB + 12 by default)."""
    log_level: str = "info"
    log_format: Literal["json", "text"] | None = None
    """One JSON object a line, or text; unset: text on a terminal, JSON anywhere else (streams/logs.py)."""
    sla_policy_file: Path | None = None
    """A TOML policy table whose rows replace the defaults (processors/sla/default_policy.toml) by clock name."""
    router_batch_max: int = 25
    """The most referrals the router takes from the stream at once (one changelog flush and one wait per batch).
    Each writes two or three changelog records, and Faust holds back its consumers (and logs a warning) while
    more than 100 wait in its producer buffer: the other agents write theirs meanwhile (40 went over, at 200/s)."""
    router_batch_seconds: float = 0.01
    """How long the router waits for a batch to fill before it routes what it has: a referral's added latency."""
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

    gateway_url: str | None = None
    """The gateway ``refhub submit|pull|status|replay|audit|dlq`` call when ``--url`` is not given; default: this
    configuration's own gateway, ``http://127.0.0.1:<web_port>``."""
    token: SecretStr | None = None
    """The bearer token those commands send when ``--token`` is not given (a clerk's or an operator's own). In a
    config file, the file must be readable by its owner only. Local development needs none: the dev tokens file."""

    @property
    def gateway(self) -> str:
        return self.gateway_url or f"http://127.0.0.1:{self.web_port}"

    @property
    def bootstrap_servers(self) -> list[str]:
        return [server.strip() for server in self.broker.split(",") if server.strip()]
