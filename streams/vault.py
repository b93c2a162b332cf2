"""The key vault: subject lookup (HMAC → subject id) and wrapped data keys, kept on two compacted topics.

Every hub process reads both topics to the end before it serves, then keeps tailing them (streams/follow.py),
so a subject created by another process is found. New entries are written (and acknowledged by the broker) before
they are used: a sealed envelope never exists whose key is not durable. An erasure writes tombstones and
forgets the keys at once in this process; the others forget them as their tail reaches the tombstones, and
``sync`` lets a decision that must not miss a recent write wait until the tail has caught up.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from processors.privacy import envelopes, pseudonyms
from schemas.codec import codec_for
from streams.follow import Batches, TopicFollower
from streams.secrets import HubSecrets
from streams.topology import SUBJECT_KEYS, SUBJECT_LOOKUP

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes, bytes | None], Awaitable[None]]
"""(topic, key, value or None for a tombstone) → awaits the broker's acknowledgement."""


@dataclass(frozen=True)
class SubjectKey:
    subject_id: str
    data_key: bytes
    created: bool


class KeyVault(TopicFollower):
    def __init__(
        self,
        secrets: HubSecrets,
        bootstrap_servers: list[str],
        publish: Publish,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__((SUBJECT_LOOKUP.name, SUBJECT_KEYS.name), bootstrap_servers, client_options, "refhub-vault")
        self._secrets = secrets
        self._publish = publish
        self._links: dict[str, str] = {}
        self._keys: dict[str, bytes] = {}
        self._names: dict[str, set[str]] = {}
        """lookup key → key ids of quarantine keys whose content names that person."""
        self._shredded: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._synced_generation: int | None = None
        """The consumer generation after whose assignment this process last caught up before making a subject."""
        self._link_codec = codec_for(SUBJECT_LOOKUP.schema)
        self._key_codec = codec_for(SUBJECT_KEYS.schema)

    def on_ready(self) -> None:
        log.info("key vault ready: %d subjects, %d keys", len(self._links), len(self._keys))

    def apply(self, batches: Batches) -> None:
        for tp, messages in batches.items():
            for message in messages:
                key = message.key.decode()
                if tp.topic == SUBJECT_LOOKUP.name:
                    if message.value is None:
                        self._links.pop(key, None)
                    else:
                        self._links[key] = self._link_codec.decode(message.value)["subject_id"]
                elif message.value is None:
                    self._forget(key)
                else:
                    record = self._key_codec.decode(message.value)
                    master = self._secrets.master_key_for(record.get("master_key_version", 1))
                    self._keys[key] = envelopes.unwrap_key(master, key, record["nonce"], record["wrapped_key"])
                    self._shredded.discard(key)
                    for name in record.get("names") or ():
                        self._names.setdefault(name, set()).add(key)

    def _forget(self, key_id: str) -> None:
        self._keys.pop(key_id, None)
        self._shredded.add(key_id)
        for holders in self._names.values():
            holders.discard(key_id)

    # -- using and creating keys ---------------------------------------------------------------------

    def data_key(self, key_id: str) -> bytes | None:
        return self._keys.get(key_id)

    def key_ids(self) -> list[str]:
        """Every key this process holds (the erasure test decrypts with all of them)."""
        return sorted(self._keys)

    def shredded(self, key_id: str) -> bool:
        """True when this process has seen the key's tombstone (an erasure), not merely never seen the key."""
        return key_id in self._shredded

    def lookup(self, namespace: str, identifier: str) -> str | None:
        return self._links.get(pseudonyms.lookup_key(self._secrets.lookup_key, namespace, identifier))

    def subject_for(self, lookup_key: str) -> str | None:
        """The subject a lookup key (HMAC of an identifier) names, if linked."""
        return self._links.get(lookup_key)

    def keys_naming(self, lookup_key: str) -> list[str]:
        """Quarantine keys (dead letters, orders) whose content names the person with this lookup key."""
        return sorted(self._names.get(lookup_key, ()))

    async def subject(self, namespace: str, identifier: str) -> SubjectKey:
        """The person's subject id and data key, created (durably) on first sight."""
        return await self.subject_by_lookup(pseudonyms.lookup_key(self._secrets.lookup_key, namespace, identifier))

    def known_subject(self, lookup_key: str) -> SubjectKey | None:
        subject_id = self._links.get(lookup_key)
        if subject_id is not None and subject_id in self._keys:
            return SubjectKey(subject_id, self._keys[subject_id], created=False)
        return None

    async def subject_by_lookup(self, lookup_key: str, generation: int = 0) -> SubjectKey:
        """The subject a lookup key names, made if there is none. Only the worker that owns the lookup key's
        partition calls this (streams/peers/intake.py), one call at a time per key. Once per assignment
        (``generation``) it first catches up with the topics: the owner before it may have made the subject a
        moment before the rebalance; after that, every subject of its partitions is made here."""
        async with self._locks.setdefault(lookup_key, asyncio.Lock()):
            known = self.known_subject(lookup_key)
            if known is None and self.ready.is_set() and generation != self._synced_generation:
                await self.sync()
                self._synced_generation = generation
                known = self.known_subject(lookup_key)
            if known is not None:
                return known
            subject_id = pseudonyms.new_subject_id()
            data_key = await self._create_key(subject_id)
            link = self._link_codec.encode({"subject_id": subject_id, "created_at": _now()})
            await self._publish(SUBJECT_LOOKUP.name, lookup_key.encode(), link)
            self._links[lookup_key] = subject_id
            return SubjectKey(subject_id, data_key, created=True)

    def export(self, subject: SubjectKey, lookup_key: str) -> dict[str, Any]:
        """A subject's data key wrapped under the current master key, for another worker of the hub (which holds
        the same master keys) to adopt without waiting for its tail of subjects.keys."""
        version = self._secrets.current_master_version
        nonce, wrapped = envelopes.wrap_key(self._secrets.master_key_for(version), subject.subject_id, subject.data_key)
        return {
            "subject_id": subject.subject_id,
            "created": subject.created,
            "lookup_key": lookup_key,
            "master_key_version": version,
            "nonce": base64.b64encode(nonce).decode(),
            "wrapped_key": base64.b64encode(wrapped).decode(),
        }

    def adopt(self, exported: Mapping[str, Any]) -> SubjectKey:
        """The subject another worker made (or knew), its key unwrapped here (raises if the wrapping is not the
        hub's: a forged answer cannot plant a key)."""
        subject_id = str(exported["subject_id"])
        master = self._secrets.master_key_for(int(exported["master_key_version"]))
        nonce, wrapped = base64.b64decode(exported["nonce"]), base64.b64decode(exported["wrapped_key"])
        data_key = envelopes.unwrap_key(master, subject_id, nonce, wrapped)
        if not self.shredded(subject_id):
            self._keys.setdefault(subject_id, data_key)
            self._links.setdefault(str(exported["lookup_key"]), subject_id)
        return SubjectKey(subject_id, data_key, created=bool(exported["created"]))

    async def key_of(self, subject_id: str) -> bytes | None:
        """A data key another worker made a moment ago: waits for this process's tail to reach it."""
        found = self._keys.get(subject_id)
        if found is None and not self.shredded(subject_id):
            await self.sync()
            found = self._keys.get(subject_id)
        return found

    async def quarantine_key(self, key_id: str, names: Iterable[str] = ()) -> bytes:
        """A data key for records with no valid subject (a dead letter, an order); ``names`` are the lookup keys
        of the people its content names, so an erasure order for one of them finds and shreds it."""
        existing = self._keys.get(key_id)
        return existing if existing is not None else await self._create_key(key_id, sorted(set(names)))

    async def _create_key(self, key_id: str, names: list[str] | None = None) -> bytes:
        data_key = envelopes.new_data_key()
        version = self._secrets.current_master_version
        nonce, wrapped = envelopes.wrap_key(self._secrets.master_key_for(version), key_id, data_key)
        value = self._key_codec.encode(
            {
                "key_id": key_id,
                "nonce": nonce,
                "wrapped_key": wrapped,
                "created_at": _now(),
                "master_key_version": version,
                "names": names or [],
            }
        )
        await self._publish(SUBJECT_KEYS.name, key_id.encode(), value)
        self._keys[key_id] = data_key
        self._shredded.discard(key_id)
        for name in names or ():
            self._names.setdefault(name, set()).add(key_id)
        return data_key

    async def shred(self, key_ids: Iterable[str], lookup_keys: Iterable[str]) -> None:
        """Crypto-shredding: tombstone the data keys and the lookup links (durably), and forget them here."""
        key_ids, lookup_keys = list(key_ids), list(lookup_keys)
        sends = [self._publish(SUBJECT_KEYS.name, key_id.encode(), None) for key_id in key_ids]
        sends += [self._publish(SUBJECT_LOOKUP.name, lookup_key.encode(), None) for lookup_key in lookup_keys]
        await asyncio.gather(*sends)
        for key_id in key_ids:
            self._forget(key_id)
        for lookup_key in lookup_keys:
            self._links.pop(lookup_key, None)


def _now() -> datetime:
    return datetime.fromtimestamp(time.time(), UTC)
