"""Mutual TLS on the gateway, on its own broker and hub (issue 8, item 4): a partner's client certificate is its
credential, registered, checked and revoked with ``refhub credentials`` like a token.

The hub requires client certificates (REFHUB_WEB_TLS_REQUIRE_CLIENT_CERT): a registered certificate pulls its
partner's outbox without a token; one nobody registered, or a revoked one, gets 401; a certificate of one
partner with another partner's token gets 401 CREDENTIAL_MISMATCH; a client without a certificate, or with one
another CA signed, does not get through the handshake. Certificates are made here (tests/support/certs.py).
"""

from __future__ import annotations

import json
import random
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import police, raw_http
from tests.support.certs import Ca, CertFiles, make_ca
from tests.support.processes import HubProcess, on_own_broker
from tests.support.raw_http import RawAnswer
from tests.support.topics import wait_for

pytestmark = pytest.mark.broker


@dataclass
class TlsHub(HubProcess):
    """A hub speaking HTTPS; ``probe`` is the client context its health check connects with."""

    probe: ssl.SSLContext | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.web_port}"

    def healthy(self) -> bool:
        try:
            # Readiness, not liveness: a hub that answers /healthz may still be restoring its tables (503 NOT_READY).
            with urllib.request.urlopen(self.url + "/readyz", timeout=5, context=self.probe) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError, ssl.SSLError):
            return False


@dataclass(frozen=True)
class Pki:
    ca: Ca
    social: CertFiles
    social_spare: CertFiles
    police: CertFiles
    stranger: CertFiles
    """Signed by the partners' CA, registered for nobody."""
    outsider: CertFiles
    """The SOCIAL subject, signed by another CA."""


def client(pki: Pki, certificate: CertFiles | None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(pki.ca.cert))
    if certificate is not None:
        context.load_cert_chain(str(certificate.cert), str(certificate.key))
    return context


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("gateway-pki")
    ca = make_ca(root / "ca", "refhub partners CA")
    other = make_ca(root / "other", "somebody else's CA")

    def leaf(name: str, organisation: str, by: Ca = ca, directory: str = "clients") -> CertFiles:
        return by.issue(root / directory / name, name, server=False, organization=organisation)

    return Pki(
        ca=ca,
        social=leaf("SOCIAL", "高雄市政府社會局"),
        social_spare=leaf("SOCIAL", "高雄市政府社會局 備援", directory="spare"),
        police=leaf("POLICE", "高雄市政府警察局"),
        stranger=leaf("NGO_STRANGER", "無此單位"),
        outsider=leaf("SOCIAL", "高雄市政府社會局", by=other, directory="outsiders"),
    )


