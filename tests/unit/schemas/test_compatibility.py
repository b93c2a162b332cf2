"""Backward compatibility: the current schema must read every message an earlier version wrote.

Each version that was ever deployed is kept in ``schemas/history/<name>.v<N>.avsc``. Before changing a
schema, copy the current file there as the next version; this test then fails if the change would make
old messages on the topics unreadable (fastavro writer → reader schema resolution).
"""

from __future__ import annotations

import io
import json
from typing import Any

import fastavro
import pytest

from schemas.catalogue import SCHEMA_NAMES, history_versions, schema_json, schema_text


def _example(schema: Any, named: dict[str, Any]) -> Any:
    """A value of every field, so resolution is exercised field by field."""
    if isinstance(schema, str):
        primitives = {
            "string": "x",
            "bytes": b"\x01",
            "int": 1,
            "long": 1,
            "boolean": True,
            "float": 1.0,
            "double": 1.0,
            "null": None,
        }
        return primitives[schema] if schema in primitives else _example(named[schema], named)
    if isinstance(schema, list):
        return _example(next(branch for branch in schema if branch != "null"), named)
    kind = schema["type"]
    if kind in ("record", "enum"):
        named[f"{schema.get('namespace', '')}.{schema['name']}".lstrip(".")] = schema
    if kind == "record":
        return {field["name"]: _example(field["type"], named) for field in schema["fields"]}
    if kind == "enum":
        return schema["symbols"][0]
    if kind == "map":
        return {"k": _example(schema["values"], named)}
    if kind == "array":
        return [_example(schema["items"], named)]
    return _example(kind, named)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_current_schema_reads_every_historic_version(name: str) -> None:
    versions = history_versions(name)
    assert versions, f"schemas/history has no version of {name}: copy {name}.avsc there as v1"
    reader = fastavro.parse_schema(schema_json(name))
    for version in versions:
        writer_json = json.loads(schema_text(name, version))
        writer = fastavro.parse_schema(writer_json)
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, writer, _example(writer_json, {}))
        buffer.seek(0)
        fastavro.schemaless_reader(buffer, writer, reader)


def test_an_incompatible_change_is_detected() -> None:
    """The check above must be able to fail: a new required field without a default cannot read v1."""
    old = json.loads(schema_text("subject_link", 1))
    new = json.loads(json.dumps(old))
    new["fields"].append({"name": "added_without_default", "type": "string"})
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(old), _example(old, {}))
    buffer.seek(0)
    with pytest.raises(fastavro.read.SchemaResolutionError):
        fastavro.schemaless_reader(buffer, fastavro.parse_schema(old), fastavro.parse_schema(new))
