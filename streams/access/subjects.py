"""Certificate subjects as one canonical text, so the subject an operator types and the subject of the
certificate a partner presents compare equal exactly when they name the same attributes.

The canonical text lists the relative distinguished names sorted, so the order does not matter: openssl
prints a subject most-general first (``C = TW, O = …, CN = POLICE``), RFC 4514 most-specific first
(``CN=POLICE,O=…,C=TW``), and an operator may copy either.
"""

from __future__ import annotations

import re

from cryptography import x509

_SEPARATOR = re.compile(r"(?<!\\)\s*([,+=])\s*")
"""Unescaped spaces around separators carry nothing (RFC 4514 escapes a value's own edge spaces)."""


def canonical_subject(text: str) -> str:
    """``C = TW, O = Kaohsiung City Police, CN = POLICE`` → ``C=TW,CN=POLICE,O=Kaohsiung City Police``.
    Raises ValueError for what is not a distinguished name."""
    try:
        name = x509.Name.from_rfc4514_string(_SEPARATOR.sub(r"\1", text.strip()))
    except ValueError:
        name = None
    if name is None or not name.rdns:
        raise ValueError(f"not a certificate subject (RFC 4514, e.g. CN=POLICE,O=Kaohsiung City Police): {text!r}")
    return _canonical(name)


def subject_of(certificate_der: bytes) -> str | None:
    """The canonical subject of a DER certificate (``ssl_object.getpeercert(binary_form=True)``); None if it
    has none or cannot be read."""
    try:
        name = x509.load_der_x509_certificate(certificate_der).subject
    except (ValueError, TypeError):
        return None
    return _canonical(name) if name.rdns else None


def _canonical(name: x509.Name) -> str:
    return ",".join(sorted(rdn.rfc4514_string() for rdn in name.rdns))
