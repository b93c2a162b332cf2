"""The security options of every Kafka client the hub makes, from one set of settings (``REFHUB_KAFKA_*``).

Three client libraries talk to Kafka here and each spells the same thing differently: Faust (its own aiokafka
consumer and producer, configured through ``broker_credentials``), aiokafka directly (the key vault, the gateway's
topic reader) and kafka-python (provisioning, the CLI, admin and test code). Building all of them from one
``KafkaSecurity`` means a deployment sets SASL_SSL once and no client is left talking PLAINTEXT, and the TLS rules
(CA, client certificate, hostname check) are the same ``ssl.SSLContext`` for every library.

The default, PLAINTEXT with no credentials, yields exactly the options the clients had before (none).

The password travels as ``Redacted``: a ``str`` (the libraries ``.encode()`` it for SCRAM and PLAIN) whose repr
hides it, because kafka-python's ``KafkaAdminClient`` logs its whole configuration at DEBUG.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from streams.settings import Settings

SASL_PROTOCOLS = frozenset({"SASL_PLAINTEXT", "SASL_SSL"})
TLS_PROTOCOLS = frozenset({"SSL", "SASL_SSL"})


class KafkaSecurityError(ValueError):
    """The Kafka security settings contradict each other or name a file that cannot be used; the message names the
    setting to fix and never a secret."""


class Redacted(str):
    """A secret the client libraries need as a plain ``str``, shown as asterisks wherever it is repr'd (a logged
    configuration dict formats its values with repr)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'**********'"


@dataclass(frozen=True)
class KafkaSecurity:
    protocol: str = "PLAINTEXT"
    mechanism: str = "SCRAM-SHA-512"
    username: str = ""
    password: SecretStr = field(default_factory=lambda: SecretStr(""))
    cafile: Path | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    key_password: SecretStr | None = None
    check_hostname: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> KafkaSecurity:
        security = cls(
            protocol=settings.kafka_security_protocol,
            mechanism=settings.kafka_sasl_mechanism,
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password,
            cafile=settings.kafka_ssl_cafile,
            certfile=settings.kafka_ssl_certfile,
            keyfile=settings.kafka_ssl_keyfile,
            key_password=settings.kafka_ssl_key_password,
            check_hostname=settings.kafka_ssl_check_hostname,
        )
        security.validate()
        return security

    @property
    def uses_sasl(self) -> bool:
        return self.protocol in SASL_PROTOCOLS

    @property
    def uses_tls(self) -> bool:
        return self.protocol in TLS_PROTOCOLS

    def validate(self) -> None:
        """Refuse settings that would be silently ignored or fail later inside a client's reconnect loop."""
        protocol = f"REFHUB_KAFKA_SECURITY_PROTOCOL={self.protocol}"
        if self.uses_sasl:
            if not self.username or not self.password.get_secret_value():
                raise KafkaSecurityError(f"{protocol} needs REFHUB_KAFKA_SASL_USERNAME and REFHUB_KAFKA_SASL_PASSWORD")
        elif self.username or self.password.get_secret_value():
            raise KafkaSecurityError(f"a SASL username or password is set but {protocol} does not use SASL")
        tls_files = {
            "REFHUB_KAFKA_SSL_CAFILE": self.cafile,
            "REFHUB_KAFKA_SSL_CERTFILE": self.certfile,
            "REFHUB_KAFKA_SSL_KEYFILE": self.keyfile,
        }
        if not self.uses_tls:
            named = [name for name, value in tls_files.items() if value is not None]
            if named:
                raise KafkaSecurityError(f"{', '.join(named)} set but {protocol} does not use TLS")
            return
        if self.keyfile is not None and self.certfile is None:
            raise KafkaSecurityError("REFHUB_KAFKA_SSL_KEYFILE is set without REFHUB_KAFKA_SSL_CERTFILE")
        for name, path in tls_files.items():
            if path is not None and not path.is_file():
                raise KafkaSecurityError(f"{name}: no readable file at {path}")

    def ssl_context(self) -> ssl.SSLContext | None:
        """The one TLS context every library gets: the CA given (else the system's), the client certificate if
        any, the chain always verified; only the name check can be switched off (a broker reached by IP)."""
        if not self.uses_tls:
            return None
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(self.cafile) if self.cafile else None)
        if not self.check_hostname:
            context.check_hostname = False  # verify_mode stays CERT_REQUIRED: the chain is still checked
        if self.certfile is not None:
            password = self.key_password.get_secret_value() if self.key_password else None
            try:
                context.load_cert_chain(
                    str(self.certfile), str(self.keyfile) if self.keyfile else None, password=password
                )
            except ssl.SSLError as error:
                raise KafkaSecurityError(
                    f"REFHUB_KAFKA_SSL_CERTFILE/KEYFILE cannot be loaded ({error.reason or 'bad key or password'})"
                ) from None
        return context

    def _sasl(self) -> dict[str, Any]:
        return {
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": Redacted(self.password.get_secret_value()),
        }

    def aiokafka_options(self) -> dict[str, Any]:
        """Keyword arguments for ``AIOKafkaConsumer`` / ``AIOKafkaProducer`` / ``AIOKafkaAdminClient``."""
        if self.protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_tls:
            options["ssl_context"] = self.ssl_context()
        if self.uses_sasl:
            options.update(self._sasl())
        return options

    def kafka_python_options(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python's ``KafkaAdminClient`` / ``KafkaConsumer`` / ``KafkaProducer``: the
        same names as aiokafka's; a given ``ssl_context`` makes kafka-python ignore its own ``ssl_*`` options."""
        return self.aiokafka_options()

    def faust_credentials(self) -> Any:
        """Faust's ``broker_credentials``: ``SASLCredentials`` (SASL_SSL when it carries an SSL context, else
        SASL_PLAINTEXT), ``SSLCredentials`` for TLS alone, ``None`` for PLAINTEXT. faust-streaming 0.15.3 passes
        the mechanism through to aiokafka unchanged (``credentials_to_aiokafka_auth``), and aiokafka speaks
        SCRAM-SHA-256/512 itself, so no workaround is needed."""
        if self.protocol == "PLAINTEXT":
            return None
        import faust

        if not self.uses_sasl:
            return faust.SSLCredentials(self.ssl_context())
        return faust.SASLCredentials(
            username=self.username,
            password=Redacted(self.password.get_secret_value()),
            ssl_context=self.ssl_context(),
            mechanism=self.mechanism,
        )


def aiokafka_options(settings: Settings) -> dict[str, Any]:
    return KafkaSecurity.from_settings(settings).aiokafka_options()


def kafka_python_options(settings: Settings) -> dict[str, Any]:
    return KafkaSecurity.from_settings(settings).kafka_python_options()


def faust_credentials(settings: Settings) -> Any:
    return KafkaSecurity.from_settings(settings).faust_credentials()
