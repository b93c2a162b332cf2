"""Turning one partner submission into durable Kafka records and a receipt.

The receipt is built only after the broker has acknowledged every record this submission wrote (sealed raw
record + canonical event for each accepted record, a dead letter for each refused one), so a partner that
holds a receipt can discard its copy.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.base import InboundAdapter, InboundReferral, RecordRejection, SubmissionRefused
from processors import ids, intake
from processors.privacy import envelopes
from streams import metrics
from streams.vault import KeyVault

log = logging.getLogger(__name__)

Send = Callable[[str, bytes, dict[str, Any]], Awaitable[None]]
"""(topic, key, Avro record) → awaits the broker's acknowledgement."""


@dataclass(frozen=True)
class KnownVersion:
    version: int
    digest: str


LookupVersion = Callable[[str], KnownVersion | None]


@dataclass(frozen=True)
class Topics:
    raw: str
    events: str
    dead_letters: str


class Intake:
    def __init__(self, vault: KeyVault, send: Send, known: LookupVersion, topics: Topics, lookup_secret: bytes) -> None:
        self._vault = vault
        self._send = send
        self._known = known
        self._topics = topics
        self._lookup_secret = lookup_secret
        # Versions this process published that the router may not have recorded yet: a re-send a moment
        # after the first is still recognised as a duplicate.
        self._pending: dict[str, KnownVersion] = {}

    async def submit(self, partner: str, adapter: InboundAdapter, body: bytes) -> dict[str, Any]:
        received_at = datetime.now(UTC)
        submission_id = new_submission_id(received_at)
        try:
            result = adapter.parse(body, partner, received_at)
        except SubmissionRefused as refused:
            await self._refuse(partner, adapter, submission_id, body, received_at, refused)
            metrics.SUBMISSIONS.labels(partner, "refused").inc()
            return {
                "submission_id": submission_id,
                "accepted": [],
                "rejected": [_refusal_row(refused, n) for n in range(1, max(refused.record_count, 1) + 1)],
            }
        accepted_rows: list[dict[str, Any]] = []
        sends: list[Awaitable[None]] = []
        pending_before = dict(self._pending)
        rejected = list(result.rejected)
        for record in result.accepted:
            if not isinstance(record, InboundReferral):
                rejected.append(_not_yet_supported(record.record_no, record.raw))
                continue
            # Decided in file order, so a reference that appears twice in one file is a duplicate or an
            # amendment of the first; the sealing and sending then run concurrently.
            row, version, digest = self._decide(partner, record)
            accepted_rows.append(row)
            if not row["duplicate"]:
                sends.append(
                    self._publish(partner, adapter, submission_id, record, received_at, result.context, version, digest)
                )
        if rejected:
            quarantine = await self._vault.quarantine_key(_quarantine_key_id(submission_id))
            sends.extend(
                self._dead_letter(partner, adapter, submission_id, rejection, received_at, quarantine)
                for rejection in rejected
            )
        try:
            await asyncio.gather(*sends)
        except BaseException:
            # Nothing was receipted: a re-send of these records must not be taken for a duplicate.
            self._pending = pending_before
            raise
        for row in accepted_rows:
            metrics.RECORDS.labels(partner, "duplicate" if row["duplicate"] else "accepted").inc()
        for rejection in rejected:
            metrics.RECORDS.labels(partner, "rejected").inc()
            metrics.DEAD_LETTERS.labels(partner, rejection.code).inc()
        outcome = "rejected" if not accepted_rows else "partial" if rejected else "accepted"
        metrics.SUBMISSIONS.labels(partner, outcome).inc()
        return {
            "submission_id": submission_id,
            "accepted": accepted_rows,
            "rejected": [
                {"record": r.record_no, "field": r.field, "code": r.code, "reason": r.reason} for r in rejected
            ],
        }

    def _decide(self, partner: str, record: InboundReferral) -> tuple[dict[str, Any], int, str]:
        referral = ids.referral_id(partner, record.partner_ref)
        digest = intake.content_digest(self._lookup_secret, partner, record)
        known = self._latest(referral)
        duplicate = known is not None and known.digest == digest
        version = known.version if known and duplicate else (known.version + 1 if known else 1)
        if not duplicate:
            self._pending[referral] = KnownVersion(version, digest)
        return {"record": record.record_no, "referral_id": referral, "duplicate": duplicate}, version, digest

    async def _publish(
        self,
        partner: str,
        adapter: InboundAdapter,
        submission_id: str,
        record: InboundReferral,
        received_at: datetime,
        context: bytes,
        version: int,
        digest: str,
    ) -> None:
        subject = await self._subject(record)
        personal = envelopes.seal_json(subject.data_key, subject.subject_id, intake.personal_fields(record))
        event = intake.referral_event(
            record,
            source=partner,
            submission_id=submission_id,
            inbound_format=adapter.format,
            received_at=received_at,
            subject_id=subject.subject_id,
            version=version,
            digest=digest,
            personal=personal,
        )
        referral = event["referral_id"]
        raw = {
            "submission_id": submission_id,
            "record_no": record.record_no,
            "partner": partner,
            "format": adapter.format,
            "received_at": received_at,
            "referral_id": referral,
            "context": context,
            "original": envelopes.seal(subject.data_key, subject.subject_id, record.raw).as_record(),
        }
        key = referral.encode()
        await asyncio.gather(self._send(self._topics.raw, key, raw), self._send(self._topics.events, key, event))

    def _latest(self, referral: str) -> KnownVersion | None:
        recorded, pending = self._known(referral), self._pending.get(referral)
        if recorded is None or (pending is not None and pending.version > recorded.version):
            return pending
        return recorded

    async def _subject(self, record: InboundReferral) -> Any:
        person = record.subject
        if person.national_id:
            return await self._vault.subject("NID", person.national_id)
        if person.email:
            return await self._vault.subject("EMAIL", person.email)
        # No identifier at all: a subject of its own until a case manager links it to a person.
        return await self._vault.subject("REF", record.partner_ref)

    async def _dead_letter(
        self,
        partner: str,
        adapter: InboundAdapter,
        submission_id: str,
        rejection: RecordRejection,
        received_at: datetime,
        quarantine: bytes,
    ) -> None:
        key_id = _quarantine_key_id(submission_id)
        await self._send(
            self._topics.dead_letters,
            submission_id.encode(),
            {
                "dead_letter_id": ids.dead_letter_id(submission_id, rejection.record_no),
                "submission_id": submission_id,
                "partner": partner,
                "format": adapter.format,
                "record_no": rejection.record_no,
                "field": rejection.field,
                "code": rejection.code,
                "reason": rejection.reason,
                "received_at": received_at,
                "original": envelopes.seal(quarantine, key_id, rejection.raw).as_record(),
            },
        )

    async def _refuse(
        self,
        partner: str,
        adapter: InboundAdapter,
        submission_id: str,
        body: bytes,
        received_at: datetime,
        refused: SubmissionRefused,
    ) -> None:
        quarantine = await self._vault.quarantine_key(_quarantine_key_id(submission_id))
        whole = RecordRejection(record_no=0, field=refused.field, code=refused.code, reason=refused.reason, raw=body)
        await self._dead_letter(partner, adapter, submission_id, whole, received_at, quarantine)
        metrics.DEAD_LETTERS.labels(partner, refused.code).inc()


def _not_yet_supported(record_no: int, raw: bytes) -> RecordRejection:
    return RecordRejection(record_no, "", "NOT_YET_SUPPORTED", "本類訊息尚未開放介接，請洽毒防局。", raw)


def _refusal_row(refused: SubmissionRefused, record_no: int) -> dict[str, Any]:
    return {
        "record": record_no if refused.record_count else 0,
        "field": refused.field,
        "code": refused.code,
        "reason": refused.reason,
    }


def _quarantine_key_id(submission_id: str) -> str:
    return f"Q-{submission_id}"


def new_submission_id(received_at: datetime) -> str:
    return f"SUB-{received_at:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"
