"""Replay (重新處理): stored raw records and dead letters through the current adapters, after an adapter fix.

Every record a partner sent is kept sealed (accepted ones on ``inbound.raw``, refused ones on
``referrals.dlq``). Replaying feeds each one, framed as a one-record submission, back through the gateway's
own intake: referral ids are deterministic and content is compared by digest, so an unchanged record is a
duplicate (nothing happens), a record the fixed adapter now reads differently becomes an amendment of the
same referral, and a record that was refused and now parses becomes its referral — never a second one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters import registry
from processors.privacy import envelopes
from schemas.codec import codec_for
from streams.gateway.intake import Intake
from streams.gateway.reader import TopicReader
from streams.topology import DEAD_LETTERS, INBOUND_RAW
from streams.vault import KeyVault


@dataclass
class ReplaySummary:
    records: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    unreadable: int = 0
    """Sealed under a key that no longer exists (an erased subject): skipped, as erasure requires."""
    submissions: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "unreadable": self.unreadable,
            "submissions": self.submissions,
        }


class Replayer:
    def __init__(self, reader: TopicReader, vault: KeyVault, intake: Intake) -> None:
        self._reader = reader
        self._vault = vault
        self._intake = intake

    async def replay(self, partner: str, since: datetime | None) -> ReplaySummary:
        summary = ReplaySummary()
        stored = await self._stored(INBOUND_RAW.name, "raw_record") + await self._stored(
            DEAD_LETTERS.name, "dead_letter"
        )
        stored.sort(key=lambda record: (record["received_at"], record["record_no"]))
        for record in stored:
            if record["partner"] != partner or (since is not None and record["received_at"] < since):
                continue
            summary.records += 1
            envelope = envelopes.Sealed.from_record(record["original"])
            key = self._vault.data_key(envelope.key_id)
            adapter = registry.by_format(record["format"])
            if key is None or adapter is None:
                summary.unreadable += 1
                continue
            raw = envelopes.unseal(key, envelope)
            # record_no 0: a whole submission was refused, and its whole body was kept.
            body = (
                raw
                if record["record_no"] == 0
                else registry.frame_single_record(record["format"], record["context"], raw)
            )
            receipt = await self._intake.submit(partner, adapter, body)
            summary.submissions.append(receipt["submission_id"])
            summary.duplicates += sum(1 for row in receipt["accepted"] if row["duplicate"])
            summary.accepted += sum(1 for row in receipt["accepted"] if not row["duplicate"])
            summary.rejected += len(receipt["rejected"])
        return summary

    async def _stored(self, topic: str, schema: str) -> list[dict[str, Any]]:
        records, _ = await self._reader.read(topic, codec_for(schema).decode, {}, None, lambda _value: True)
        return records
