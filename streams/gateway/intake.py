"""Turning one partner submission into durable Kafka records and a receipt.

The receipt is built only after the broker has acknowledged every record this submission wrote (the sealed raw
record + the canonical event for each accepted record, a dead letter for each refused one), so a partner that
holds a receipt can discard its copy.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from adapters.base import (
    InboundAdapter,
    InboundContact,
    InboundErasureOrder,
    InboundRecord,
    InboundReferral,
    InboundStatusUpdate,
    InboundTreatmentHours,
    RecordRejection,
    SubmissionRefused,
)
from adapters.validation.national_id import ids_in, mask_ids
from processors import all_or_nothing, ids, intake, retention, routing
from processors.dead_letters import dead_letter
from processors.erasure.referrals import is_erased
from processors.ledger import LedgerEntry, UpdateRefused, check_update
from processors.privacy import envelopes, pseudonyms
from streams import logs, metrics
from streams.vault import KeyVault, SubjectKey

log = logging.getLogger(__name__)

Send = Callable[[str, bytes, dict[str, Any]], Awaitable[None]]
"""(topic, key, Avro record) → awaits the broker's acknowledgement."""

LedgerView = Callable[[str], Mapping[str, Any] | None]
"""referral id → its delivery-ledger entry (processors.ledger.LedgerEntry), if the hub has routed it."""


MAX_IN_FLIGHT = 128
"""A submission's records are written this many at a time (see :func:`_bounded`)."""


class RecordTooLarge(Exception):
    """One record would exceed the broker's message size: the submission is refused whole, before any write."""

    def __init__(self, record_no: int, size: int, limit: int) -> None:
        super().__init__(f"record {record_no}: about {size} bytes, limit {limit}")
        self.record_no = record_no
        self.size = size
        self.limit = limit

    def answer(self) -> dict[str, Any]:
        where = "整份檔案" if self.record_no == 0 else f"第 {self.record_no} 筆資料"
        return {
            "error": "RECORD_TOO_LARGE",
            "record": self.record_no,
            "reason": (
                f"{where}約 {self.size / 1_048_576:.1f} MiB，超過平台單筆資料上限 {self.limit / 1_048_576:.1f} MiB"
                "（多為備註等自由文字欄位過長）；本次傳送未受理任何資料，請縮短該筆內容後重新傳送。"
            ),
        }


@dataclass(frozen=True)
class KnownVersion:
    version: int
    digest: str
    written: asyncio.Future[None] | None = None
    """The write of the submission that published this version, until the ledger records it: a copy of it is a
    duplicate only once that write is durable (None: recorded by the router, durable)."""


class EarlierCopyNotWritten(Exception):
    """A re-send met a copy still being written, whose write then failed: nothing is receipted; send again."""


@dataclass(frozen=True)
class Topics:
    raw: str
    events: str
    dead_letters: str
    updates: str
    contacts: str
    treatment_hours: str
    erasure_orders: str


@dataclass(frozen=True)
class Submission:
    partner: str
    adapter: InboundAdapter
    submission_id: str
    received_at: datetime
    context: bytes


class Peers(Protocol):
    """The other workers, as the intake needs them: who owns a referral, and its owner's decisions."""

    def owner_of_referral(self, referral_id: str) -> str | None:
        """None when this worker owns the referral's partition; else the owner's URL."""

    async def decide(
        self, owner: str, submission: Submission, records: Sequence[InboundRecord], check_only: bool = False
    ) -> tuple[list[dict[str, Any]], list[RecordRejection]]:
        """The owner's receipt rows and rejections for ``records`` (which it wrote, dead letters included; with
        ``check_only`` it wrote nothing)."""

    async def subject(self, namespace: str, identifier: str) -> SubjectKey:
        """The person's subject and data key, made by the owner of the lookup key if there is none."""

    async def prepare_subjects(self, identities: Sequence[tuple[str, str]]) -> None:
        """Make (or learn) the subjects of these (namespace, identifier) pairs ahead of :meth:`subject`, one call
        per owner instead of one per person; afterwards :meth:`subject` finds them without asking again."""


