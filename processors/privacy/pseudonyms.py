"""Keyed lookup hashes and random subject ids (假名化).

The national ID never leaves the edge. The hub keys its subject lookup table by an HMAC of the ID under a
deployment secret, so the table cannot be reversed by hashing every possible ID; the subject id itself is
random, so it carries nothing about the person and stays valid after the lookup entry is erased.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def lookup_key(secret: bytes, namespace: str, identifier: str) -> str:
    """Hex HMAC-SHA256 of an identifier; ``namespace`` keeps national IDs and e-mails apart."""
    message = f"{namespace}\x1f{identifier.strip().upper()}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def new_subject_id() -> str:
    return "S-" + secrets.token_hex(12)
