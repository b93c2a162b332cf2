"""Every sealed envelope on every topic, and every key the hub holds: what an erasure test needs to show that
nothing of a person still decrypts anywhere.

An envelope is any ``{key_id, nonce, ciphertext}`` found in a record: inside Avro records (single-object
encoded) and inside the JSON values of Faust's changelogs (base64 there). The keys are read the way the hub
reads them: ``subjects.keys`` from the beginning, tombstones applied, unwrapped with the master key.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka.admin import KafkaAdminClient

from processors.privacy import envelopes
from schemas.codec import UnknownSchemaError, codec_for, decode_any
from streams.secrets import load_secrets
from streams.settings import Settings
from tests.support.topics import raw_records


@dataclass(frozen=True)
class Found:
    topic: str
    envelope: envelopes.Sealed


@dataclass
class Scan:
    topics: int = 0
    records: int = 0
    envelopes: list[Found] | None = None


def topic_names(bootstrap: str) -> list[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        return sorted(name for name in admin.list_topics() if not name.startswith("__"))
    finally:
        admin.close()


def _walk(value: Any, base64_bytes: bool) -> Iterator[envelopes.Sealed]:
    if isinstance(value, dict):
        if {"key_id", "nonce", "ciphertext"} <= set(value) and value["key_id"]:
            nonce, ciphertext = value["nonce"], value["ciphertext"]
            if base64_bytes and isinstance(nonce, str) and isinstance(ciphertext, str):
                try:
                    nonce, ciphertext = base64.b64decode(nonce), base64.b64decode(ciphertext)
                except (binascii.Error, ValueError):
                    return
            if isinstance(nonce, bytes) and isinstance(ciphertext, bytes):
                yield envelopes.Sealed(str(value["key_id"]), nonce, ciphertext)
        for item in value.values():
            yield from _walk(item, base64_bytes)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, base64_bytes)


def envelopes_in(value: bytes) -> list[envelopes.Sealed]:
    if value[:2] == b"\xc3\x01":
        try:
            return list(_walk(decode_any(value)[1], base64_bytes=False))
        except UnknownSchemaError:
            return []
    try:
        return list(_walk(json.loads(value), base64_bytes=True))
    except (ValueError, UnicodeDecodeError):
        return []


def scan_all(bootstrap: str) -> Scan:
    """Every envelope on every topic of the broker (changelogs included)."""
    scan = Scan(envelopes=[])
    assert scan.envelopes is not None
    for topic in topic_names(bootstrap):
        scan.topics += 1
        for _, value in raw_records(bootstrap, topic):
            scan.records += 1
            if value:
                scan.envelopes.extend(Found(topic, sealed) for sealed in envelopes_in(value))
    return scan


def hub_keys(bootstrap: str, secrets_file: Path) -> dict[str, bytes]:
    """Every data key the hub holds now, unwrapped."""
    secrets = load_secrets(Settings(secrets_file=secrets_file))
    codec = codec_for("data_key")
    keys: dict[str, bytes] = {}
    for key, value in raw_records(bootstrap, "subjects.keys"):
        key_id = (key or b"").decode()
        if value is None:
            keys.pop(key_id, None)
            continue
        record = codec.decode(value)
        master = secrets.master_key_for(record.get("master_key_version", 1))
        keys[key_id] = envelopes.unwrap_key(master, key_id, record["nonce"], record["wrapped_key"])
    return keys


def opened(sealed: envelopes.Sealed, keys: dict[str, bytes]) -> bytes | None:
    """The plaintext, if any key the hub holds opens it: a subject's (or quarantine) envelope with its own key,
    a per-destination view (``S-…#DEST``) with the key derived from its subject's."""
    view = envelopes.parse_view_key_id(sealed.key_id)
    key = keys.get(sealed.key_id if view is None else view[0])
    if key is None:
        return None
    try:
        if view is not None:
            fields = envelopes.unseal_view(envelopes.view_key(key, view[1]), sealed)
            return json.dumps(fields, ensure_ascii=False).encode()
        return envelopes.unseal(key, sealed)
    except Exception:
        return None
