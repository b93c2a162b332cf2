"""streams/access/tls.py with real certificates (tests/support/certs.py) over a real TLS handshake on a local
socket: the gateway's context, and a client certificate → its partner through certificate credentials."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streams.access import policy
from streams.access.credentials import Principal
from streams.access.store import CredentialStore
from streams.access.tls import TlsSettingsError, peer_certificate, principal_for_certificate, server_ssl_context
from streams.settings import Settings
from tests.support.certs import Ca, CertFiles, make_ca

YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Pki:
    ca: Ca
    server: CertFiles
    police: CertFiles
    stranger: CertFiles
    """Signed by another CA."""


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca(directory / "ca")
    other = make_ca(directory / "other", name="another CA")
    return Pki(
        ca=ca,
        server=ca.issue(directory / "server", "localhost", server=True),
        police=ca.issue(directory / "police", "POLICE", server=False, organization="Kaohsiung City Police"),
        stranger=other.issue(directory / "stranger", "POLICE", server=False, organization="Kaohsiung City Police"),
    )


def gateway_settings(pki: Pki, *, required: bool, client_ca: bool = True) -> Settings:
    return Settings(
        web_tls_cert_file=pki.server.cert,
        web_tls_key_file=pki.server.key,
        web_tls_client_ca_file=pki.ca.cert if client_ca else None,
        web_tls_require_client_cert=required,
    )


def client_context(pki: Pki, certificate: CertFiles | None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(pki.ca.cert))
    if certificate is not None:
        context.load_cert_chain(certificate.cert, certificate.key)
    return context


def handshake(server: ssl.SSLContext, client: ssl.SSLContext, store: CredentialStore) -> Principal | str | None:
    """Connect over TLS to a tiny server that answers with the principal of the client's certificate; a refused
    handshake comes back as the text "refused"."""

    async def main() -> Principal | str | None:
        seen: list[Principal | None] = []

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            der = peer_certificate(writer.transport)
            seen.append(principal_for_certificate(der, store, datetime.now(UTC)))
            writer.write(b"ok\n")
            await writer.drain()
            writer.close()

        listener = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server)
        port = listener.sockets[0].getsockname()[1]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client)
            answer = await asyncio.wait_for(reader.readline(), 5)
            writer.close()
        except (ssl.SSLError, ConnectionError):
            return "refused"
        finally:
            listener.close()
            await listener.wait_closed()
        if answer != b"ok\n":  # TLS 1.3: a refused client certificate shows at the first read
            return "refused"
        return seen[0]

    return asyncio.run(main())


def certificate_store(subject: str) -> CredentialStore:
    store = CredentialStore()
    store.put(policy.issue(store, "POLICE", datetime.now(UTC), YEAR, "ops", certificate_subject=subject).credential)
    return store


def test_a_client_certificate_is_its_partner(pki: Pki) -> None:
    store = certificate_store(pki.police.subject)
    server = server_ssl_context(gateway_settings(pki, required=True))
    assert server is not None
    principal = handshake(server, client_context(pki, pki.police), store)
    assert isinstance(principal, Principal) and principal.partner == "POLICE" and not principal.is_operator


def test_the_subject_may_be_typed_in_either_order(pki: Pki) -> None:
    store = certificate_store("O=Kaohsiung City Police, CN=POLICE")
    server = server_ssl_context(gateway_settings(pki, required=True))
    assert server is not None
    assert isinstance(handshake(server, client_context(pki, pki.police), store), Principal)


def test_a_revoked_or_unknown_certificate_is_nobody_though_the_handshake_succeeds(pki: Pki) -> None:
    server = server_ssl_context(gateway_settings(pki, required=True))
    assert server is not None
    store = certificate_store(pki.police.subject)
    [credential] = store.all()
    store.put(policy.revoke(store, credential.credential_id, datetime.now(UTC)).credential)
    assert handshake(server, client_context(pki, pki.police), store) is None
    assert handshake(server, client_context(pki, pki.police), CredentialStore()) is None


def test_required_client_certificates_refuse_a_client_without_one(pki: Pki) -> None:
    server = server_ssl_context(gateway_settings(pki, required=True))
    assert server is not None
    assert handshake(server, client_context(pki, None), certificate_store(pki.police.subject)) == "refused"


def test_a_certificate_from_another_ca_is_refused_even_with_a_known_subject(pki: Pki) -> None:
    assert pki.stranger.subject == pki.police.subject
    server = server_ssl_context(gateway_settings(pki, required=False))
    assert server is not None
    assert handshake(server, client_context(pki, pki.stranger), certificate_store(pki.police.subject)) == "refused"


def test_optional_client_certificates_let_a_token_client_in(pki: Pki) -> None:
    server = server_ssl_context(gateway_settings(pki, required=False))
    assert server is not None and server.verify_mode is ssl.CERT_OPTIONAL
    assert handshake(server, client_context(pki, None), certificate_store(pki.police.subject)) is None
    assert isinstance(
        handshake(server, client_context(pki, pki.police), certificate_store(pki.police.subject)), Principal
    )


def test_server_only_tls_asks_for_no_certificate(pki: Pki) -> None:
    server = server_ssl_context(gateway_settings(pki, required=False, client_ca=False))
    assert server is not None and server.verify_mode is ssl.CERT_NONE
    assert server.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert handshake(server, client_context(pki, None), CredentialStore()) is None


def test_plain_http_and_incomplete_settings(pki: Pki, tmp_path: Path) -> None:
    assert server_ssl_context(Settings()) is None
    for broken in (
        Settings(web_tls_cert_file=pki.server.cert),
        Settings(web_tls_client_ca_file=pki.ca.cert),
        Settings(web_tls_require_client_cert=True),
        Settings(web_tls_cert_file=pki.server.cert, web_tls_key_file=pki.server.key, web_tls_require_client_cert=True),
    ):
        with pytest.raises(TlsSettingsError):
            server_ssl_context(broken)


def test_no_or_unreadable_certificate_is_nobody() -> None:
    store = certificate_store("CN=POLICE")
    now = datetime.now(UTC)
    assert principal_for_certificate(None, store, now) is None
    assert principal_for_certificate(b"", store, now) is None
    assert principal_for_certificate(b"\x30\x03garbage", store, now) is None


def test_a_transport_without_tls_has_no_certificate() -> None:
    class Plain:
        def get_extra_info(self, name: str) -> None:
            return None

    class Closed:
        def get_extra_info(self, name: str) -> object:
            raise AttributeError(name)

    assert peer_certificate(None) is None and peer_certificate(Plain()) is None and peer_certificate(Closed()) is None
