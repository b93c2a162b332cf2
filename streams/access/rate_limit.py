"""A token bucket per partner: ``burst`` requests at once, ``rate`` per second sustained.

Per partner, not per credential, so a partner holding two tokens during a rotation gets no double share.
Pure: the caller passes the time (``time.monotonic()`` in the gateway, any float in a test). Memory is one
small entry per partner that ever called, and partners are a fixed, short list.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.access.credentials import Principal

_EPSILON = 1e-9


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, rate: float, burst: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least one request")
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, _Bucket] = {}

    def take(self, principal: Principal, now: float) -> float | None:
        """None: go ahead (one request counted). Otherwise the seconds until a request would be allowed, for
        ``Retry-After`` (round up: HTTP counts whole seconds). A refused request takes nothing."""
        bucket = self._buckets.get(principal.partner)
        if bucket is None:
            bucket = self._buckets[principal.partner] = _Bucket(self.burst, now)
        # A clock that steps back (an injected one) must not mint requests nor stall the bucket forever.
        elapsed = max(0.0, now - bucket.at)
        bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
        bucket.at = max(bucket.at, now)
        if bucket.tokens >= 1.0 - _EPSILON:  # 10 × 0.1 s at 10/s is one request, not 0.9999999
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self.rate
