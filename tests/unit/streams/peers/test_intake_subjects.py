"""streams/peers/intake.py: a file's new people are made by their lookup keys' owners, one call per owner."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from processors.privacy import pseudonyms
from streams.peers.client import PeerUnavailable
from streams.peers.intake import LOOKUPS, SUBJECTS_PATH, HubPeers
from streams.secrets import HubSecrets
from streams.vault import KeyVault

SECRETS = HubSecrets(lookup_key=os.urandom(32), master_keys={1: os.urandom(32)}, current_master_version=1)
OWNER = "http://w2:8080"


def vault(published: list[str]) -> KeyVault:
    async def publish(topic: str, key: bytes, value: bytes | None) -> None:
        published.append(topic)

    return KeyVault(SECRETS, ["127.0.0.1:1"], publish)


class HalfOwned:
    """Lookup keys starting with a digit are this worker's own; every other one is OWNER's."""

    def owner(self, table: str, key: str) -> str | None:
        assert table == LOOKUPS
        return None if key[0].isdigit() else OWNER


class OwnerCalls:
    """The owner's /internal/v1/subjects, as streams/gateway/peers.py answers it, on the owner's own vault."""

    def __init__(self, owner: KeyVault, tamper: bool = False) -> None:
        self.owner = owner
        self.calls: list[list[str]] = []
        self.tamper = tamper

    async def post_json(self, base: str, path: str, payload: Any) -> Any:
        assert (base, path) == (OWNER, SUBJECTS_PATH)
        keys = payload["lookup_keys"]
        self.calls.append(keys)
        made = [await self.owner.subject_by_lookup(key) for key in keys]
        exported = [self.owner.export(subject, key) for subject, key in zip(made, keys, strict=True)]
        return {"subjects": exported[::-1] if self.tamper else exported}


def peers(client: OwnerCalls, here: KeyVault) -> HubPeers:
    return HubPeers(HalfOwned(), client, here, SECRETS.lookup_key)  # type: ignore[arg-type]


def people(n: int) -> list[tuple[str, str]]:
    return [("NID", f"A1{i:08d}") for i in range(n)]


def test_a_files_new_people_are_one_call_per_owner_and_then_known_here() -> None:
    owner_wrote: list[str] = []
    here_wrote: list[str] = []
    client = OwnerCalls(vault(owner_wrote))
    here = vault(here_wrote)
    hub = peers(client, here)
    who = people(25) + people(3)  # a person twice in one file is asked for once

    async def scenario() -> None:
        await hub.prepare_subjects(who)
        assert len(client.calls) == 1
        theirs = [k for k in (pseudonyms.lookup_key(SECRETS.lookup_key, *p) for p in people(25)) if not k[0].isdigit()]
        assert client.calls[0] == theirs, "each of the owner's people once, in file order"
        # Publishing then finds every one of them here: no second call, and this worker made none of theirs.
        for namespace, identifier in who:
            subject = await hub.subject(namespace, identifier)
            assert subject.subject_id.startswith("S-")
        assert len(client.calls) == 1
        assert len(owner_wrote) == 2 * len(theirs), "a key and a lookup link per person, made by the owner"
        assert len(here_wrote) == 2 * (25 - len(theirs)), "this worker's own people, made here"
        await hub.prepare_subjects(who)
        assert len(client.calls) == 1, "people already known are not asked for again"

    asyncio.run(scenario())


def test_an_owner_answering_for_other_keys_is_not_believed() -> None:
    client = OwnerCalls(vault([]), tamper=True)
    hub = peers(client, vault([]))
    with pytest.raises(PeerUnavailable):
        asyncio.run(hub.prepare_subjects(people(25)))


def test_a_file_with_no_new_people_of_another_owner_asks_nobody() -> None:
    client = OwnerCalls(vault([]))
    asyncio.run(peers(client, vault([])).prepare_subjects([]))
    assert client.calls == []