class SingleWorker:
    """One worker owns every key: every decision is taken here."""

    def __init__(self, vault: KeyVault) -> None:
        self._vault = vault

    def owner_of_referral(self, referral_id: str) -> str | None:
        return None

    async def decide(
        self, owner: str, submission: Submission, records: Sequence[InboundRecord], check_only: bool = False
    ) -> tuple[list[dict[str, Any]], list[RecordRejection]]:
        raise AssertionError("a single worker has no other owner")

    async def subject(self, namespace: str, identifier: str) -> SubjectKey:
        return await self._vault.subject(namespace, identifier)

    async def prepare_subjects(self, identities: Sequence[tuple[str, str]]) -> None:
        return None  # every subject is made here, when its record is published


@dataclass(frozen=True)
class Accepted:
    row: dict[str, Any]
    publish: Awaitable[None] | None
    """None for a duplicate: nothing else happens."""
    person: tuple[str, str] | None = None
    """(namespace, identifier) of the person whose subject ``publish`` needs: a new referral's, made ahead."""


class Intake:
    def __init__(
        self,
        vault: KeyVault,
        send: Send,
        ledger: LedgerView,
        topics: Topics,
        lookup_secret: bytes,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_record_bytes: int = 1_000_000,
        referral_key: bytes = b"",
        peers: Peers | None = None,
    ) -> None:
        self._referral_key = referral_key
        self._peers: Peers = peers or SingleWorker(vault)
        self._max_record_bytes = max_record_bytes
        self._vault = vault
        self._now = now
        self._send = send
        self._ledger = ledger
        self._topics = topics
        self._lookup_secret = lookup_secret
        # Versions this process published that the router may not have recorded yet: a re-send a moment
        # after the first is still recognised as a duplicate.
        self._pending: dict[str, KnownVersion] = {}
        self._seen_events: dict[str, asyncio.Future[None]] = {}
        # The write in progress while decide() takes its (synchronous) decisions, and what they claimed.
        self._writing: asyncio.Future[None] | None = None
        self._claimed: list[tuple[str, KnownVersion | None]] = []
        self._claimed_events: list[str] = []

    async def submit(self, partner: str, adapter: InboundAdapter, body: bytes) -> dict[str, Any]:
        received_at = self._now()
        submission_id = new_submission_id(received_at)
        logs.bind(submission_id=submission_id)
        try:
            # Off the event loop: a 10 MiB file takes seconds to parse, and agents, timers and every other
            # partner's request must not wait for it.
            result = await asyncio.get_running_loop().run_in_executor(None, adapter.parse, body, partner, received_at)
        except SubmissionRefused as refused:
            # The refused file is kept whole as its dead letter: it must fit in one record too.
            self._fits(0, len(body) + intake.RECORD_OVERHEAD)
            await self._refuse(partner, adapter, submission_id, body, received_at, refused)
            metrics.SUBMISSIONS.labels(partner, "refused").inc()
            return {
                "submission_id": submission_id,
                "accepted": [],
                "rejected": [_refusal_row(refused, n) for n in range(1, max(refused.record_count, 1) + 1)],
            }
        for record in result.accepted:
            self._fits(record.record_no, intake.stored_bytes(record, result.context))
        for rejection in result.rejected:
            self._fits(rejection.record_no, len(rejection.raw) + len(result.context) + intake.RECORD_OVERHEAD)
        submission = Submission(partner, adapter, submission_id, received_at, result.context)
        mine, theirs = self._by_owner(submission, result.accepted)
        if result.atomic:
            receipt = await self._all_or_nothing(submission, body, result.rejected, mine, theirs)
            if receipt is not None:
                return receipt
        # Each owner decides on its keys' records (duplicate, amendment version, answer checks) and writes them;
        # the parse's own rejections are this worker's to dead-letter.
        decided = await asyncio.gather(
            self.decide(submission, mine, list(result.rejected)),
            *(self._peers.decide(url, submission, records) for url, records in theirs.items()),
        )
        accepted_rows = sorted((row for rows, _ in decided for row in rows), key=lambda row: int(row["record"]))
        rejected = sorted((r for _, rejections in decided for r in rejections), key=lambda r: r.record_no)
        for row in accepted_rows:
            metrics.RECORDS.labels(partner, "duplicate" if row["duplicate"] else "accepted").inc()
        for rejection in rejected:
            metrics.RECORDS.labels(partner, "rejected").inc()
            metrics.DEAD_LETTERS.labels(partner, rejection.code).inc()
        verdict = "rejected" if not accepted_rows else "partial" if rejected else "accepted"
        metrics.SUBMISSIONS.labels(partner, verdict).inc()
        return {
            "submission_id": submission_id,
            "accepted": accepted_rows,
            "rejected": [
                {"record": r.record_no, "field": r.field, "code": r.code, "reason": mask_ids(r.reason)}
                for r in rejected
            ],
        }

    def _release(
        self,
        written: asyncio.Future[None],
        claimed: list[tuple[str, KnownVersion | None]],
        claimed_events: list[str],
    ) -> None:
        """Undo what a failed write claimed, where nothing later claimed it since."""
        for referral, before in reversed(claimed):
            now = self._pending.get(referral)
            if now is not None and now.written is written:
                if before is None:
                    del self._pending[referral]
                else:
                    self._pending[referral] = before
        for event_id in claimed_events:
            if self._seen_events.get(event_id) is written:
                del self._seen_events[event_id]

    def _earlier(self, written: asyncio.Future[None] | None) -> Awaitable[None] | None:
        """What a duplicate must wait for: the earlier copy's write, unless it is durable or this very write."""
        if written is None or written is self._writing or (written.done() and written.exception() is None):
            return None
        return _settled(written)

    def _by_owner(
        self, submission: Submission, records: Sequence[InboundRecord]
    ) -> tuple[list[InboundRecord], dict[str, list[InboundRecord]]]:
        """This worker's records, and every other owner's, each list in file order (raises OwnerUnknown)."""
        mine: list[InboundRecord] = []
        theirs: dict[str, list[InboundRecord]] = {}
        for record in records:
            record = self._named_record(submission, record)
            key = self._decision_key(submission, record)
            owner = None if key is None else self._peers.owner_of_referral(key)
            (mine if owner is None else theirs.setdefault(owner, [])).append(record)
        return mine, theirs

    def owns(self, submission: Submission, records: Sequence[InboundRecord]) -> bool:
        """Whether this worker owns every record's key (an owner asked just after a rebalance may not)."""
        keys = (self._decision_key(submission, record) for record in records)
        return all(key is None or self._peers.owner_of_referral(key) is None for key in keys)

    @staticmethod
    def _named_record(submission: Submission, record: InboundRecord) -> InboundRecord:
        if isinstance(record, InboundReferral) and not record.partner_ref:
            # A web form has no reference of its own: the submission names it.
            return _with_partner_ref(record, f"{submission.submission_id}/{record.record_no}")
        return record

    def _decision_key(self, submission: Submission, record: InboundRecord) -> str | None:
        """The referral whose ledger entry the decision on ``record`` reads; None when none does."""
        if isinstance(record, InboundReferral):
            return ids.referral_id(self._referral_key, submission.partner, record.partner_ref)
        if isinstance(record, InboundStatusUpdate | InboundTreatmentHours):
            return record.referral_id
        return None

    async def decide(
        self,
        submission: Submission,
        records: Sequence[InboundRecord],
        rejected: list[RecordRejection],
        check_only: bool = False,
    ) -> tuple[list[dict[str, Any]], list[RecordRejection]]:
        """Decide on records whose keys this worker owns, write them and the dead letters; the receipt's rows.
        ``check_only``: the same decisions, nothing written and nothing remembered (an all-or-nothing submission's
        first phase)."""
        accepted_rows: list[dict[str, Any]] = []
        sends: list[Awaitable[None]] = []
        rejected = list(rejected)
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._writing, self._claimed, self._claimed_events = written, [], []
        claimed, claimed_events = self._claimed, self._claimed_events
        people: list[tuple[str, str]] = []
        try:
            for record in records:
                # Decided in file order, so a reference that appears twice in one file is a duplicate or an
                # amendment of the first; sealing and sending then run concurrently.
                outcome = self._accept(submission, record)
                if isinstance(outcome, RecordRejection):
                    rejected.append(outcome)
                    continue
                accepted_rows.append(outcome.row)
                if outcome.publish is not None:
                    sends.append(outcome.publish)
                if outcome.person is not None:
                    people.append(outcome.person)
        finally:
            self._writing = None
        rejected.sort(key=lambda r: r.record_no)
        if check_only:
            # No await since the claims were made: nobody met them; undone, they were never there.
            self._release(written, claimed, claimed_events)
            written.set_exception(EarlierCopyNotWritten())
            written.exception()
            _close(sends)
            return accepted_rows, rejected
        sends.extend(self._dead_letter(submission, rejection) for rejection in rejected)
        try:
            await self._peers.prepare_subjects(people)
            await _bounded(sends)
        except BaseException:
            # Nothing was receipted: a re-send of these records must not be taken for a duplicate, and a re-send
            # that met them while they were being written learns that they were not.
            self._release(written, claimed, claimed_events)
            written.set_exception(EarlierCopyNotWritten())
            written.exception()  # retrieved: a failure nobody waited for is no error of its own
            raise
        written.set_result(None)
        return accepted_rows, rejected

    def _fits(self, record_no: int, size: int) -> None:
        """Checked before the first write: a record over the broker's limit would fail after its siblings (and
        its referral's event) were already written, and the partner's re-send would meet half a submission."""
        if size > self._max_record_bytes:
            raise RecordTooLarge(record_no, size, self._max_record_bytes)

    def _accept(self, submission: Submission, record: InboundRecord) -> Accepted | RecordRejection:
        if isinstance(record, InboundReferral):
            return self._referral(submission, record)
        if isinstance(record, InboundStatusUpdate):
            return self._status_update(submission, record)
        if isinstance(record, InboundContact):
            return self._contact(submission, record)
        if isinstance(record, InboundTreatmentHours):
            return self._treatment_hours(submission, record)
        return self._erasure_order(submission, record)

    # -- referrals -------------------------------------------------------------------------------------

    def _referral(self, submission: Submission, record: InboundReferral) -> Accepted | RecordRejection:
        refused = _refused_by_routing(submission.partner, record)
        if refused is not None:
            return refused
        record = cast(InboundReferral, self._named_record(submission, record))
        referral = ids.referral_id(self._referral_key, submission.partner, record.partner_ref)
        if is_erased(self._ledger(referral)):
            return _rejection(
                record.record_no,
                record.raw,
                "",
                "ERASED",
                "此轉介已依法院塗銷命令刪除，本平台不再受理同一通報；如為新的案件，請以新的通報編號傳送。",
            )
        digest = intake.content_digest(self._lookup_secret, submission.partner, record)
        known = self._latest(referral)
        row = {"record": record.record_no, "referral_id": referral, "duplicate": False}
        if known is not None and known.digest == digest:
            return Accepted({**row, "duplicate": True}, self._earlier(known.written))
        entry = self._ledger(referral)
        if retention.is_retired(entry) and known is not None and known.version <= entry["version"]:
            # Closed and archived: a re-send is still a duplicate (above), changed content is no amendment.
            return _rejection(record.record_no, record.raw, "", "RETIRED", retention.amendment_refusal(entry))
        version = known.version + 1 if known else 1
        self._claimed.append((referral, self._pending.get(referral)))
        self._pending[referral] = KnownVersion(version, digest, self._writing)
        publish = self._publish_referral(submission, record, referral, version, digest)
        return Accepted(row, publish, person=subject_identity(record))

    async def _publish_referral(
        self, submission: Submission, record: InboundReferral, referral: str, version: int, digest: str
    ) -> None:
        subject = await self._subject(record)
        personal = envelopes.seal_json(subject.data_key, subject.subject_id, intake.personal_fields(record))
        event = intake.referral_event(
            record,
            referral=referral,
            source=submission.partner,
            submission_id=submission.submission_id,
            inbound_format=submission.adapter.format,
            received_at=submission.received_at,
            subject_id=subject.subject_id,
            version=version,
            digest=digest,
            personal=personal,
        )
        key = event["referral_id"]
        await asyncio.gather(
            self._send_raw(submission, record.record_no, record.raw, key, subject),
            self._send(self._topics.events, key.encode(), event),
        )

    def _latest(self, referral: str) -> KnownVersion | None:
        entry = self._ledger(referral)
        recorded = KnownVersion(entry["version"], entry["digest"]) if entry else None
        pending = self._pending.get(referral)
        if (
            recorded is not None
            and pending is not None
            and pending.version <= recorded.version
            and pending.written is not None
            and pending.written.done()
            and pending.written.exception() is None
        ):
            del self._pending[referral]  # the ledger has it now: the pending copy is no longer needed
            pending = None
        if recorded is None or (pending is not None and pending.version > recorded.version):
            return pending
        return recorded

    async def _subject(self, record: InboundReferral) -> SubjectKey:
        return await self._peers.subject(*subject_identity(record))

    # -- answers and casework --------------------------------------------------------------------------

    def _status_update(self, submission: Submission, record: InboundStatusUpdate) -> Accepted | RecordRejection:
        entry = self._ledger(record.referral_id)
        if entry is None or is_erased(entry) or not _concerns(entry, submission.partner):
            # A referral neither sent by nor addressed to the partner answers exactly like one that does not
            # exist: NOT_ADDRESSED_TO_YOU would confirm to any partner that a referral id it holds is real.
            return _rejection(
                record.record_no,
                record.raw,
                "referralId",
                "UNKNOWN_REFERRAL",
                f"查無轉介編號 {record.referral_id}，請確認編號是否正確。",
            )
        if retention.is_retired(entry):
            return _rejection(record.record_no, record.raw, "referralId", "RETIRED", retention.answer_refusal(entry))
        event_id = ids.update_event_id(submission.partner, record.partner_ref)
        row = {"record": record.record_no, "referral_id": record.referral_id, "duplicate": False}
        answer = {
            "partner": submission.partner,
            "state": record.state,
            "event_id": event_id,
            "reason_code": record.reason_code,
            "redirect_to": record.redirect_to,
        }
        try:
            # Refused now, with a reason the clerk can act on: an illegal transition changes nothing.
            check_update(answer, cast(LedgerEntry, entry))
        except UpdateRefused as refused:
            field = _refused_field(refused.code, record)
            return _rejection(record.record_no, record.raw, field, refused.code, refused.reason)
        if _answered_before(entry, event_id):
            return Accepted({**row, "duplicate": True}, None)
        if (seen := self._seen(event_id)) is not None:
            return Accepted({**row, "duplicate": True}, self._earlier(seen))
        return Accepted(row, self._publish_update(submission, record, event_id, entry["subject_id"]))

    async def _publish_update(
        self, submission: Submission, record: InboundStatusUpdate, event_id: str, subject_id: str
    ) -> None:
        data_key = self._vault.data_key(subject_id)
        if data_key is None:
            # The subject was erased between the check and now: make no key under its id again.
            data_key = await self._vault.quarantine_key(_quarantine_key_id(submission.submission_id))
            subject_id = _quarantine_key_id(submission.submission_id)
        subject = SubjectKey(subject_id, data_key, created=False)
        notes = envelopes.seal_json(data_key, subject_id, record.personal_extra) if record.personal_extra else None
        event = {
            "event_id": event_id,
            "referral_id": record.referral_id,
            "partner": submission.partner,
            "state": record.state,
            "reason_code": record.reason_code,
            "redirect_to": record.redirect_to,
            "at": record.at,
            "received_at": submission.received_at,
            "submission_id": submission.submission_id,
            "record_no": record.record_no,
            "format": submission.adapter.format,
            "attributes": dict(record.attributes),
            "notes": notes.as_record() if notes else None,
        }
        await asyncio.gather(
            self._send_raw(submission, record.record_no, record.raw, record.referral_id, subject),
            self._send(self._topics.updates, record.referral_id.encode(), event),
        )

    def _contact(self, submission: Submission, record: InboundContact) -> Accepted | RecordRejection:
        data_key = self._vault.data_key(record.subject_ref)
        if data_key is None:
            return _rejection(
                record.record_no,
                record.raw,
                "subjectRef",
                "UNKNOWN_SUBJECT",
                f"查無個案代號 {record.subject_ref}，請使用轉介資料中的個案代號。",
            )
        event_id = ids.update_event_id(submission.partner, record.partner_ref)
        row = {"record": record.record_no, "referral_id": None, "duplicate": False}
        if (seen := self._seen(event_id)) is not None:
            return Accepted({**row, "duplicate": True}, self._earlier(seen))
        event = {
            "event_id": event_id,
            "subject_id": record.subject_ref,
            "mode": record.mode,
            "reached": record.reached,
            "need_level": record.need_level,
            "at": record.at,
            "received_at": submission.received_at,
            "partner_ref": record.partner_ref,
        }
        subject = SubjectKey(record.subject_ref, data_key, created=False)
        return Accepted(
            row,
            self._publish(
                submission, record.record_no, record.raw, subject, self._topics.contacts, record.subject_ref, event
            ),
        )

    def _treatment_hours(self, submission: Submission, record: InboundTreatmentHours) -> Accepted | RecordRejection:
        entry = self._ledger(record.referral_id)
        if (
            entry is None
            or is_erased(entry)
            or entry["kind"] != "DEFERRED_PROSECUTION"
            or submission.partner not in entry["destinations"]
        ):
            return _rejection(
                record.record_no,
                record.raw,
                "referralId",
                "NOT_A_DEFERRED_PROSECUTION",
                f"轉介編號 {record.referral_id} 不是轉介給貴單位的緩起訴案件，無法登錄處遇時數。",
            )
        data_key = self._vault.data_key(entry["subject_id"])
        if data_key is None:
            return _rejection(
                record.record_no,
                record.raw,
                "referralId",
                "UNKNOWN_SUBJECT",
                f"轉介編號 {record.referral_id} 的個案資料已不存在。",
            )
        event_id = ids.update_event_id(submission.partner, record.partner_ref)
        row = {"record": record.record_no, "referral_id": record.referral_id, "duplicate": False}
        if (seen := self._seen(event_id)) is not None:
            return Accepted({**row, "duplicate": True}, self._earlier(seen))
        event = {
            "event_id": event_id,
            "referral_id": record.referral_id,
            "subject_id": entry["subject_id"],
            "hours": record.hours,
            "period": record.period,
            "received_at": submission.received_at,
            "partner_ref": record.partner_ref,
        }
        subject = SubjectKey(entry["subject_id"], data_key, created=False)
        return Accepted(
            row,
            self._publish(
                submission,
                record.record_no,
                record.raw,
                subject,
                self._topics.treatment_hours,
                record.referral_id,
                event,
            ),
        )

    def _erasure_order(self, submission: Submission, record: InboundErasureOrder) -> Accepted:
        event_id = ids.update_event_id(submission.partner, record.partner_ref)
        # Received, not carried out: ERASURE_COMPLETED answers the court once everything is erased.
        row = {"record": record.record_no, "referral_id": None, "duplicate": False, "received": True}
        if (seen := self._seen(event_id)) is not None:
            return Accepted({**row, "duplicate": True}, self._earlier(seen))
        lookup_key = pseudonyms.lookup_key(self._lookup_secret, "NID", record.national_id)
        event: dict[str, Any] = {
            "event_id": event_id,
            "order_no": record.partner_ref,
            "lookup_key": lookup_key,
            "subject_id": self._vault.subject_for(lookup_key),
            "issued_at": record.issued_at,
            "received_at": submission.received_at,
            "legal_basis": record.legal_basis,
            "partner": submission.partner,
            "raw_key_id": _order_key_id(submission.submission_id, record.record_no),
            "erased": {},
        }
        return Accepted(row, self._publish_order(submission, record, event))

    async def _publish_order(self, submission: Submission, record: InboundErasureOrder, event: dict[str, Any]) -> None:
        # The order's own bytes name the person: sealed under a key of their own, which the erasure shreds last
        # of all, while the order record itself (no personal data) stays for the audit.
        key_id = event["raw_key_id"]
        data_key = await self._vault.quarantine_key(key_id, [event["lookup_key"]])
        subject = SubjectKey(key_id, data_key, created=False)
        await self._publish(
            submission, record.record_no, record.raw, subject, self._topics.erasure_orders, event["lookup_key"], event
        )

    async def _publish(
        self,
        submission: Submission,
        record_no: int,
        raw: bytes,
        subject: SubjectKey,
        topic: str,
        key: str,
        event: dict[str, Any],
    ) -> None:
        await asyncio.gather(
            self._send_raw(submission, record_no, raw, key, subject),
            self._send(topic, key.encode(), event),
        )

    def _named(self, raw: bytes) -> list[str]:
        """Lookup keys of every valid national ID in a partner's bytes."""
        return [pseudonyms.lookup_key(self._lookup_secret, "NID", national_id) for national_id in ids_in(raw)]

    def _seen(self, event_id: str) -> asyncio.Future[None] | None:
        """The write that took this answer (or contact, hours, order) before, if any; else it is taken now."""
        seen = self._seen_events.get(event_id)
        if seen is not None:
            return seen
        assert self._writing is not None, "decisions are taken inside decide()"
        self._seen_events[event_id] = self._writing
        self._claimed_events.append(event_id)
        if len(self._seen_events) > 100_000:
            del self._seen_events[next(iter(self._seen_events))]
        return None

    # -- raw records and dead letters ------------------------------------------------------------------

    async def _send_raw(
        self, submission: Submission, record_no: int, raw: bytes, key: str, subject: SubjectKey
    ) -> None:
        await self._send(
            self._topics.raw,
            key.encode(),
            {
                "submission_id": submission.submission_id,
                "record_no": record_no,
                "partner": submission.partner,
                "format": submission.adapter.format,
                "received_at": submission.received_at,
                "referral_id": key,
                "context": submission.context,
                "original": envelopes.seal(subject.data_key, subject.subject_id, raw).as_record(),
            },
        )

    async def _dead_letter(self, submission: Submission, rejection: RecordRejection) -> None:
        # One key per refused record, naming the people its bytes name: a court's erasure order for one of them
        # shreds that record, not the rest of the partner's file.
        key_id = _dead_letter_key_id(submission.submission_id, rejection.record_no)
        quarantine = await self._vault.quarantine_key(key_id, self._named(rejection.raw))
        await self._send(
            self._topics.dead_letters,
            submission.submission_id.encode(),
            dead_letter(
                submission_id=submission.submission_id,
                record_no=rejection.record_no,
                partner=submission.partner,
                inbound_format=submission.adapter.format,
                field=rejection.field,
                code=rejection.code,
                reason=rejection.reason,
                received_at=submission.received_at,
                original=envelopes.seal(quarantine, key_id, rejection.raw).as_record(),
                context=submission.context,
            ),
        )

    async def _all_or_nothing(
        self,
        submission: Submission,
        body: bytes,
        parse_rejections: Sequence[RecordRejection],
        mine: Sequence[InboundRecord],
        theirs: Mapping[str, Sequence[InboundRecord]],
    ) -> dict[str, Any] | None:
        """An all-or-nothing submission (a FHIR transaction): every owner checks its records first and nobody
        writes; one refusal refuses the whole, kept as one dead letter. None: every record passed, go on.

        The check and the writes after it are two steps: an answer on the same referral arriving in between can
        still refuse a record at the write, and the receipt then says so, as for any submission."""
        rejected = list(parse_rejections)
        if not rejected:
            checked = await asyncio.gather(
                self.decide(submission, mine, [], check_only=True),
                *(self._peers.decide(url, submission, records, check_only=True) for url, records in theirs.items()),
            )
            rejected = [r for _, rejections in checked for r in rejections]
        if not rejected:
            return None
        every = [record.record_no for record in (*mine, *(r for records in theirs.values() for r in records))]
        refused = all_or_nothing.refuse(body, sorted(rejected, key=lambda r: r.record_no), every)
        self._fits(0, len(body) + intake.RECORD_OVERHEAD)
        await self._dead_letter(submission, refused.dead_letter)
        metrics.DEAD_LETTERS.labels(submission.partner, refused.dead_letter.code).inc()
        metrics.SUBMISSIONS.labels(submission.partner, "refused").inc()
        return {"submission_id": submission.submission_id, "accepted": [], "rejected": refused.rows}

    async def _refuse(
        self,
        partner: str,
        adapter: InboundAdapter,
        submission_id: str,
        body: bytes,
        received_at: datetime,
        refused: SubmissionRefused,
    ) -> None:
        submission = Submission(partner, adapter, submission_id, received_at, b"")
        whole = RecordRejection(record_no=0, field=refused.field, code=refused.code, reason=refused.reason, raw=body)
        await self._dead_letter(submission, whole)
        metrics.DEAD_LETTERS.labels(partner, refused.code).inc()


