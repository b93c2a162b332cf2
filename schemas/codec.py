"""Avro single-object encoding (Avro spec, "Single object encoding") with fastavro.

Every message on a hub topic is ``C3 01`` + the writer schema's CRC-64-AVRO fingerprint (8 bytes,
little-endian) + the schemaless Avro body. A reader can tell which schema wrote a message without a
schema registry, and refuses bytes written by a schema it does not know.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

from schemas.catalogue import SCHEMA_NAMES, history_versions, schema_json, schema_text

MAGIC = b"\xc3\x01"
HEADER_LENGTH = len(MAGIC) + 8


class UnknownSchemaError(ValueError):
    """The bytes were not written with the single-object encoding of a schema this hub knows."""


class AvroCodec:
    """Encodes and decodes one schema; decodes any earlier version of it kept in the history."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.schema = fastavro.parse_schema(schema_json(name))
        self.fingerprint = schema_fingerprint(self.schema)
        self._writers: dict[bytes, Any] = {self.fingerprint: self.schema}

    def add_writer_schema(self, writer_schema_json: Mapping[str, Any]) -> None:
        """Accept messages written by an older version (resolved to the current schema on read)."""
        parsed = fastavro.parse_schema(dict(writer_schema_json))
        self._writers[schema_fingerprint(parsed)] = parsed

    def knows(self, writer_fingerprint: bytes) -> bool:
        return writer_fingerprint in self._writers

    def encode(self, record: Mapping[str, Any]) -> bytes:
        out = io.BytesIO()
        out.write(MAGIC)
        out.write(self.fingerprint)
        fastavro.schemaless_writer(out, self.schema, dict(record), strict_allow_default=True)
        return out.getvalue()

    def decode(self, data: bytes) -> dict[str, Any]:
        if len(data) < HEADER_LENGTH or data[:2] != MAGIC:
            raise UnknownSchemaError(f"{self.name}: not Avro single-object encoded")
        writer = self._writers.get(data[2:HEADER_LENGTH])
        if writer is None:
            raise UnknownSchemaError(f"{self.name}: unknown writer fingerprint {data[2:HEADER_LENGTH].hex()}")
        decoded = fastavro.schemaless_reader(io.BytesIO(data[HEADER_LENGTH:]), writer, self.schema)
        if not isinstance(decoded, dict):
            raise UnknownSchemaError(f"{self.name}: not a record")
        return decoded


def schema_fingerprint(parsed_schema: Any) -> bytes:
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed_schema), "CRC-64-AVRO"))


@cache
def codec_for(name: str) -> AvroCodec:
    codec = AvroCodec(name)
    for version in history_versions(name):
        codec.add_writer_schema(json.loads(schema_text(name, version)))
    return codec


def decode_any(data: bytes) -> tuple[str, dict[str, Any]]:
    """Decode a message from any hub topic by its fingerprint (used by ``refhub consume``)."""
    for name in SCHEMA_NAMES:
        codec = codec_for(name)
        if codec.knows(data[2:HEADER_LENGTH]):
            return name, codec.decode(data)
    raise UnknownSchemaError(f"no hub schema has fingerprint {data[2:HEADER_LENGTH].hex()}")