@pytest.fixture(scope="module")
def tls_hub(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[TlsHub]:
    server = pki.ca.issue(tmp_path_factory.mktemp("gateway-server"), "localhost", server=True)
    with on_own_broker(
        tmp_path_factory.mktemp("kafka-tls"),
        lambda broker: TlsHub(
            broker=broker,
            work_dir=tmp_path_factory.mktemp("hub-tls"),
            extra_env={
                "REFHUB_WEB_TLS_CERT_FILE": str(server.cert),
                "REFHUB_WEB_TLS_KEY_FILE": str(server.key),
                "REFHUB_WEB_TLS_CLIENT_CA_FILE": str(pki.ca.cert),
                "REFHUB_WEB_TLS_REQUIRE_CLIENT_CERT": "true",
            },
            # /readyz needs no credential, but the handshake needs a certificate: any the CA signed will do.
            probe=client(pki, pki.stranger),
        ),
    ) as hub:
        yield hub


def call(
    hub: TlsHub, pki: Pki, certificate: CertFiles | None, method: str, path: str, token: str | None = None, **kw: bytes
) -> RawAnswer:
    headers = [(b"Authorization", f"Bearer {token}".encode())] if token else []
    if "content_type" in kw:
        headers.append((b"Content-Type", kw["content_type"]))
    request = raw_http.build(method, path, headers, kw.get("body", b""))
    return raw_http.send(hub.web_port, request, tls=client(pki, certificate))


def register(hub: TlsHub, partner: str, certificate: CertFiles) -> str:
    done = hub.cli(
        "credentials", "issue", "--partner", partner, "--certificate-subject", certificate.subject, "--by", "e2e-tls"
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert "token" not in shown and shown["kind"] == "CERTIFICATE", shown
    credential_id: str = shown["credential_id"]
    return credential_id


def until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout} s"
        time.sleep(0.2)


def pulls_social(hub: TlsHub, pki: Pki, certificate: CertFiles) -> int:
    return call(hub, pki, certificate, "GET", "/v1/outbox/assignments?limit=1").status


@pytest.fixture(scope="module")
def registered(tls_hub: TlsHub, pki: Pki) -> dict[str, str]:
    ids = {
        "social": register(tls_hub, "SOCIAL", pki.social),
        "social_spare": register(tls_hub, "SOCIAL", pki.social_spare),
        "police": register(tls_hub, "POLICE", pki.police),
    }
    until(lambda: pulls_social(tls_hub, pki, pki.social) == 200)
    until(lambda: pulls_social(tls_hub, pki, pki.social_spare) == 200)
    return ids


def test_a_registered_certificate_pulls_its_partners_outbox_without_a_token(
    tls_hub: TlsHub, pki: Pki, registered: dict[str, str]
) -> None:
    who = police.person(random.Random(7_007))
    body = police.to_csv([police.child_protection_row(police.fresh_refs(1)[0], who)])
    until(lambda: call(tls_hub, pki, pki.police, "GET", "/v1/outbox/status?limit=1").status == 200)
    posted = call(tls_hub, pki, pki.police, "POST", "/v1/submissions", body=body, content_type=b"text/csv")
    assert posted.status == 202, posted.body[:300]
    referral_id = posted.json()["accepted"][0]["referral_id"]
    wait_for(tls_hub.broker.bootstrap, "assignments.SOCIAL", lambda m: m.value["referral_id"] == referral_id, 1)

    pulled = call(tls_hub, pki, pki.social, "GET", "/v1/outbox/assignments")
    assert pulled.status == 200 and referral_id.encode() in pulled.body
    assert who.name in pulled.body.decode(), "SOCIAL's view, opened for SOCIAL"
    # The caller was who the certificate says: the disclosure is on the trail under that credential.
    [event] = wait_for(
        tls_hub.broker.bootstrap,
        "audit.events",
        lambda m: m.value["subtype"] == "outbox.assignments" and m.value["agent"]["who"] == "SOCIAL",
        1,
        timeout=10,
    )
    assert event.value["agent"]["credential_id"] == registered["social"]
    # The same certificate with its own partner's token agrees, and works too.
    agreed = call(tls_hub, pki, pki.social, "GET", "/v1/outbox/status?limit=1", tls_hub.token("SOCIAL"))
    assert agreed.status == 200


def test_a_certificate_nobody_registered_is_401(tls_hub: TlsHub, pki: Pki, registered: dict[str, str]) -> None:
    answer = call(tls_hub, pki, pki.stranger, "GET", "/v1/outbox/assignments")
    assert answer.status == 401 and answer.json()["error"] == "UNAUTHENTICATED", answer.body
    # A token that is not good is not rescued by a good certificate.
    answer = call(tls_hub, pki, pki.social, "GET", "/v1/outbox/assignments", "rhk_0123456789abcdef_" + "Q" * 43)
    assert answer.status == 401 and answer.json()["error"] == "UNAUTHENTICATED", answer.body


def test_a_revoked_certificate_is_401_and_the_partners_other_one_still_works(
    tls_hub: TlsHub, pki: Pki, registered: dict[str, str]
) -> None:
    done = tls_hub.cli("credentials", "revoke", "--credential", registered["social_spare"], "--by", "e2e-tls")
    assert done.returncode == 0, done.stderr
    until(lambda: pulls_social(tls_hub, pki, pki.social_spare) == 401)
    answer = call(tls_hub, pki, pki.social_spare, "GET", "/v1/outbox/assignments")
    assert answer.json()["error"] == "UNAUTHENTICATED"
    assert pulls_social(tls_hub, pki, pki.social) == 200


def test_one_partners_certificate_with_another_partners_token_is_credential_mismatch(
    tls_hub: TlsHub, pki: Pki, registered: dict[str, str]
) -> None:
    for certificate, token in ((pki.police, tls_hub.token("SOCIAL")), (pki.social, tls_hub.token("POLICE"))):
        answer = call(tls_hub, pki, certificate, "GET", "/v1/outbox/status", token)
        assert answer.status == 401 and answer.json()["error"] == "CREDENTIAL_MISMATCH", answer.body
        assert answer.header("Content-Type") == "application/json"


def refused_at_handshake(hub: TlsHub, context: ssl.SSLContext, token: str) -> bool:
    """True when the connection never carries HTTP: the handshake fails (TLS 1.2 tells the client there), or
    (TLS 1.3, where the client's side is done before the server judges its certificate) the server drops the
    connection without a byte of answer."""
    request = raw_http.build("GET", "/healthz", [(b"Authorization", f"Bearer {token}".encode())])
    try:
        with (
            socket.create_connection(("127.0.0.1", hub.web_port), timeout=10) as plain,
            context.wrap_socket(plain, server_hostname="127.0.0.1") as connection,
        ):
            connection.sendall(request)
            return connection.recv(65536) == b""
    except (ssl.SSLError, ConnectionError):
        return True


def test_without_a_certificate_or_with_another_cas_the_handshake_fails(
    tls_hub: TlsHub, pki: Pki, registered: dict[str, str]
) -> None:
    for certificate in (None, pki.outsider):
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            context = client(pki, certificate)
            context.maximum_version = version
            assert refused_at_handshake(tls_hub, context, tls_hub.token("SOCIAL")), (certificate, version)
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        context = client(pki, pki.stranger)
        context.maximum_version = version
        assert not refused_at_handshake(tls_hub, context, tls_hub.token("SOCIAL")), "a certificate the CA signed"


def test_no_token_reached_the_tls_hubs_log(tls_hub: TlsHub, registered: dict[str, str]) -> None:
    assert tls_hub.log_path is not None
    log = Path(tls_hub.log_path).read_bytes()
    for partner in ("SOCIAL", "POLICE"):
        assert tls_hub.token(partner).split("_", 2)[2].encode() not in log
    assert b"Traceback" not in log, log.decode(errors="replace")[-3000:]
