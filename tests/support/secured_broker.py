"""A broker that authenticates and authorizes: ``KAFKA_SECURITY=sasl_ssl deploy/local/kafka.sh start`` with
SCRAM-SHA-512 users made at format time, the StandardAuthorizer (deny unless an ACL allows) and a TLS client
listener whose certificate tests/support/kafka_certs.py makes. Each instance: its own ports, data, CA and passwords.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from streams.kafka_client import KafkaSecurity
from streams.settings import Settings
from tests.support.kafka_certs import TlsFiles, make_broker_tls
from tests.support.processes import KAFKA_SH, Broker

ADMIN = "admin"


@dataclass
class SecuredBroker(Broker):
    users: tuple[str, ...] = ()
    """SCRAM-SHA-512 users besides the admin (the super user), each with a fresh random password."""
    passwords: dict[str, str] = field(default_factory=dict)
    tls: TlsFiles | None = None

    def __post_init__(self) -> None:
        self.passwords = {user: secrets.token_hex(12) for user in (ADMIN, *self.users)}
        self.tls = make_broker_tls(self.data_dir / "tls")

    @property
    def admin_config(self) -> Path:
        """The super user's client properties that kafka.sh writes (for ``kafka-acls --command-config``)."""
        return self.data_dir / "admin-client.properties"

    def _env(self) -> dict[str, str]:
        assert self.tls is not None
        return {
            **super()._env(),
            "KAFKA_SECURITY": "sasl_ssl",
            # The certificates are made with this interpreter, wherever its virtualenv lives.
            "REFHUB_PYTHON": sys.executable,
            "KAFKA_TLS_DIR": str(self.tls.ca.parent),
            "KAFKA_ADMIN_USER": ADMIN,
            "KAFKA_ADMIN_PASSWORD": self.passwords[ADMIN],
            "KAFKA_SCRAM_USERS": " ".join(f"{user}={self.passwords[user]}" for user in self.users),
        }

    def client_env(self, user: str) -> dict[str, str]:
        """The ``REFHUB_*`` settings that make the hub's clients log in as ``user`` over SASL_SSL."""
        assert self.tls is not None
        return {
            "REFHUB_BROKER": self.bootstrap,
            "REFHUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "REFHUB_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "REFHUB_KAFKA_SASL_USERNAME": user,
            "REFHUB_KAFKA_SASL_PASSWORD": self.passwords[user],
            "REFHUB_KAFKA_SSL_CAFILE": str(self.tls.ca),
        }

    def settings(self, user: str) -> Settings:
        assert self.tls is not None
        return Settings(
            broker=self.bootstrap,
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_mechanism="SCRAM-SHA-512",
            kafka_sasl_username=user,
            kafka_sasl_password=SecretStr(self.passwords[user]),
            kafka_ssl_cafile=self.tls.ca,
        )

    def security(self, user: str) -> KafkaSecurity:
        assert self.tls is not None
        security = KafkaSecurity(
            protocol="SASL_SSL", username=user, password=SecretStr(self.passwords[user]), cafile=self.tls.ca
        )
        security.validate()
        return security

    def run_acl_script(self, script: str) -> subprocess.CompletedProcess[str]:
        """Run a ``refhub acl-plan`` script (made with ``--kafka-acls-command "<kafka.sh> acls"``) as the admin."""
        return subprocess.run(["sh", "-e"], input=script, text=True, capture_output=True, check=False, timeout=600)


def acls_command() -> str:
    """The ``--kafka-acls-command`` for the local jars: Kafka's own AclCommand through deploy/local/kafka.sh."""
    return f"{KAFKA_SH} acls"
