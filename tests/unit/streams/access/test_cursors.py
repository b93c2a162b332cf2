"""streams/access/cursors.py: a sealed cursor opens only for its partner and stream, and anything else —
garbage, tampering, positions out of range even under the right key — is one BadCursor, never a crash."""

from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from streams.access import cursors
from streams.access.cursors import BadCursor, CursorSeal, open_cursor, seal_cursor

KEY = bytes(range(32))
OTHER_KEY = bytes(32)
POSITIONS = {0: 17, 1: 0, 2: 2**63 - 1}


def test_a_cursor_opens_to_its_positions() -> None:
    text = seal_cursor(KEY, "SOCIAL", "assignments", POSITIONS)
    assert open_cursor(KEY, text, "SOCIAL", "assignments") == POSITIONS
    assert text.startswith("c1.") and text.isascii() and "=" not in text


def test_no_cursor_starts_from_the_beginning() -> None:
    assert open_cursor(KEY, None, "SOCIAL", "assignments") == {}
    assert open_cursor(KEY, "", "SOCIAL", "assignments") == {}


def test_the_positions_are_not_readable_and_two_seals_differ() -> None:
    first = seal_cursor(KEY, "SOCIAL", "assignments", {0: 123456})
    assert "123456" not in first and "123456" not in base64.urlsafe_b64decode(first[3:] + "==").decode("latin1")
    assert first != seal_cursor(KEY, "SOCIAL", "assignments", {0: 123456})


@pytest.mark.parametrize(
    ("key", "partner", "stream"),
    [(OTHER_KEY, "SOCIAL", "assignments"), (KEY, "POLICE", "assignments"), (KEY, "SOCIAL", "status")],
)
def test_another_key_partner_or_stream_is_refused(key: bytes, partner: str, stream: str) -> None:
    text = seal_cursor(KEY, "SOCIAL", "assignments", POSITIONS)
    with pytest.raises(BadCursor):
        open_cursor(key, text, partner, stream)


def test_every_single_character_change_is_refused() -> None:
    text = seal_cursor(KEY, "SOCIAL", "assignments", {0: 5})
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for index in range(len(text)):
        for replacement in {alphabet[(alphabet.find(text[index]) + 1) % 64], "=", "."}:
            tampered = text[:index] + replacement + text[index + 1 :]
            if tampered != text:
                with pytest.raises(BadCursor):
                    open_cursor(KEY, tampered, "SOCIAL", "assignments")
    for tampered in (text[:-1], text + "A", text[3:], "c2." + text[3:], text + "\n"):
        with pytest.raises(BadCursor):
            open_cursor(KEY, tampered, "SOCIAL", "assignments")


def _sealed_by_hand(plain: bytes, partner: str = "SOCIAL", stream: str = "assignments") -> str:
    """What a leaked key could make: well sealed, badly filled."""
    nonce = os.urandom(12)
    bound = json.dumps(["refhub-cursor", 1, partner, stream]).encode()
    return "c1." + base64.urlsafe_b64encode(nonce + AESGCM(KEY).encrypt(nonce, plain, bound)).decode().rstrip("=")


@pytest.mark.parametrize(
    "plain",
    [
        b'{"0": 1e+30}',
        b"[[0, 1e+30]]",
        b"[[0, 1e400]]",
        b"[[0, NaN]]",
        b"[[0, Infinity]]",
        b"[[0, -1]]",
        b"[[0, 9223372036854775808]]",
        b"[[-1, 0]]",
        b"[[1024, 0]]",
        b"[[0, true]]",
        b'[[0, "5"]]',
        b"[[0, 5.0]]",
        b"[[0, 1], [0, 2]]",
        b"[[0, 1, 2]]",
        b"[0]",
        b"null",
        b"{}",
        b'"x"',
        b"[" * 100_000,
        b"\xff\xfe",
        json.dumps([[p, 0] for p in range(1025)]).encode(),
    ],
)
def test_positions_out_of_range_are_refused_even_under_the_right_key(plain: bytes) -> None:
    with pytest.raises(BadCursor):
        open_cursor(KEY, _sealed_by_hand(plain), "SOCIAL", "assignments")


def test_the_hand_made_seal_is_the_real_format() -> None:
    assert open_cursor(KEY, _sealed_by_hand(b"[[0, 3]]"), "SOCIAL", "assignments") == {0: 3}


def test_sealing_refuses_positions_out_of_range() -> None:
    for bad in ({0: -1}, {0: 2**63}, {-1: 0}, {cursors.MAX_PARTITIONS: 0}):
        with pytest.raises(ValueError):
            seal_cursor(KEY, "SOCIAL", "assignments", bad)


def test_the_seal_object_and_its_key_check() -> None:
    seal = CursorSeal(KEY)
    assert seal.open(seal.seal("EDU", "status", {3: 4}), "EDU", "status") == {3: 4}
    assert "\\x" not in repr(seal) and str(KEY) not in repr(seal)
    with pytest.raises(ValueError):
        CursorSeal(b"short")


@given(st.one_of(st.text(max_size=2000), st.binary(max_size=200), st.none(), st.integers(), st.floats()))
def test_garbage_is_a_bad_cursor_and_nothing_else(value: object) -> None:
    try:
        opened = open_cursor(KEY, value, "SOCIAL", "assignments")
    except BadCursor:
        return
    assert value in (None, "") and opened == {}


@given(st.binary(min_size=0, max_size=300))
def test_random_sealed_looking_text_is_a_bad_cursor(raw: bytes) -> None:
    with pytest.raises(BadCursor):
        open_cursor(KEY, "c1." + base64.urlsafe_b64encode(raw).decode().rstrip("="), "SOCIAL", "assignments")


@given(
    st.dictionaries(
        st.integers(0, cursors.MAX_PARTITIONS - 1),
        st.integers(0, cursors.MAX_OFFSET - 1),
        max_size=cursors.MAX_PARTITIONS,
    ),
    st.text(min_size=1, max_size=20),
    st.text(min_size=1, max_size=20),
)
def test_any_valid_positions_round_trip(positions: dict[int, int], partner: str, stream: str) -> None:
    text = seal_cursor(KEY, partner, stream, positions)
    assert len(text) <= cursors.MAX_TEXT
    assert open_cursor(KEY, text, partner, stream) == positions
