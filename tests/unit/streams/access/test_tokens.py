"""streams/access/tokens.py: the token format, its hash, and headers that are not tokens."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from streams.access import tokens


def test_a_token_carries_its_id_and_256_random_bits() -> None:
    made = tokens.new_token()
    prefix, credential_id, secret = made.token.split("_", 2)
    assert prefix == "rhk" and credential_id == made.credential_id and len(credential_id) == 16
    assert len(secret) == 43  # 32 bytes, base64url without padding
    assert tokens.credential_id_of(made.token) == made.credential_id
    assert made.digest == hashlib.sha256(made.token.encode()).digest()
    assert tokens.new_token().token != made.token


def test_the_secret_never_shows_in_a_repr() -> None:
    made = tokens.new_token()
    assert made.token not in repr(made) and made.token.split("_", 2)[2] not in repr(made)


def test_only_the_exact_token_matches_its_digest() -> None:
    made = tokens.new_token()
    assert tokens.matches(made.token, made.digest)
    flipped = made.token[:-1] + ("A" if made.token[-1] != "A" else "B")
    assert not tokens.matches(flipped, made.digest)


def test_the_bearer_scheme_in_any_case_with_spaces_around() -> None:
    made = tokens.new_token().token
    for header in (f"Bearer {made}", f"bearer {made}", f"BEARER  {made} ", f"  Bearer {made}"):
        assert tokens.bearer_token(header) == made
    for other in (made, f"Basic {made}", "Bearer", "Bearer ", "", None, 42, b"Bearer x"):
        assert tokens.bearer_token(other) is None


def test_headers_that_are_not_ascii_are_not_tokens() -> None:
    made = tokens.new_token().token
    # aiohttp hands invalid UTF-8 over as lone surrogates (surrogateescape): encoding those would raise.
    for header in (f"Bearer {made}\udcff", "Bearer \udcff\udcfe", f"Bearer {made}é", "Bearer ｒｈｋ"):
        assert tokens.bearer_token(header) is None
    assert tokens.credential_id_of(made[:-1] + "\udcff") is None
    assert tokens.credential_id_of(made + "\n") is None
    assert tokens.credential_id_of("x" * 100_000) is None


@given(st.one_of(st.text(), st.binary(), st.none(), st.integers()))
def test_garbage_never_raises(value: object) -> None:
    assert tokens.bearer_token(value) is None or isinstance(value, str)
    assert tokens.credential_id_of(value) is None