async def _settled(written: asyncio.Future[None]) -> None:
    """Raises EarlierCopyNotWritten if that write failed; shielded: one waiter giving up cancels nobody's write."""
    await asyncio.shield(written)


def subject_identity(record: InboundReferral) -> tuple[str, str]:
    """(namespace, identifier) of the person a referral is about: the national ID, else the e-mail address."""
    person = record.subject
    if person.national_id:
        return "NID", person.national_id
    if person.email:
        return "EMAIL", person.email
    # No identifier at all: a subject of its own until a case manager links it to a person.
    return "REF", record.partner_ref


async def _bounded(sends: list[Awaitable[None]]) -> None:
    """Every send, at most MAX_IN_FLIGHT at a time. All at once, a file of 5,000 refused records kept 10,000
    writes waiting on the producer's full batch; each drained batch woke every one of them (quadratic), and one
    150 KB file of 50,000 empty JSON objects held the worker's CPU for many minutes, every partner's requests
    and /healthz with it."""
    if len(sends) <= MAX_IN_FLIGHT:
        await asyncio.gather(*sends)
        return
    pending = iter(sends)

    async def worker() -> None:
        for send in pending:
            await send

    workers = [asyncio.ensure_future(worker()) for _ in range(MAX_IN_FLIGHT)]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        _close(list(pending))  # never started
        raise


