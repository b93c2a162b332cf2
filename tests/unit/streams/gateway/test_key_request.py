"""streams/gateway/keys.py: what a key-release request may ask for; anything else is a 400, never a 500."""

from __future__ import annotations

import pytest

from streams.gateway.keys import MAX_KEYS, _key_ids


def test_a_list_of_view_key_ids_is_read_once_each_in_order() -> None:
    assert _key_ids(b'{"key_ids": ["S-1#SOCIAL", "S-2#SOCIAL", "S-1#SOCIAL"]}') == ["S-1#SOCIAL", "S-2#SOCIAL"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b"[" * 100_000,  # RecursionError inside json.loads
        b'{"key_ids": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"key_ids": ["S-\\ud800#SOCIAL"]}',  # a lone surrogate cannot be encoded into the answer
        b'{"key_ids": ["S-1#SOCIAL\\u0000"]}',
        '{"key_ids": ["S-一#SOCIAL"]}'.encode(),
        b'{"key_ids": []}',
        b'{"key_ids": [1]}',
        b'{"key_ids": "S-1#SOCIAL"}',
        b"1e400",
        ('{"key_ids": [' + ",".join(f'"S-{n}#SOCIAL"' for n in range(MAX_KEYS + 1)) + "]}").encode(),
    ],
)
def test_anything_else_is_no_request(body: bytes) -> None:
    assert _key_ids(body) is None
