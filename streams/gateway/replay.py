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
from processors import dlq_triage
from processors.privacy import envelopes
from schemas.codec import codec_for
from streams.gateway.intake import Intake
from streams.gateway.reader import Keep, TopicReader
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
    not_partner_records: int = 0
    """Dead letters an agent wrote (an unroutable referral, a refused answer): they hold no partner record to re-run
    (the record itself is on inbound.raw), so they are skipped; re-running them made a new dead letter each time."""
    submissions: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "unreadable": self.unreadable,
            "not_partner_records": self.not_partner_records,
            "submissions": self.submissions,
        }

    def add(self, receipt: dict[str, Any]) -> None:
        self.submissions.append(receipt["submission_id"])
        self.duplicates += sum(1 for row in receipt["accepted"] if row["duplicate"])
        self.accepted += sum(1 for row in receipt["accepted"] if not row["duplicate"])
        self.rejected += len(receipt["rejected"])


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
            await self._rerun(record, summary)
        return summary

    async def replay_dead_letter(self, dead_letter_id: str) -> tuple[ReplaySummary, dict[str, Any] | None] | None:
        """One dead letter through the current adapters (``refhub dlq replay``): the summary and the new receipt
        (None when nothing could be re-run); None when no such dead letter is on the topic."""
        found = await self._stored(DEAD_LETTERS.name, "dead_letter", lambda d: d["dead_letter_id"] == dead_letter_id)
        if not found:
            return None
        summary = ReplaySummary()
        receipt = await self._rerun(found[-1], summary)
        return summary, receipt

    async def _rerun(self, record: dict[str, Any], summary: ReplaySummary) -> dict[str, Any] | None:
        """A stored record (raw or dead letter) as a submission of its own, through the intake; its receipt."""
        summary.records += 1
        if "dead_letter_id" in record and not dlq_triage.holds_partner_bytes(record):
            summary.not_partner_records += 1
            return None
        envelope = envelopes.Sealed.from_record(record["original"])
        key = self._vault.data_key(envelope.key_id)
        adapter = registry.by_format(record["format"])
        if key is None or adapter is None:
            summary.unreadable += 1
            return None
        raw = envelopes.unseal(key, envelope)
        # record_no 0: a whole submission was refused (or a FHIR transaction), and its whole body was kept.
        body = (
            raw if record["record_no"] == 0 else registry.frame_single_record(record["format"], record["context"], raw)
        )
        receipt = await self._intake.submit(record["partner"], adapter, body)
        summary.add(receipt)
        return receipt

    async def _stored(self, topic: str, schema: str, keep: Keep = lambda _value: True) -> list[dict[str, Any]]:
        records, _ = await self._reader.read(topic, codec_for(schema).decode, {}, None, keep)
        return records
