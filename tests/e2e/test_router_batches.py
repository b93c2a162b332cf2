"""The router takes what a poll returns as a batch: a referral that comes twice in one (its amendment right
behind it) is routed in order, version by version, on the real broker."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from processors import ids, intake
from processors.privacy import envelopes, pseudonyms
from schemas.codec import codec_for
from streams.secrets import load_secrets
from streams.settings import Settings
from streams.topology import REFERRAL_EVENTS, SUBJECT_KEYS
from tests.support import events, police
from tests.support.processes import HubProcess
from tests.support.topics import Message, produce, wait_for

pytestmark = pytest.mark.broker


def first_copies(messages: list[Message], id_field: str) -> list[Message]:
    """Each record once, where it first appeared (a repeat is byte-identical: the same id)."""
    seen: dict[str, Message] = {}
    for message in messages:
        seen.setdefault(message.value[id_field], message)
    return list(seen.values())


def test_a_referral_and_its_amendment_in_one_batch_are_routed_in_order(hub: HubProcess) -> None:
    secrets = load_secrets(Settings(secrets_file=hub.work_dir / "secrets.json"))
    subject_id, data_key = pseudonyms.new_subject_id(), envelopes.new_data_key()
    received = datetime.now(UTC)
    codec = codec_for(REFERRAL_EVENTS.schema)

    def encoded(ref: str, version: int, phone: str) -> tuple[bytes, bytes]:
        record = events.inbound(ref, phone=phone)
        event = intake.referral_event(
            record,
            referral=ids.referral_id(events.SECRET, "POLICE", ref),
            source="POLICE",
            submission_id=f"SUB-BATCH-{ref}-{version}",
            inbound_format="POLICE_CSV",
            received_at=received,
            subject_id=subject_id,
            version=version,
            digest=intake.content_digest(events.SECRET, "POLICE", record),
            personal=envelopes.seal_json(data_key, subject_id, intake.personal_fields(record)),
        )
        return event["referral_id"].encode(), codec.encode(event)

    amended_ref, other_ref = police.fresh_refs(2)
    first, other, amended = (
        encoded(amended_ref, 1, "0912345678"),
        encoded(other_ref, 1, "0912345678"),
        encoded(amended_ref, 2, "0987654321"),
    )
    referral_id, other_id = first[0].decode(), other[0].decode()
    # With the hub stopped the three wait together, so the router's first poll takes them as one batch.
    hub.stop()
    try:
        produce(hub.broker.bootstrap, SUBJECT_KEYS.name, [events.wrapped_key(secrets, subject_id, data_key, received)])
        produce(hub.broker.bootstrap, REFERRAL_EVENTS.name, [first, other, amended])
    finally:
        hub.start()

    # At least once: a restart or a rebalance may repeat a record byte for byte; a consumer dedupes on its id.
    statuses = first_copies(
        wait_for(
            hub.broker.bootstrap,
            "referrals.status",
            lambda m: m.value["referral_id"] == referral_id,
            4,
            timeout=60,
            distinct=lambda m: m.value["event_id"],
        ),
        "event_id",
    )
    # One partition holds a referral's records: their order is the order the router sent them in.
    assert [(m.value["version"], m.value["state"]) for m in statuses] == [(1, "ROUTED")] * 2 + [(2, "ROUTED")] * 2
    social = first_copies(
        wait_for(
            hub.broker.bootstrap,
            "assignments.SOCIAL",
            lambda m: m.value["referral_id"] == referral_id,
            2,
            timeout=60,
            distinct=lambda m: m.value["assignment_id"],
        ),
        "assignment_id",
    )
    assert [m.value["version"] for m in social] == [1, 2]
    assert [m.value["assignment_id"] for m in social] == [
        ids.assignment_id(referral_id, "SOCIAL", 1),
        ids.assignment_id(referral_id, "SOCIAL", 2),
    ]
    [routed_other] = first_copies(
        wait_for(
            hub.broker.bootstrap, "assignments.SOCIAL", lambda m: m.value["referral_id"] == other_id, 1, timeout=60
        ),
        "assignment_id",
    )
    assert routed_other.value["version"] == 1
