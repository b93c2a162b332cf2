"""The hub's Kafka security settings become the same options for Faust, aiokafka and kafka-python (no broker)."""

from __future__ import annotations

import io
import json
import logging
import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from streams.kafka_client import KafkaSecurity, KafkaSecurityError, Redacted
from streams.settings import Settings
from tests.support.kafka_certs import TlsFiles, make_broker_tls

REPO = Path(__file__).resolve().parents[3]
PASSWORD = "pa55-Word-never-logged"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_broker_tls(tmp_path_factory.mktemp("tls"))


def sasl_ssl(tls: TlsFiles, **overrides: object) -> KafkaSecurity:
    fields: dict[str, object] = {
        "protocol": "SASL_SSL",
        "mechanism": "SCRAM-SHA-512",
        "username": "refhub",
        "password": SecretStr(PASSWORD),
        "cafile": tls.ca,
        **overrides,
    }
    security = KafkaSecurity(**fields)  # type: ignore[arg-type]
    security.validate()
    return security


def test_plaintext_default_adds_no_option_to_any_client() -> None:
    security = KafkaSecurity.from_settings(Settings(_env_file=None))
    assert security.aiokafka_options() == {}
    assert security.kafka_python_options() == {}
    assert security.faust_credentials() is None


def test_settings_come_from_the_environment_and_hide_the_password(
    monkeypatch: pytest.MonkeyPatch, tls: TlsFiles
) -> None:
    monkeypatch.setenv("REFHUB_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("REFHUB_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("REFHUB_KAFKA_SASL_USERNAME", "refhub")
    monkeypatch.setenv("REFHUB_KAFKA_SASL_PASSWORD", PASSWORD)
    monkeypatch.setenv("REFHUB_KAFKA_SSL_CAFILE", str(tls.ca))
    monkeypatch.setenv("REFHUB_KAFKA_SSL_CHECK_HOSTNAME", "false")
    settings = Settings()
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)
    security = KafkaSecurity.from_settings(settings)
    assert (security.protocol, security.mechanism, security.username) == ("SASL_SSL", "SCRAM-SHA-256", "refhub")
    assert security.password.get_secret_value() == PASSWORD
    assert security.check_hostname is False


def test_sasl_ssl_options_for_aiokafka_and_kafka_python(tls: TlsFiles) -> None:
    security = sasl_ssl(tls)
    for options in (security.aiokafka_options(), security.kafka_python_options()):
        assert options["security_protocol"] == "SASL_SSL"
        assert options["sasl_mechanism"] == "SCRAM-SHA-512"
        assert options["sasl_plain_username"] == "refhub"
        assert options["sasl_plain_password"] == PASSWORD
        assert options["sasl_plain_password"].encode() == PASSWORD.encode()  # what SCRAM hashes
        context = options["ssl_context"]
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname is True
        assert PASSWORD not in repr(options) and PASSWORD not in f"{options}"


def test_hostname_check_can_be_switched_off_but_the_chain_is_still_verified(tls: TlsFiles) -> None:
    context = sasl_ssl(tls, check_hostname=False).ssl_context()
    assert context is not None
    assert context.check_hostname is False
    assert context.verify_mode is ssl.CERT_REQUIRED


def test_a_client_certificate_is_loaded_and_a_wrong_key_password_named_without_the_password(tls: TlsFiles) -> None:
    security = KafkaSecurity(protocol="SSL", cafile=tls.ca, certfile=tls.broker_cert, keyfile=tls.broker_key)
    security.validate()
    assert isinstance(security.ssl_context(), ssl.SSLContext)
    options = security.aiokafka_options()
    assert options["security_protocol"] == "SSL" and "sasl_mechanism" not in options
    encrypted = tls.broker_key.with_name("encrypted-key.pem")
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(tls.broker_key.read_bytes(), None)
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"right-one"),
        )
    )
    good = KafkaSecurity(
        protocol="SSL", certfile=tls.broker_cert, keyfile=encrypted, key_password=SecretStr("right-one")
    )
    assert good.ssl_context() is not None
    wrong = KafkaSecurity(
        protocol="SSL", certfile=tls.broker_cert, keyfile=encrypted, key_password=SecretStr("wrong-one")
    )
    with pytest.raises(KafkaSecurityError) as error:
        wrong.ssl_context()
    assert "wrong-one" not in str(error.value)


