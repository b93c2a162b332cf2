"""Optional mutual TLS on the gateway: the server's context, and a client certificate → its partner.

The handshake proves the client holds a key whose certificate the partners' CA signed; which partner that
is, and whether it may still call, is the credential directory's answer (a CERTIFICATE credential names the
subject), so a certificate is issued, rotated and revoked with ``refhub credentials`` like a token, and a
revocation takes effect without waiting for a CRL or the certificate's own expiry.
"""

from __future__ import annotations

import ssl
from datetime import datetime
from typing import Any

from streams.access.credentials import Principal
from streams.access.store import CredentialStore
from streams.access.subjects import subject_of
from streams.settings import Settings


class TlsSettingsError(ValueError):
    pass


def server_ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """None when the gateway speaks plain HTTP (no certificate configured); for Faust's ``web_ssl_context``."""
    cert, key, client_ca = settings.web_tls_cert_file, settings.web_tls_key_file, settings.web_tls_client_ca_file
    if cert is None and key is None:
        if client_ca is not None or settings.web_tls_require_client_cert:
            raise TlsSettingsError(
                "client certificates need the gateway's own: set REFHUB_WEB_TLS_CERT_FILE, _KEY_FILE"
            )
        return None
    if cert is None or key is None:
        raise TlsSettingsError("set both REFHUB_WEB_TLS_CERT_FILE and REFHUB_WEB_TLS_KEY_FILE")
    if settings.web_tls_require_client_cert and client_ca is None:
        raise TlsSettingsError("requiring client certificates needs REFHUB_WEB_TLS_CLIENT_CA_FILE")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile=cert, keyfile=key)
    if client_ca is not None:
        context.load_verify_locations(cafile=client_ca)
        context.verify_mode = ssl.CERT_REQUIRED if settings.web_tls_require_client_cert else ssl.CERT_OPTIONAL
    else:
        context.verify_mode = ssl.CERT_NONE
    return context


def peer_ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """How one worker calls another's gateway: plain HTTP when the gateway is plain, else TLS trusting the peers'
    CA. Peers prove who they are by the request signature (streams/peers/seal.py), not by a client certificate."""
    if settings.web_tls_cert_file is None:
        return None
    cafile = settings.peer_tls_ca_file
    return ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(cafile) if cafile else None)


def principal_for_certificate(peercert: bytes | None, directory: CredentialStore, now: datetime) -> Principal | None:
    """The principal of a verified client certificate, given as DER (``ssl_object.getpeercert(binary_form=True)``
    in the gateway: ``request.transport.get_extra_info("ssl_object")``); None without a certificate, or when no
    live CERTIFICATE credential names its subject. Call it only on a connection the context verified."""
    if not peercert:
        return None
    subject = subject_of(peercert)
    return directory.for_certificate(subject, now) if subject is not None else None


def peer_certificate(transport: Any) -> bytes | None:
    """The client certificate (DER) of a connection, e.g. ``request.transport`` in an aiohttp view; None on plain
    HTTP, without a certificate, or on a closed transport (never raises)."""
    try:
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    except (AttributeError, ValueError, ssl.SSLError):
        return None
    return der if isinstance(der, bytes) and der else None
