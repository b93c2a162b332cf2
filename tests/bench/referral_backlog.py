"""A backlog of canonical referral events, encoded exactly as the gateway writes them, produced onto a topic.

The events are built through the real intake code (tests/support/events.py's record, one subject and one data
key per referral, the personal block sealed), so each is the size of a real POLICE child-protection event. Each
subject's data key goes on ``subjects.keys`` wrapped under the hub's master key, as the gateway would have
written it: the router opens the personal block to seal each destination's view, and a referral whose subject
has no key is taken for one erased before routing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from processors import ids, intake
from processors.ledger import plan_routing
from processors.privacy import envelopes, pseudonyms
from schemas.codec import codec_for
from streams.secrets import HubSecrets
from streams.topology import ASSIGNMENTS, REFERRAL_EVENTS, REFERRAL_STATUS
from tests.support import events, police


@dataclass(frozen=True)
class Backlog:
    records: list[tuple[bytes, bytes]]
    """(key, value) as on ``referrals.events``: key = referral id, value = Avro single-object encoded."""
    referral_ids: frozenset[str]
    keys: list[tuple[bytes, bytes]]
    """(key id, wrapped DataKey record) for ``subjects.keys``."""
    outputs_per_referral: dict[str, int]
    """Output topic → records the router writes there per referral (assignments and ROUTED statuses)."""

    @property
    def mean_value_bytes(self) -> float:
        return sum(len(value) for _, value in self.records) / len(self.records)


def build(count: int, secrets: HubSecrets, received_at: datetime | None = None) -> Backlog:
    codec = codec_for(REFERRAL_EVENTS.schema)
    received = received_at or datetime.now(UTC)
    records: list[tuple[bytes, bytes]] = []
    keys: list[tuple[bytes, bytes]] = []
    first: dict[str, Any] | None = None
    for n, ref in enumerate(police.fresh_refs(count), start=1):
        record = events.inbound(ref, record_no=n)
        subject_id = pseudonyms.new_subject_id()
        data_key = envelopes.new_data_key()
        keys.append(events.wrapped_key(secrets, subject_id, data_key, received))
        event = intake.referral_event(
            record,
            referral=ids.referral_id(events.SECRET, "POLICE", record.partner_ref),
            source="POLICE",
            submission_id=f"SUB-BENCH-{ref}",
            inbound_format="POLICE_CSV",
            received_at=received,
            subject_id=subject_id,
            version=1,
            digest=intake.content_digest(events.SECRET, "POLICE", record),
            personal=envelopes.seal_json(data_key, subject_id, intake.personal_fields(record)),
        )
        first = first or event
        records.append((event["referral_id"].encode(), codec.encode(event)))
    assert first is not None, "an empty backlog measures nothing"
    plan = plan_routing(first, None, received + timedelta(seconds=1))
    outputs: dict[str, int] = {}
    for assignment in plan.assignments:
        topic = ASSIGNMENTS[assignment["destination"]].name
        outputs[topic] = outputs.get(topic, 0) + 1
    outputs[REFERRAL_STATUS.name] = len(plan.statuses)
    return Backlog(records, frozenset(key.decode() for key, _ in records), keys, outputs)
