"""The Avro single-object codec (schemas/codec.py) registered as Faust codecs ``avro.<schema>``."""

from __future__ import annotations

from typing import Any

from faust.serializers import codecs

from schemas.catalogue import SCHEMA_NAMES
from schemas.codec import AvroCodec, codec_for


class FaustAvroCodec(codecs.Codec):
    def __init__(self, avro: AvroCodec) -> None:
        super().__init__()
        self.avro = avro

    def _dumps(self, obj: Any) -> bytes:
        return self.avro.encode(obj)

    def _loads(self, data: bytes) -> Any:
        return self.avro.decode(data)


def codec_name(schema: str) -> str:
    return f"avro.{schema}"


def register_all() -> None:
    for name in SCHEMA_NAMES:
        codecs.register(codec_name(name), FaustAvroCodec(codec_for(name)))
