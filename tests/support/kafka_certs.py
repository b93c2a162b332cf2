"""A throw-away CA and a broker certificate (and optionally client certificates) for a TLS Kafka listener, made with
``cryptography``: the broker reads them as PEM key/trust stores (``ssl.keystore.type=PEM``), the hub's clients trust
the CA through ``REFHUB_KAFKA_SSL_CAFILE``.

Written for the secured broker of tests/e2e/test_kafka_acls.py (and ``KAFKA_SECURITY=sasl_ssl deploy/local/kafka.sh
start``, which runs ``python -m tests.support.kafka_certs DIR`` when DIR has no certificates yet). A more general
certificate maker for the gateway's mutual TLS is being written as tests/support/certs.py; this one can fold into it.
"""

from __future__ import annotations

import datetime
import ipaddress
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS = ("localhost", "127.0.0.1")
VALID_FOR = datetime.timedelta(days=30)


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    """The CA certificate (PEM): the broker's and the clients' trust store."""
    broker_keystore: Path
    """The broker's PKCS#8 private key followed by its certificate chain, one PEM file (Kafka's PEM key store)."""
    broker_cert: Path
    broker_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "refhub test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _san(hosts: tuple[str, ...]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    pkcs8 = serialization.PrivateFormat.PKCS8  # Kafka's PEM key store reads PKCS#8 only
    return key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption())


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class CertificateAuthority:
    def __init__(self, common_name: str = "refhub test CA") -> None:
        now = datetime.datetime.now(datetime.UTC)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + VALID_FOR)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def issue(
        self, common_name: str, hosts: tuple[str, ...] = (), *, server: bool
    ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        now = datetime.datetime.now(datetime.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + VALID_FOR)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )
        if hosts:
            builder = builder.add_extension(_san(hosts), critical=False)
        return key, builder.sign(self.key, hashes.SHA256())


def make_broker_tls(directory: Path, hosts: tuple[str, ...] = DEFAULT_HOSTS) -> TlsFiles:
    """A new CA and a broker certificate for ``hosts`` (the names and IPs clients dial), written to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = CertificateAuthority()
    key, cert = ca.issue("refhub test broker", hosts, server=True)
    files = TlsFiles(
        ca=directory / "ca.pem",
        broker_keystore=directory / "broker-keystore.pem",
        broker_cert=directory / "broker-cert.pem",
        broker_key=directory / "broker-key.pem",
    )
    files.ca.write_bytes(_pem_cert(ca.cert))
    files.broker_cert.write_bytes(_pem_cert(cert) + _pem_cert(ca.cert))
    for path, data in ((files.broker_key, _pem_key(key)), (files.broker_keystore, _pem_key(key) + _pem_cert(cert))):
        path.touch(mode=0o600)
        path.write_bytes(data)
    return files


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.support.kafka_certs DIR")
    made = make_broker_tls(Path(sys.argv[1]))
    print(f"CA {made.ca}, broker key store {made.broker_keystore}")
