"""Bearer tokens: ``rhk_<id>_<secret>``, the credential id inside so a token is found without a search.

The secret is 256 random bits; only SHA-256 of the whole token is stored. A fast, unsalted hash is right
here: a salt and a slow hash (bcrypt, scrypt, Argon2) exist to make guessing a *low-entropy* password from
its hash expensive, but nobody can enumerate 2**256 secrets at any hash speed, and a slow hash would only
make every authenticated request slow (and a cheap way to load the gateway). Hashes are compared in
constant time, so the answer's timing says nothing about how much of a guess was right.

Bad input never raises: whatever a client puts in an ``Authorization`` header (non-ASCII, invalid UTF-8
that aiohttp hands over as surrogates, control characters, megabytes) is simply not a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "rhk"
ID_BYTES = 8
SECRET_BYTES = 32
TOKEN = re.compile(r"rhk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
MAX_HEADER = 256
"""Far longer than any token: a longer header is not looked at."""


@dataclass(frozen=True)
class NewToken:
    credential_id: str
    token: str

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return f"NewToken(credential_id={self.credential_id!r}, token=<hidden>)"

    @property
    def digest(self) -> bytes:
        return digest(self.token)


def new_credential_id() -> str:
    return secrets.token_hex(ID_BYTES)


def new_token(credential_id: str | None = None) -> NewToken:
    credential_id = credential_id or new_credential_id()
    secret = base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")
    return NewToken(credential_id, f"{PREFIX}_{credential_id}_{secret}")


def credential_id_of(token: object) -> str | None:
    """The id inside a well-formed token; None for anything else (never raises)."""
    if not isinstance(token, str) or len(token) > MAX_HEADER or not token.isascii():
        return None
    match = TOKEN.fullmatch(token)
    return match.group(1) if match else None


def digest(token: str) -> bytes:
    """SHA-256 of a token that ``credential_id_of`` accepted (so it is ASCII)."""
    return hashlib.sha256(token.encode("ascii")).digest()


def matches(token: str, stored_digest: bytes) -> bool:
    return hmac.compare_digest(digest(token), stored_digest)


def bearer_token(header: object) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (scheme in any case); None for anything else."""
    if not isinstance(header, str) or len(header) > MAX_HEADER or not header.isascii():
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token
