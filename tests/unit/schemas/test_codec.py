from datetime import UTC, datetime

import pytest

from schemas.catalogue import SCHEMA_NAMES
from schemas.codec import MAGIC, UnknownSchemaError, codec_for, decode_any


def _link() -> dict[str, object]:
    return {"subject_id": "S-1", "created_at": datetime(2025, 7, 15, 6, 30, tzinfo=UTC)}


def test_single_object_header_is_magic_plus_little_endian_crc64_fingerprint() -> None:
    codec = codec_for("subject_link")
    encoded = codec.encode(_link())
    assert encoded[:2] == MAGIC == b"\xc3\x01"
    assert encoded[2:10] == codec.fingerprint
    assert len(codec.fingerprint) == 8


def test_round_trip_and_decode_by_fingerprint() -> None:
    encoded = codec_for("subject_link").encode(_link())
    name, decoded = decode_any(encoded)
    assert name == "subject_link"
    assert decoded == _link()


def test_every_schema_has_a_distinct_fingerprint() -> None:
    fingerprints = {codec_for(name).fingerprint for name in SCHEMA_NAMES}
    assert len(fingerprints) == len(SCHEMA_NAMES)


@pytest.mark.parametrize("data", [b"", b"\xc3\x01", b"{}", b"\xc3\x01" + b"\x00" * 8 + b"\x02"])
def test_unknown_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(UnknownSchemaError):
        codec_for("subject_link").decode(data)
