"""Sealing personal data under per-subject data keys (AES-256-GCM), per-destination views, and wrapping keys.

Each subject has its own data key; the key is stored only wrapped under the deployment master key.
Deleting the wrapped key (a tombstone on ``subjects.keys``) makes every envelope sealed with it
unreadable in every topic at once: crypto-shredding, the way an erasure order (塗銷) is honoured on an
append-only log.

Two kinds of envelope share the ``Envelope`` record and are told apart by their key id:

* a **subject envelope** (``key_id`` = the subject id, or a submission's quarantine key ``Q-…``): every personal
  field, AES-256-GCM under the data key itself, a random nonce (:func:`seal`);
* a **view envelope** (``key_id`` = ``"<subject_id>#<DESTINATION>"``): only the fields one destination may see
  (``processors.privacy.views``), AES-256-GCM-SIV under a key derived from the subject's data key and the
  destination (:func:`view_key`, :func:`seal_view`). Nothing but the data key is stored, so erasing it shreds
  every view as well; releasing one view key to a case system gives it that destination's fields and nothing
  else (HKDF is one-way: a view key yields neither the data key nor another destination's key).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESGCMSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12

VIEW_KEY_VERSION: Final = "refhub-view-key-v1"
"""Bound into every view key's HKDF ``info``: a new derivation gets a new label (and a new key-id form), so keys
of the two can never be confused."""
VIEW_NONCE_LABEL: Final = b"refhub-view-nonce-v1"
VIEW_SEPARATOR: Final = "#"
"""Between the subject id and the destination in a view key id: ``S-…#SOCIAL``."""
_DESTINATION = re.compile(r"[A-Z][A-Z0-9_]*")


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


def _canonical_json(fields: Mapping[str, Any]) -> bytes:
    # Sorted keys, no spaces: the same fields always give the same bytes (seal_view's determinism needs it).
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def seal_json(data_key: bytes, key_id: str, fields: Mapping[str, Any]) -> Sealed:
    return seal(data_key, key_id, _canonical_json(fields))


def unseal_json(data_key: bytes, sealed: Sealed) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(unseal(data_key, sealed))
    return loaded


def wrap_key(master_key: bytes, key_id: str, data_key: bytes) -> tuple[bytes, bytes]:
    """(nonce, wrapped) of a data key under the master key."""
    sealed = seal(master_key, key_id, data_key)
    return sealed.nonce, sealed.ciphertext


def unwrap_key(master_key: bytes, key_id: str, nonce: bytes, wrapped: bytes) -> bytes:
    return unseal(master_key, Sealed(key_id, nonce, wrapped))


# -- per-destination views ---------------------------------------------------------------------------------


def view_key_id(subject_id: str, destination: str) -> str:
    """``"<subject_id>#<DESTINATION>"``: the key id of ``destination``'s view of ``subject_id``."""
    if not subject_id or VIEW_SEPARATOR in subject_id:
        raise ValueError(f"subject id {subject_id!r} cannot carry a view")
    if not _DESTINATION.fullmatch(destination):
        raise ValueError(f"destination {destination!r} is not an agency code")
    return f"{subject_id}{VIEW_SEPARATOR}{destination}"


def parse_view_key_id(key_id: str) -> tuple[str, str] | None:
    """``(subject_id, destination)`` of a view key id; None for a subject or quarantine key id."""
    subject_id, separator, destination = key_id.partition(VIEW_SEPARATOR)
    if not separator:
        return None
    if not subject_id or not _DESTINATION.fullmatch(destination):
        raise ValueError(f"{key_id!r} is neither a subject key id nor a view key id")
    return subject_id, destination


def view_key(subject_key: bytes, destination: str) -> bytes:
    """The 256-bit key of ``destination``'s views, HKDF-SHA256 of the subject's data key.

    ``info`` binds the derivation's version label and the destination, so each destination gets its own key
    and a released key opens that destination's views only. No salt: the input is already a uniformly random
    key (RFC 5869 §3.1), and the label in ``info`` gives the domain separation.
    """
    if not _DESTINATION.fullmatch(destination):
        raise ValueError(f"destination {destination!r} is not an agency code")
    info = f"{VIEW_KEY_VERSION}{VIEW_SEPARATOR}{destination}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(subject_key)


def view_nonce(key: bytes, context: str) -> bytes:
    """The 96-bit nonce of the view sealed for ``context``: HMAC-SHA256 under the view key, truncated."""
    return hmac.new(key, VIEW_NONCE_LABEL + b"\x1f" + context.encode(), hashlib.sha256).digest()[:NONCE_BYTES]


def seal_view(subject_key: bytes, subject_id: str, destination: str, fields: Mapping[str, Any], context: str) -> Sealed:
    """``fields`` (one destination's view, ``processors.privacy.views.disclose``) sealed for ``destination``.

    Deterministic: the hub's delivery rule is that a re-sent record is byte-identical (consumers dedupe on
    ids), so the same fields sealed for the same ``context`` (the assignment id) give the same bytes on every
    re-send, without storing the envelope. The nonce is derived from the context rather than drawn at random,
    and the cipher is AES-256-GCM-SIV (RFC 8452), which is nonce-misuse resistant: its synthetic IV depends on
    the plaintext as well, so if one context were ever sealed again with *different* fields, an observer would
    learn only that the two differ (and, for identical fields, that they are equal) — never the key stream
    that plain GCM would give away. Different contexts get different nonces, so equal views of two
    assignments do not show as equal ciphertexts either. The key id is the associated data: a view cannot be
    moved under another destination's or another subject's id.
    """
    key_id = view_key_id(subject_id, destination)
    key = view_key(subject_key, destination)
    nonce = view_nonce(key, context)
    return Sealed(key_id, nonce, AESGCMSIV(key).encrypt(nonce, _canonical_json(fields), key_id.encode()))


def unseal_view(key: bytes, sealed: Sealed) -> dict[str, Any]:
    """A view envelope opened with its destination's view key (what a released key lets a case system do).

    Raises ``cryptography.exceptions.InvalidTag`` for any other key, ``ValueError`` for a non-view envelope.
    """
    if parse_view_key_id(sealed.key_id) is None:
        raise ValueError(f"{sealed.key_id!r} is not a view envelope")
    loaded: dict[str, Any] = json.loads(AESGCMSIV(key).decrypt(sealed.nonce, sealed.ciphertext, sealed.key_id.encode()))
    return loaded


def open_envelope(sealed: Sealed, key_for: Callable[[str], bytes | None]) -> dict[str, Any] | None:
    """The fields of a subject envelope or a view envelope; None when the key is gone (the subject was erased).

    ``key_for`` looks a data key up by its id (the vault's ``data_key``): a subject envelope opens with its own
    key, a view envelope with the key derived from its subject's. A tombstoned subject key therefore opens
    neither.
    """
    view = parse_view_key_id(sealed.key_id)
    key = key_for(sealed.key_id if view is None else view[0])
    if key is None:
        return None
    if view is None:
        return unseal_json(key, sealed)
    return unseal_view(view_key(key, view[1]), sealed)


def release_view_key(subject_key: bytes, key_id: str, partner: str) -> bytes:
    """The view key of ``key_id`` for ``partner`` to open its own views with (an audited key-release call).

    Refused (``PermissionError``) unless ``key_id`` is a view of ``partner`` itself: a case system reading its
    topic directly gets its own view's key and never the subject key or another destination's.
    """
    view = parse_view_key_id(key_id)
    if view is None or view[1] != partner:
        raise PermissionError(f"{partner} may not receive the key of {key_id!r}")
    return view_key(subject_key, partner)
