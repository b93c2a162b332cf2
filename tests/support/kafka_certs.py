"""A throw-away CA and a broker certificate for a TLS Kafka listener (tests/support/certs.py makes them): the
broker reads them as PEM key/trust stores (``ssl.keystore.type=PEM``), the hub's clients trust the CA through
``REFHUB_KAFKA_SSL_CAFILE``.

For the secured broker of tests/e2e/test_kafka_acls.py (and ``KAFKA_SECURITY=sasl_ssl deploy/local/kafka.sh
start``, which runs ``python -m tests.support.kafka_certs DIR`` when DIR has no certificates yet).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from tests.support.certs import DEFAULT_SERVER_SANS, make_ca

DEFAULT_HOSTS = DEFAULT_SERVER_SANS
VALID_FOR = timedelta(days=30)


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    """The CA certificate (PEM): the broker's and the clients' trust store."""
    broker_keystore: Path
    """The broker's PKCS#8 private key followed by its certificate, one PEM file (Kafka's PEM key store)."""
    broker_cert: Path
    """The broker's certificate followed by the CA's (its chain)."""
    broker_key: Path


def make_broker_tls(directory: Path, hosts: tuple[str, ...] = DEFAULT_HOSTS) -> TlsFiles:
    """A new CA and a broker certificate for ``hosts`` (the names and IPs clients dial), written to ``directory``."""
    ca = make_ca(directory)
    issued = ca.issue(directory, "refhub test broker", server=True, sans=hosts, client=False, valid_for=VALID_FOR)
    files = TlsFiles(
        ca=directory / "ca.pem",
        broker_keystore=directory / "broker-keystore.pem",
        broker_cert=directory / "broker-cert.pem",
        broker_key=issued.key,
    )
    # kafka.sh and the hub's clients look for these names.
    files.ca.write_bytes(ca.cert.read_bytes())
    files.broker_cert.write_bytes(issued.cert.read_bytes() + ca.cert.read_bytes())
    files.broker_keystore.touch(mode=0o600)
    files.broker_keystore.write_bytes(issued.key.read_bytes() + issued.cert.read_bytes())
    return files


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.support.kafka_certs DIR")
    made = make_broker_tls(Path(sys.argv[1]))
    print(f"CA {made.ca}, broker key store {made.broker_keystore}")