def _close(sends: list[Awaitable[None]]) -> None:
    """Writes planned but never to be started: closed, or each warns "never awaited"."""
    for send in sends:
        if asyncio.iscoroutine(send):
            send.close()


def _concerns(entry: Mapping[str, Any], partner: str) -> bool:
    """Whether the partner sent the referral or was ever one of its destinations."""
    return partner == entry.get("source") or partner in entry["destinations"]


def _answered_before(entry: Mapping[str, Any], event_id: str) -> bool:
    return any(
        t.get("event_id") == event_id for delivery in entry["destinations"].values() for t in delivery["history"]
    )


def _with_partner_ref(record: InboundReferral, partner_ref: str) -> InboundReferral:
    return replace(record, partner_ref=partner_ref)


def _rejection(record_no: int, raw: bytes, field: str, code: str, reason: str) -> RecordRejection:
    return RecordRejection(record_no=record_no, field=field, code=code, reason=reason, raw=raw)


def _refusal_row(refused: SubmissionRefused, record_no: int) -> dict[str, Any]:
    return {
        "record": record_no if refused.record_count else 0,
        "field": refused.field,
        "code": refused.code,
        "reason": mask_ids(refused.reason),
    }


def _quarantine_key_id(submission_id: str) -> str:
    return f"Q-{submission_id}"


