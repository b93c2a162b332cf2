"""Sealed pull cursors: where a partner's last pull stopped, readable only by the hub.

A cursor used to be base64 JSON of partition → offset on a shared topic: it told every partner the hub's
whole volume, and a tampered one reached the topic reader (``{"0": 1e+30}`` killed it for everyone). Now
the positions travel sealed with AES-256-GCM under a key only the hub holds, bound (as associated data) to
the partner and the stream they belong to: a cursor cannot be read, forged, edited, or replayed by another
partner or on another stream. Opening is strict all the same — ints only, offsets in Kafka's range, a
bounded number of partitions — so that even a leaked key cannot put a poisoned position into the reader.

Text: ``c1.`` + base64url(nonce ‖ ciphertext ‖ tag), no padding; canonical base64 only, so no two texts
open to the same cursor.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "c1."
NONCE_BYTES = 12
MAX_PARTITIONS = 1024
MAX_OFFSET = 2**63
"""Offsets are int64 in Kafka: 0 ≤ offset < 2**63."""
MAX_TEXT = 64 + 48 * MAX_PARTITIONS
"""Enough for MAX_PARTITIONS partitions at the largest offsets; a longer text is refused unread."""
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class BadCursor(ValueError):
    """Malformed, tampered, for another partner or stream, or out of range: one answer for all of them."""


def seal_cursor(key: bytes, partner: str, stream: str, positions: Mapping[int, int]) -> str:
    """The text a partner gets in ``X-Refhub-Next-Cursor``."""
    _check(positions)
    plain = json.dumps(sorted(positions.items()), separators=(",", ":")).encode()
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + AESGCM(key).encrypt(nonce, plain, _bound(partner, stream))
    return VERSION + base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def open_cursor(key: bytes, text: object, partner: str, stream: str) -> dict[int, int]:
    """The positions (partition → next offset) a cursor sealed; ``{}`` for no cursor (start from the oldest
    record kept). Raises only ``BadCursor``, whatever the text."""
    if text is None or text == "":
        return {}
    if not isinstance(text, str) or len(text) > MAX_TEXT or not text.isascii() or not text.startswith(VERSION):
        raise BadCursor("not a cursor")
    body = text[len(VERSION) :]
    if not _BASE64URL.fullmatch(body):
        raise BadCursor("not a cursor")
    try:
        sealed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise BadCursor("not a cursor") from None
    if base64.urlsafe_b64encode(sealed).decode().rstrip("=") != body or len(sealed) < NONCE_BYTES + 16:
        raise BadCursor("not a cursor")
    try:
        plain = AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _bound(partner, stream))
    except InvalidTag:
        raise BadCursor("not a cursor of this partner and stream") from None
    return _positions(plain)


def _bound(partner: str, stream: str) -> bytes:
    return json.dumps(["refhub-cursor", 1, partner, stream], ensure_ascii=True).encode()


def _positions(plain: bytes) -> dict[int, int]:
    try:
        loaded: Any = json.loads(plain, parse_constant=_refuse, parse_float=_refuse)
    except (ValueError, RecursionError):
        raise BadCursor("not a cursor") from None
    if not isinstance(loaded, list) or len(loaded) > MAX_PARTITIONS:
        raise BadCursor("not a cursor")
    positions: dict[int, int] = {}
    for item in loaded:
        if not isinstance(item, list) or len(item) != 2:
            raise BadCursor("not a cursor")
        partition, offset = item
        if not _int_in(partition, MAX_PARTITIONS) or not _int_in(offset, MAX_OFFSET) or partition in positions:
            raise BadCursor("position out of range")
        positions[partition] = offset
    return positions


def _check(positions: Mapping[int, int]) -> None:
    if len(positions) > MAX_PARTITIONS or not all(
        _int_in(p, MAX_PARTITIONS) and _int_in(o, MAX_OFFSET) for p, o in positions.items()
    ):
        raise ValueError("positions out of range")


def _int_in(value: object, bound: int) -> bool:
    return type(value) is int and 0 <= value < bound


def _refuse(text: str) -> Any:
    raise ValueError(f"not an int: {text}")


class CursorSeal:
    """The cursor functions under one key (``HubSecrets.cursor_key``), for the gateway to hold."""

    def __init__(self, key: bytes) -> None:
        AESGCM(key)  # refuses a key of the wrong length now, not at the first pull
        self._key = key

    def __repr__(self) -> str:
        return "CursorSeal(<key>)"

    def seal(self, partner: str, stream: str, positions: Mapping[int, int]) -> str:
        return seal_cursor(self._key, partner, stream, positions)

    def open(self, text: object, partner: str, stream: str) -> dict[int, int]:
        return open_cursor(self._key, text, partner, stream)
