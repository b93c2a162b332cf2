"""Intake (受理): an adapter's accepted record → the canonical referral event.

Pure: the caller supplies the subject id and the sealed personal block (the gateway owns the keys).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from adapters.base import InboundRecord, InboundReferral, InboundStatusUpdate
from processors import ids
from processors.privacy.envelopes import Sealed


def personal_fields(record: InboundReferral) -> dict[str, Any]:
    """Everything that identifies the person: sealed, never in clear on a topic."""
    person = record.subject
    fields: dict[str, Any] = {
        "national_id": person.national_id,
        "name": person.name,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "phone": person.phone,
        "email": person.email,
    }
    fields.update(record.personal_extra)
    return {key: value for key, value in fields.items() if value not in (None, "")}


def content_digest(secret: bytes, source: str, record: InboundReferral) -> str:
    """Keyed hash of what the record says, not where it stood in the file: a re-sent record has the same
    digest whatever its row number, and a changed one (an amendment) has another. Keyed, because the
    content includes the national ID."""
    content = {
        "source": source,
        "partner_ref": record.partner_ref,
        "kind": record.kind,
        "service_type": record.service_type,
        "occurred_at": record.occurred_at.isoformat(),
        "gender": record.subject.gender,
        "place": [record.place.postal_code, record.place.district, record.place.out_of_area],
        "legal_basis": record.legal_basis,
        "attributes": record.attributes,
        # Not the flags: some depend on when the file arrived (LATE_NOTICE), and a re-send is still a duplicate.
        "personal": personal_fields(record),
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()


def referral_event(
    record: InboundReferral,
    *,
    referral: str,
    source: str,
    submission_id: str,
    inbound_format: str,
    received_at: datetime,
    subject_id: str,
    version: int,
    digest: str,
    personal: Sealed,
) -> dict[str, Any]:
    """The ``ReferralEvent`` Avro record (schemas/referral_event.avsc)."""
    return {
        "event_id": ids.referral_event_id(referral, version),
        "referral_id": referral,
        "version": version,
        "content_digest": digest,
        "kind": record.kind,
        "service_type": record.service_type,
        "source": source,
        "partner_ref": record.partner_ref,
        "submission_id": submission_id,
        "record_no": record.record_no,
        "format": inbound_format,
        "occurred_at": record.occurred_at,
        "received_at": received_at,
        "subject_id": subject_id,
        "gender": record.subject.gender,
        "district": record.place.district,
        "postal_code": record.place.postal_code,
        "out_of_area": record.place.out_of_area,
        "legal_basis": record.legal_basis,
        "attributes": dict(record.attributes),
        "flags": list(record.flags),
        "personal": personal.as_record(),
    }


RECORD_OVERHEAD = 4096
"""Room for what a record holds besides the partner's bytes: ids, times, codes, envelope nonce and tag."""


def stored_bytes(record: InboundRecord, context: bytes) -> int:
    """An upper estimate of the largest Kafka record this accepted record becomes (its sealed raw bytes on
    inbound.raw, or its canonical event with the sealed personal block), known before anything is written."""
    raw = len(record.raw) + len(context)
    sealed = 0
    if isinstance(record, InboundReferral):
        sealed = _json_bytes(personal_fields(record)) + _json_bytes(record.attributes)
    elif isinstance(record, InboundStatusUpdate):
        sealed = _json_bytes(record.personal_extra) + _json_bytes(record.attributes)
    return max(raw, sealed) + RECORD_OVERHEAD


def _json_bytes(value: dict[str, Any]) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode())
