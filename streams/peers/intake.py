"""The intake's view of the other workers: each record is decided by the owner of its referral, each new person
is made a subject by the owner of their lookup key (一人一號: one national ID never becomes two subjects).

The receiving worker parses the file and sends the owner's share of its records in one signed call
(``/internal/v1/records``); the owner decides exactly as a single worker would — duplicate, amendment version,
answer checks, against its own ledger and the versions it has just published — writes the records and their
dead letters, and answers with the receipt rows. The partner's receipt is built from every owner's answer.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from adapters import registry
from adapters.base import InboundRecord, RecordRejection
from processors.privacy import pseudonyms
from streams.gateway.intake import Submission
from streams.peers import records as wire
from streams.peers.client import PeerClient, PeerUnavailable
from streams.peers.ownership import Ownership
from streams.vault import KeyVault, SubjectKey

LEDGER = "referral-ledger"
LOOKUPS = "erasure-orders"
"""The table keyed by lookup key (HMAC of a national ID): its partition's owner makes that person's subject."""
RECORDS_PATH = "/internal/v1/records"
SUBJECTS_PATH = "/internal/v1/subjects"
MAX_SUBJECTS_PER_CALL = 10_000
"""More lookup keys than any one file's records (a 10 MiB file holds fewer): a bigger call is no peer's."""


class HubPeers:
    def __init__(
        self,
        ownership: Ownership,
        client: PeerClient,
        vault: KeyVault,
        lookup_secret: bytes,
        generation: Callable[[], int] = lambda: 0,
    ) -> None:
        self._generation = generation
        self._ownership = ownership
        self._client = client
        self._vault = vault
        self._lookup_secret = lookup_secret

    def owner_of_referral(self, referral_id: str) -> str | None:
        return self._ownership.owner(LEDGER, referral_id)

    async def decide(
        self, owner: str, submission: Submission, records: Sequence[InboundRecord], check_only: bool = False
    ) -> tuple[list[dict[str, Any]], list[RecordRejection]]:
        asked = submission_wire(submission, records) | ({"check_only": True} if check_only else {})
        answer = await self._client.post_json(owner, RECORDS_PATH, asked)
        rejected = [
            RecordRejection(record_no=r["record_no"], field=r["field"], code=r["code"], reason=r["reason"], raw=b"")
            for r in answer["rejected"]
        ]
        return list(answer["accepted"]), rejected

    async def subject(self, namespace: str, identifier: str) -> SubjectKey:
        lookup_key = pseudonyms.lookup_key(self._lookup_secret, namespace, identifier)
        known = self._vault.known_subject(lookup_key)
        if known is not None:
            return known
        owner = self._ownership.owner(LOOKUPS, lookup_key)
        if owner is None:
            return await self._vault.subject_by_lookup(lookup_key, self._generation())
        # Only the lookup key crosses: the owner never needs the identifier itself. The answer carries the data
        # key wrapped under the hub's master key, so this worker need not wait for its tail of subjects.keys.
        [subject] = await self._ask(owner, [lookup_key])
        return subject

    async def prepare_subjects(self, identities: Sequence[tuple[str, str]]) -> None:
        by_owner: dict[str, list[str]] = {}
        for namespace, identifier in identities:
            lookup_key = pseudonyms.lookup_key(self._lookup_secret, namespace, identifier)
            if self._vault.known_subject(lookup_key) is None:
                owner = self._ownership.owner(LOOKUPS, lookup_key)
                if owner is not None:  # this worker's own are made when their records are published
                    by_owner.setdefault(owner, []).append(lookup_key)
        # A file of 25 new people on three workers was ~17 calls, each a round trip and a signature; now one an owner.
        await asyncio.gather(*(self._ask(owner, list(dict.fromkeys(keys))) for owner, keys in by_owner.items()))

    async def _ask(self, owner: str, lookup_keys: list[str]) -> list[SubjectKey]:
        """The owner's subjects for ``lookup_keys`` (made where there were none), adopted here, in order."""
        answer = await self._client.post_json(owner, SUBJECTS_PATH, {"lookup_keys": lookup_keys})
        subjects = answer.get("subjects") if isinstance(answer, dict) else None
        if not isinstance(subjects, list) or [s.get("lookup_key") for s in subjects] != lookup_keys:
            raise PeerUnavailable("the owner answered for other lookup keys")
        return [self._vault.adopt(subject) for subject in subjects]


def submission_wire(submission: Submission, records: Sequence[InboundRecord]) -> dict[str, Any]:
    return {
        "partner": submission.partner,
        "format": submission.adapter.format,
        "submission_id": submission.submission_id,
        "received_at": submission.received_at.isoformat(),
        "context": base64.b64encode(submission.context).decode(),
        "records": [wire.dump(record) for record in records],
    }


class BadPeerCall(ValueError):
    pass


def submission_from_wire(payload: Any) -> tuple[Submission, list[InboundRecord]]:
    if not isinstance(payload, dict):
        raise BadPeerCall("not an object")
    adapter = registry.by_format(str(payload.get("format")))
    if adapter is None:
        raise BadPeerCall(f"unknown format {payload.get('format')!r}")
    submission = Submission(
        partner=str(payload["partner"]),
        adapter=adapter,
        submission_id=str(payload["submission_id"]),
        received_at=datetime.fromisoformat(str(payload["received_at"])),
        context=base64.b64decode(str(payload["context"])),
    )
    return submission, [wire.load(record) for record in payload["records"]]
