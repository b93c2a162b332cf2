"""streams/access/rate_limit.py: a burst, then the sustained rate, per partner, with the wait to announce."""

from __future__ import annotations

import pytest

from streams.access.credentials import Principal, Role
from streams.access.rate_limit import RateLimiter

POLICE = Principal("POLICE", Role.PARTNER, "a" * 16)
POLICE_SECOND_TOKEN = Principal("POLICE", Role.PARTNER, "b" * 16)
SOCIAL = Principal("SOCIAL", Role.PARTNER, "c" * 16)


def test_a_burst_then_refusals_with_the_seconds_to_wait() -> None:
    limiter = RateLimiter(rate=2.0, burst=3)
    assert [limiter.take(POLICE, 100.0) for _ in range(3)] == [None, None, None]
    wait = limiter.take(POLICE, 100.0)
    assert wait == pytest.approx(0.5)
    assert limiter.take(POLICE, 100.25) == pytest.approx(0.25), "a refusal takes nothing"
    assert limiter.take(POLICE, 100.5) is None
    assert limiter.take(POLICE, 100.5) == pytest.approx(0.5)


def test_the_sustained_rate() -> None:
    limiter = RateLimiter(rate=10.0, burst=1)
    allowed = sum(limiter.take(POLICE, step / 100) is None for step in range(1000))  # 10 s in 10 ms steps
    assert allowed == pytest.approx(100, abs=1)


def test_a_quiet_spell_refills_only_up_to_the_burst() -> None:
    limiter = RateLimiter(rate=1.0, burst=2)
    assert limiter.take(POLICE, 0.0) is None
    assert [limiter.take(POLICE, 3600.0) for _ in range(3)][:2] == [None, None]
    assert limiter.take(POLICE, 3600.0) is not None


def test_partners_have_their_own_buckets_and_a_partners_tokens_share_one() -> None:
    limiter = RateLimiter(rate=1.0, burst=1)
    assert limiter.take(POLICE, 0.0) is None
    assert limiter.take(POLICE_SECOND_TOKEN, 0.0) is not None, "two tokens during a rotation: no double share"
    assert limiter.take(SOCIAL, 0.0) is None


def test_a_clock_stepping_back_mints_nothing() -> None:
    limiter = RateLimiter(rate=1.0, burst=1)
    assert limiter.take(POLICE, 10.0) is None
    assert limiter.take(POLICE, 5.0) is not None
    assert limiter.take(POLICE, 10.5) is not None
    assert limiter.take(POLICE, 11.0) is None


def test_nonsense_settings_are_refused() -> None:
    for rate, burst in ((0.0, 1.0), (-1.0, 5.0), (1.0, 0.5)):
        with pytest.raises(ValueError):
            RateLimiter(rate, burst)
