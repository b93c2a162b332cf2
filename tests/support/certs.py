"""Test certificates made with ``cryptography``: a CA, and server or client certificates it signs, as PEM files.

General on purpose (the gateway's mutual TLS and the Kafka broker's TLS both use it)::

    ca = make_ca(tmp_path)
    server = ca.issue(tmp_path, "localhost", server=True)             # SANs localhost, 127.0.0.1
    client = ca.issue(tmp_path, "POLICE", server=False, organization="Kaohsiung City Police")
    client.subject  # "CN=POLICE,O=Kaohsiung City Police" (RFC 4514), for `refhub credentials issue`

Keys are EC P-256 (fast to make), written unencrypted as PKCS#8 PEM unless ``key_password`` is given
(Kafka's PEM key stores want PKCS#8, and an encrypted key with ``ssl.key.password``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_SERVER_SANS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class CertFiles:
    cert: Path
    """The certificate (PEM)."""
    key: Path
    """Its private key (PKCS#8 PEM)."""
    subject: str
    """The subject as an RFC 4514 string, most specific first: ``CN=…,O=…``."""
    der: bytes
    """The certificate in DER, as ``ssl_object.getpeercert(binary_form=True)`` gives it."""


@dataclass(frozen=True)
class Ca:
    cert: Path
    """The CA certificate (PEM): a trust store for clients, or a server's client CA."""
    key: Path
    name: str
    _certificate: x509.Certificate
    _private_key: ec.EllipticCurvePrivateKey

    def issue(
        self,
        directory: Path,
        common_name: str,
        server: bool,
        sans: Sequence[str] | None = None,
        *,
        client: bool | None = None,
        organization: str | None = None,
        valid_for: timedelta = timedelta(days=2),
        not_before: datetime | None = None,
        key_password: bytes | None = None,
    ) -> CertFiles:
        """A certificate signed by this CA. ``server``: serverAuth and SANs (default localhost and 127.0.0.1);
        ``client`` (default: not ``server``): clientAuth. A broker certificate can be both."""
        client = (not server) if client is None else client
        key = ec.generate_private_key(ec.SECP256R1())
        # DER order is most general first, so the RFC 4514 text (reversed) reads CN=…,O=….
        attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)] if organization else []
        subject = x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        start = not_before or datetime.now(UTC) - timedelta(minutes=5)
        usages = [ExtendedKeyUsageOID.SERVER_AUTH] if server else []
        usages += [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + valid_for)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_leaf_key_usage(), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._private_key.public_key()), critical=False
            )
        )
        names = list(sans if sans is not None else (DEFAULT_SERVER_SANS if server else ()))
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), False)
        certificate = builder.sign(self._private_key, hashes.SHA256())
        stem = _stem(common_name)
        files = CertFiles(
            cert=_write(directory / f"{stem}.crt", certificate.public_bytes(serialization.Encoding.PEM)),
            key=_write(directory / f"{stem}.key", _private_pem(key, key_password)),
            subject=subject.rfc4514_string(),
            der=certificate.public_bytes(serialization.Encoding.DER),
        )
        return files


def make_ca(directory: Path, name: str = "refhub test CA") -> Ca:
    """A self-signed CA, written as ``<name>.crt`` and ``<name>.key`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime.now(UTC) - timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    stem = _stem(name)
    return Ca(
        cert=_write(directory / f"{stem}.crt", certificate.public_bytes(serialization.Encoding.PEM)),
        key=_write(directory / f"{stem}.key", _private_pem(key, None)),
        name=name,
        _certificate=certificate,
        _private_key=key,
    )


def _leaf_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=True,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _private_pem(key: ec.EllipticCurvePrivateKey, password: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _stem(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)
    return path
