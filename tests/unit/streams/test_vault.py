"""The key vault's bookkeeping, without a broker: master-key versions, tombstones, and the people a key names."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import TopicPartition

from processors.privacy import envelopes
from schemas.codec import codec_for
from streams.secrets import HubSecrets
from streams.topology import SUBJECT_KEYS, SUBJECT_LOOKUP
from streams.vault import KeyVault

OLD, NEW = os.urandom(32), os.urandom(32)


@dataclass
class Record:
    key: bytes
    value: bytes | None
    offset: int = 0


def vault(current: int = 2, published: list[tuple[str, bytes, bytes | None]] | None = None) -> KeyVault:
    async def publish(topic: str, key: bytes, value: bytes | None) -> None:
        if published is not None:
            published.append((topic, key, value))

    secrets = HubSecrets(lookup_key=os.urandom(32), master_keys={1: OLD, 2: NEW}, current_master_version=current)
    return KeyVault(secrets, ["127.0.0.1:1"], publish)


def wrapped(key_id: str, data_key: bytes, master: bytes, version: int, names: list[str] | None = None) -> bytes:
    nonce, wrapped_key = envelopes.wrap_key(master, key_id, data_key)
    record: dict[str, Any] = {
        "key_id": key_id,
        "nonce": nonce,
        "wrapped_key": wrapped_key,
        "created_at": datetime.now(UTC),
        "master_key_version": version,
        "names": names or [],
    }
    return codec_for(SUBJECT_KEYS.schema).encode(record)


def keys(*records: Record) -> dict[TopicPartition, list[Any]]:
    return {TopicPartition(SUBJECT_KEYS.name, 0): list(records)}


def test_keys_wrapped_under_an_older_master_key_still_open_after_a_rotation() -> None:
    held = vault(current=2)
    before, after = envelopes.new_data_key(), envelopes.new_data_key()
    held.apply(
        keys(Record(b"S-old", wrapped("S-old", before, OLD, 1)), Record(b"S-new", wrapped("S-new", after, NEW, 2)))
    )
    assert held.data_key("S-old") == before and held.data_key("S-new") == after


def test_new_keys_are_wrapped_under_the_current_master_key_and_name_their_people() -> None:
    published: list[tuple[str, bytes, bytes | None]] = []
    held = vault(current=2, published=published)
    asyncio.run(held.quarantine_key("Q-SUB-1/3", ["hmac-of-an-id"]))
    ((topic, key, value),) = published
    assert topic == SUBJECT_KEYS.name and key == b"Q-SUB-1/3" and value is not None
    record = codec_for(SUBJECT_KEYS.schema).decode(value)
    assert record["master_key_version"] == 2 and record["names"] == ["hmac-of-an-id"]
    assert envelopes.unwrap_key(NEW, "Q-SUB-1/3", record["nonce"], record["wrapped_key"]) == held.data_key("Q-SUB-1/3")
    assert held.keys_naming("hmac-of-an-id") == ["Q-SUB-1/3"]


def test_a_tombstone_forgets_the_key_and_marks_it_shredded_not_merely_unknown() -> None:
    held = vault()
    held.apply(keys(Record(b"Q-1", wrapped("Q-1", envelopes.new_data_key(), NEW, 2, ["hmac"]))))
    held.apply(keys(Record(b"Q-1", None, 1)))
    assert held.data_key("Q-1") is None and held.shredded("Q-1") and not held.shredded("Q-never")
    assert held.keys_naming("hmac") == []


def test_shredding_writes_tombstones_for_keys_and_links_and_forgets_them_here() -> None:
    published: list[tuple[str, bytes, bytes | None]] = []
    held = vault(published=published)
    held.apply(keys(Record(b"S-1", wrapped("S-1", envelopes.new_data_key(), NEW, 2))))
    link = codec_for(SUBJECT_LOOKUP.schema).encode({"subject_id": "S-1", "created_at": datetime.now(UTC)})
    held.apply({TopicPartition(SUBJECT_LOOKUP.name, 0): [Record(b"hmac", link)]})
    assert held.subject_for("hmac") == "S-1"
    asyncio.run(held.shred(["S-1"], ["hmac"]))
    assert sorted((topic, key, value) for topic, key, value in published) == [
        (SUBJECT_KEYS.name, b"S-1", None),
        (SUBJECT_LOOKUP.name, b"hmac", None),
    ]
    assert held.data_key("S-1") is None and held.subject_for("hmac") is None and held.shredded("S-1")


def test_a_subject_made_by_its_owner_is_adopted_by_another_worker_without_waiting_for_the_topic() -> None:
    lookup_key = "L" * 43
    secrets = HubSecrets(lookup_key=os.urandom(32), master_keys={1: OLD, 2: NEW}, current_master_version=2)

    async def publish(topic: str, key: bytes, value: bytes | None) -> None:
        pass

    owner, other = (KeyVault(secrets, ["127.0.0.1:1"], publish) for _ in range(2))
    made = asyncio.run(owner.subject_by_lookup(lookup_key))  # not ready: no catching up to do
    adopted = other.adopt(owner.export(made, lookup_key))
    assert (adopted.subject_id, adopted.data_key, adopted.created) == (made.subject_id, made.data_key, True)
    assert other.subject_for(lookup_key) == made.subject_id and other.data_key(made.subject_id) == made.data_key


def test_an_answer_not_wrapped_under_the_hubs_master_key_plants_nothing() -> None:
    import pytest
    from cryptography.exceptions import InvalidTag

    lookup_key = "M" * 43
    owner, other = vault(), vault()  # the same master keys: the forgery is wrapped under a stranger's key
    made = asyncio.run(owner.subject_by_lookup(lookup_key))
    forged = owner.export(made, lookup_key)
    nonce, wrapped_key = envelopes.wrap_key(os.urandom(32), made.subject_id, os.urandom(32))
    import base64

    forged.update(nonce=base64.b64encode(nonce).decode(), wrapped_key=base64.b64encode(wrapped_key).decode())
    with pytest.raises(InvalidTag):
        other.adopt(forged)
    assert other.subject_for(lookup_key) is None and other.data_key(made.subject_id) is None