def test_faust_gets_sasl_credentials_that_its_aiokafka_driver_turns_into_scram(tls: TlsFiles) -> None:
    import faust
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
    from faust.types.auth import AuthProtocol, SASLMechanism

    credentials = sasl_ssl(tls).faust_credentials()
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.protocol is AuthProtocol.SASL_SSL
    assert credentials.mechanism is SASLMechanism.SCRAM_SHA_512
    assert PASSWORD not in repr(credentials)
    # What Faust's consumer and producer receive (faust/transport/drivers/aiokafka.py):
    auth = credentials_to_aiokafka_auth(credentials)
    assert auth["security_protocol"] == "SASL_SSL"
    assert auth["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (auth["sasl_plain_username"], auth["sasl_plain_password"]) == ("refhub", PASSWORD)
    assert isinstance(auth["ssl_context"], ssl.SSLContext)

    plaintext = KafkaSecurity(protocol="SASL_PLAINTEXT", username="refhub", password=SecretStr(PASSWORD))
    auth = credentials_to_aiokafka_auth(plaintext.faust_credentials())
    assert (auth["security_protocol"], auth["ssl_context"]) == ("SASL_PLAINTEXT", None)

    tls_only = KafkaSecurity(protocol="SSL", cafile=tls.ca).faust_credentials()
    assert isinstance(tls_only, faust.SSLCredentials)
    assert credentials_to_aiokafka_auth(tls_only)["security_protocol"] == "SSL"


def test_kafka_python_admin_logs_its_configuration_without_the_password() -> None:
    """KafkaAdminClient logs every option at DEBUG before it checks them; an unknown option stops it right there."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaConfigurationError

    def logged(options: dict[str, object]) -> str:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        logger = logging.getLogger("kafka.admin.client")
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        try:
            with pytest.raises(KafkaConfigurationError):
                KafkaAdminClient(bootstrap_servers=["127.0.0.1:1"], refhub_stop_here=True, **options)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        return stream.getvalue()

    options = KafkaSecurity(
        protocol="SASL_PLAINTEXT", username="refhub", password=SecretStr(PASSWORD)
    ).kafka_python_options()
    text = logged(options)
    assert "sasl_plain_password" in text and PASSWORD not in text
    # The check can fail: the same options with the password as a plain str do leak.
    assert PASSWORD in logged({**options, "sasl_plain_password": str.__str__(options["sasl_plain_password"])})


def test_redacted_is_the_real_string_for_the_libraries() -> None:
    secret = Redacted("abc")
    assert secret == "abc" and secret.encode() == b"abc" and "\0".join(["u", secret]) == "u\0abc"
    assert "abc" not in repr(secret) and "abc" not in repr({"p": secret})


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"protocol": "SASL_SSL"}, "REFHUB_KAFKA_SASL_USERNAME"),
        ({"protocol": "SASL_PLAINTEXT", "username": "refhub"}, "REFHUB_KAFKA_SASL_PASSWORD"),
        ({"protocol": "PLAINTEXT", "username": "refhub", "password": SecretStr(PASSWORD)}, "does not use SASL"),
        ({"protocol": "SASL_PLAINTEXT", "cafile": "CA", "username": "u", "password": SecretStr("p")}, "CAFILE"),
        ({"protocol": "SSL", "cafile": Path("/nonexistent/ca.pem")}, "REFHUB_KAFKA_SSL_CAFILE"),
        ({"protocol": "SSL", "keyfile": "KEY"}, "without REFHUB_KAFKA_SSL_CERTFILE"),
    ],
)
def test_contradictory_settings_are_refused_by_name(fields: dict[str, object], named: str, tls: TlsFiles) -> None:
    resolved = {
        key: (tls.ca if value == "CA" else tls.broker_key if value == "KEY" else value) for key, value in fields.items()
    }
    with pytest.raises(KafkaSecurityError) as error:
        KafkaSecurity(**resolved).validate()  # type: ignore[arg-type]
    assert named in str(error.value)
    assert PASSWORD not in str(error.value)


def test_every_client_the_hub_makes_gets_the_options(tmp_path: Path, tls: TlsFiles) -> None:
    """Built in a child process: create_hub registers Prometheus collectors once per process."""
    probe = """
import json, sys
from unittest import mock
from streams.app import create_hub
from streams.settings import Settings
import streams.provisioning, streams.cli.consume

settings = Settings()
hub = create_hub(settings)
seen = {}
def capture(name):
    def make(*args, **kwargs):
        seen[name] = kwargs
        raise RuntimeError("stop")
    return make
with mock.patch.object(streams.provisioning, "KafkaAdminClient", capture("admin")):
    try:
        streams.provisioning.create_topics(settings)
    except RuntimeError:
        pass
with mock.patch.object(streams.cli.consume, "KafkaConsumer", capture("consume")):
    streams.cli.consume.handle(mock.Mock(broker=None, topic="t"))
credentials = hub.app.conf.broker_credentials
out = {
    "faust": [type(credentials).__name__, credentials.protocol.value, credentials.mechanism.value],
    "vault": hub.vault._client_options.get("security_protocol"),
    "reader": hub.outbox._reader._client_options.get("security_protocol"),
    "admin": seen["admin"].get("security_protocol"),
    "consume": seen["consume"].get("security_protocol"),
}
print(json.dumps(out))
"""
    env = {
        **os.environ,
        "REFHUB_DATA_DIR": str(tmp_path / "data"),
        "REFHUB_SECRETS_FILE": str(tmp_path / "secrets.json"),
        "REFHUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "REFHUB_KAFKA_SASL_USERNAME": "refhub",
        "REFHUB_KAFKA_SASL_PASSWORD": PASSWORD,
        "REFHUB_KAFKA_SSL_CAFILE": str(tls.ca),
    }
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "faust": ["SASLCredentials", "SASL_SSL", "SCRAM-SHA-512"],
        "vault": "SASL_SSL",
        "reader": "SASL_SSL",
        "admin": "SASL_SSL",
        "consume": "SASL_SSL",
    }
    assert PASSWORD not in result.stdout + result.stderr
