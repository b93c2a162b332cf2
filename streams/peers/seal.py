"""Requests between workers, signed (HMAC-SHA256) with a key every worker derives from the hub's secrets.

A worker forwards a partner's request to the owner of its key, or asks the owner to decide on records; the owner
must know the call comes from a worker of this hub — an internal route open to anyone would let a partner skip
the gate — and that it is fresh and unaltered. The signature covers the method, the path with its query, the
body's digest and the time; a signed call is good for ``WINDOW_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

HEADER = "X-Refhub-Peer"
WINDOW_SECONDS = 30.0


class PeerSeal:
    def __init__(self, key: bytes, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._clock = clock

    def sign(self, method: str, path_qs: str, body: bytes) -> str:
        stamp = f"{self._clock():.3f}"
        return f"{stamp}.{self._mac(stamp, method, path_qs, body)}"

    def verify(self, header: str | None, method: str, path_qs: str, body: bytes) -> bool:
        if not header or "." not in header:
            return False
        stamp, _, mac = header.rpartition(".")
        try:
            at = float(stamp)
        except ValueError:
            return False
        if abs(self._clock() - at) > WINDOW_SECONDS:
            return False
        return hmac.compare_digest(mac, self._mac(stamp, method, path_qs, body))

    def _mac(self, stamp: str, method: str, path_qs: str, body: bytes) -> str:
        message = b"\n".join([stamp.encode(), method.upper().encode(), path_qs.encode(), hashlib.sha256(body).digest()])
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