def _dead_letter_key_id(submission_id: str, record_no: int) -> str:
    return f"Q-{submission_id}/{record_no}"


def _order_key_id(submission_id: str, record_no: int) -> str:
    return f"Q-{submission_id}/order-{record_no}"


def new_submission_id(received_at: datetime) -> str:
    return f"SUB-{received_at:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def _refused_by_routing(partner: str, record: InboundReferral) -> RecordRejection | None:
    """A referral whose rule's criteria are not met (e.g. 家支計畫 without any criterion) is refused at once,
    with the rule's reason, rather than receipted and dead-lettered later by the router."""
    probe = {
        "kind": record.kind,
        "source": partner,
        "service_type": record.service_type,
        "attributes": dict(record.attributes),
        "out_of_area": False,
        "gender": None,
        "district": None,
    }
    try:
        routing.route(probe)
    except routing.RouteRefused as refused:
        field = "familySupport" if refused.rule_id == "SV-FAMILY" else "kind"
        return _rejection(record.record_no, record.raw, field, refused.code, refused.reason)
    except routing.NoRoute:
        return None  # the router dead-letters what no rule covers, with the operators' reason
    return None


_TARGET_CODES = (
    "REDIRECT",
    "UNKNOWN_TARGET",
    "TARGET_ALREADY",
    "ALREADY_DISPATCHED",
    "DISPATCH_NOT_ALLOWED",
    "CANNOT_HAND_ON",
)


def _refused_field(code: str, record: InboundStatusUpdate) -> str:
    """The field a clerk must fix: the referral number, the target named, or the status."""
    if code == "NOT_ADDRESSED_TO_YOU":
        return "referralId"
    if code.startswith(_TARGET_CODES):
        return "redirectTo" if record.state == "REDIRECTED" else "dispatchTo"
    return "status"
