"""streams/peers/seal.py: a worker's signature opens the routes between workers; nothing else does."""

from __future__ import annotations

from streams.peers.seal import WINDOW_SECONDS, PeerSeal

KEY = b"k" * 32


def test_a_signed_request_verifies() -> None:
    seal = PeerSeal(KEY, clock=lambda: 1000.0)
    header = seal.sign("POST", "/internal/v1/records", b'{"a":1}')
    assert seal.verify(header, "POST", "/internal/v1/records", b'{"a":1}')


def test_another_body_path_method_or_key_does_not() -> None:
    seal = PeerSeal(KEY, clock=lambda: 1000.0)
    header = seal.sign("POST", "/internal/v1/records", b'{"a":1}')
    assert not seal.verify(header, "POST", "/internal/v1/records", b'{"a":2}')
    assert not seal.verify(header, "POST", "/internal/v1/tables", b'{"a":1}')
    assert not seal.verify(header, "GET", "/internal/v1/records", b'{"a":1}')
    assert not PeerSeal(b"x" * 32, clock=lambda: 1000.0).verify(header, "POST", "/internal/v1/records", b'{"a":1}')


def test_a_stale_or_malformed_signature_does_not() -> None:
    header = PeerSeal(KEY, clock=lambda: 1000.0).sign("GET", "/v1/referrals/R-1", b"")
    late = PeerSeal(KEY, clock=lambda: 1000.0 + WINDOW_SECONDS + 1)
    assert not late.verify(header, "GET", "/v1/referrals/R-1", b"")
    for bad in (None, "", "nodot", "abc.def", "1000.0."):
        assert not late.verify(bad, "GET", "/v1/referrals/R-1", b"")
