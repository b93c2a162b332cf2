"""Canonical events built through the real intake code, for processor tests without a broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from adapters.base import InboundReferral, Person, Place
from processors import ids, intake
from processors.privacy import envelopes
from schemas.codec import codec_for
from streams.secrets import HubSecrets
from streams.topology import SUBJECT_KEYS

SECRET = b"unit-test-lookup-secret"
TAIPEI = timezone(timedelta(hours=8))


def inbound(
    ref: str = "KPD-1140715-0031",
    *,
    kind: str = "CHILD_PROTECTION",
    record_no: int = 1,
    district: str | None = "鳳山區",
    out_of_area: bool = False,
    phone: str = "0912345678",
) -> InboundReferral:
    return InboundReferral(
        record_no=record_no,
        partner_ref=ref,
        kind=kind,
        occurred_at=datetime(2025, 7, 15, 14, 30, tzinfo=TAIPEI),
        subject=Person(national_id="A123456789", name="王小明", gender="M", phone=phone),
        place=Place(postal_code="830" if district else "100", district=district, out_of_area=out_of_area),
        legal_basis="兒童及少年福利與權益保障法第53條",
        raw=b"raw,row",
        attributes={"children_ages": "3;7"},
        personal_extra={"officer": "林警官"},
    )


def event(record: InboundReferral | None = None, *, version: int = 1) -> dict[str, Any]:
    record = record or inbound()
    key = envelopes.new_data_key()
    return intake.referral_event(
        record,
        referral=ids.referral_id(SECRET, "POLICE", record.partner_ref),
        source="POLICE",
        submission_id="SUB-1",
        inbound_format="POLICE_CSV",
        received_at=datetime(2025, 7, 15, 6, 31, tzinfo=UTC),
        subject_id="S-1",
        version=version,
        digest=intake.content_digest(SECRET, "POLICE", record),
        personal=envelopes.seal_json(key, "S-1", intake.personal_fields(record)),
    )


def answer(referral_id: str, partner: str, state: str, at: datetime, reason: str | None = None) -> dict[str, Any]:
    """A partner's answer as the answers agent takes it (one event id per partner and state)."""
    return {
        "event_id": f"U-{partner}-{state}",
        "referral_id": referral_id,
        "partner": partner,
        "state": state,
        "reason_code": reason,
        "at": at,
    }


def wrapped_key(secrets: HubSecrets, subject_id: str, data_key: bytes, created_at: datetime) -> tuple[bytes, bytes]:
    """(key, value) of the subject's data key on ``subjects.keys``, wrapped under the hub's master key, as the
    gateway writes it: for events put on ``referrals.events`` without the gateway."""
    nonce, wrapped = envelopes.wrap_key(secrets.master_key, subject_id, data_key)
    record = {
        "key_id": subject_id,
        "nonce": nonce,
        "wrapped_key": wrapped,
        "created_at": created_at,
        "master_key_version": secrets.current_master_version,
        "names": [],
    }
    return subject_id.encode(), codec_for(SUBJECT_KEYS.schema).encode(record)
