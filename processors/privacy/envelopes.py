"""Sealing personal data under per-subject data keys (AES-256-GCM), and wrapping those keys.

Each subject has its own data key; the key is stored only wrapped under the deployment master key.
Deleting the wrapped key (a tombstone on ``subjects.keys``) makes every envelope sealed with it
unreadable in every topic at once: crypto-shredding, the way an erasure order (塗銷) is honoured on an
append-only log.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


@dataclass(frozen=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes

    def as_record(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "nonce": self.nonce, "ciphertext": self.ciphertext}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Sealed:
        return cls(record["key_id"], record["nonce"], record["ciphertext"])


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(data_key: bytes, key_id: str, plaintext: bytes) -> Sealed:
    """Encrypt with a fresh nonce; the key id is bound as associated data, so an envelope cannot be
    moved under another subject's id."""
    nonce = os.urandom(NONCE_BYTES)
    return Sealed(key_id, nonce, AESGCM(data_key).encrypt(nonce, plaintext, key_id.encode()))


def unseal(data_key: bytes, sealed: Sealed) -> bytes:
    return AESGCM(data_key).decrypt(sealed.nonce, sealed.ciphertext, sealed.key_id.encode())


def seal_json(data_key: bytes, key_id: str, fields: dict[str, Any]) -> Sealed:
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return seal(data_key, key_id, payload.encode())


def unseal_json(data_key: bytes, sealed: Sealed) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(unseal(data_key, sealed))
    return loaded


def wrap_key(master_key: bytes, key_id: str, data_key: bytes) -> tuple[bytes, bytes]:
    """(nonce, wrapped) of a data key under the master key."""
    sealed = seal(master_key, key_id, data_key)
    return sealed.nonce, sealed.ciphertext


def unwrap_key(master_key: bytes, key_id: str, nonce: bytes, wrapped: bytes) -> bytes:
    return unseal(master_key, Sealed(key_id, nonce, wrapped))
