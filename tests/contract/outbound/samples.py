"""Canonical records for the outbound renderers' tests, and the loader for the golden cases' JSON inputs.

The assignment is the ``Assignment`` record (schemas/assignment.avsc) as the router builds it, timestamps as
aware datetimes in UTC, which is how Avro hands them back; ``personal`` is the unsealed personal dict
(``processors.intake.personal_fields``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from adapters.outbound.items import AssignmentItem
from processors import ids


def fixture_referral_id(source: str, partner_ref: str) -> str:
    """A referral id for the renderers' fixtures. The hub's own ids are keyed (processors.ids.referral_id); the
    renderers only carry them, so the goldens keep ids made without a key."""
    return "R-" + hashlib.sha256(f"{source}\x1f{partner_ref}".encode()).hexdigest()[:20]


REFERRAL_ID = fixture_referral_id("POLICE", "KPD-1140715-0031")
NATIONAL_ID = "E200000132"  # make_national_id("E", "20000013"): a valid checksum, nobody's ID
ROUTED_AT = datetime(2025, 7, 15, 6, 31, 2, tzinfo=UTC)  # 14:31:02 in Kaohsiung
_TIMESTAMPS = ("occurred_at", "received_at", "routed_at", "at", "issued_at")


def assignment(**overrides: Any) -> dict[str, Any]:
    """A child-protection notice from the police, assigned to SOCIAL; keywords replace fields."""
    destination = overrides.get("destination", "SOCIAL")
    record: dict[str, Any] = {
        "assignment_id": ids.assignment_id(REFERRAL_ID, destination, 1),
        "referral_id": REFERRAL_ID,
        "version": 1,
        "destination": destination,
        "copy": False,
        "team": None,
        "priority": "URGENT",
        "kind": "CHILD_PROTECTION",
        "service_type": None,
        "source": "POLICE",
        "partner_ref": "KPD-1140715-0031",
        "subject_id": "S-3f9a1c0e7b2d4a68",
        "gender": "F",
        "district": "鳳山區",
        "out_of_area": False,
        "occurred_at": datetime(2025, 7, 15, 6, 30, tzinfo=UTC),
        "received_at": datetime(2025, 7, 15, 6, 30, 41, tzinfo=UTC),
        "routed_at": ROUTED_AT,
        "rule": "CP-1",
        "legal_basis": "兒童及少年福利與權益保障法第53條",
        "attributes": {"children_ages": "3;7", "drug_tier": "2", "venue_type": "住宅"},
        "personal": {"key_id": "S-3f9a1c0e7b2d4a68", "nonce": b"\x00" * 12, "ciphertext": b"sealed"},
    }
    record.update(overrides)
    return record


def personal(**overrides: Any) -> dict[str, Any]:
    """The unsealed personal fields of :func:`assignment`'s subject; a ``None`` removes a field."""
    fields: dict[str, Any] = {
        "national_id": NATIONAL_ID,
        "name": "林小雯",
        "birth_date": "1989-04-12",
        "phone": "0912000101",
        "officer": "陳正義",
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def status_change(**overrides: Any) -> dict[str, Any]:
    """SOCIAL acknowledging the notice (a ``StatusChange`` record)."""
    record: dict[str, Any] = {
        "event_id": ids.status_event_id(REFERRAL_ID, "SOCIAL", 1, "ACKNOWLEDGED"),
        "referral_id": REFERRAL_ID,
        "version": 1,
        "kind": "CHILD_PROTECTION",
        "source": "POLICE",
        "destination": "SOCIAL",
        "from_state": "ROUTED",
        "state": "ACKNOWLEDGED",
        "at": datetime(2025, 7, 15, 7, 5, tzinfo=UTC),
        "by": "SOCIAL",
        "reason_code": None,
        "rule": None,
    }
    record.update(overrides)
    return record


def erasure_notice(**overrides: Any) -> dict[str, Any]:
    """The hub telling SOCIAL to delete its copy of :func:`assignment`'s referral (an ``ErasureNotice`` record)."""
    destination = overrides.get("destination", "SOCIAL")
    record: dict[str, Any] = {
        "notice_id": "N-5d1c0f7e2b9a4c3d8e6f1a2b",
        "referral_id": REFERRAL_ID,
        "destination": destination,
        "assignment_ids": [ids.assignment_id(REFERRAL_ID, destination, 1)],
        "reason_code": "ERASED",
        "legal_basis": "少年事件處理法第83條之1",
        "at": datetime(2025, 8, 1, 2, 0, 5, tzinfo=UTC),
    }
    record.update(overrides)
    return record


def tagged(*pairs: tuple[dict[str, Any], dict[str, Any]]) -> list[AssignmentItem]:
    """``(assignment, personal)`` pairs as the items a format renderer takes."""
    return [AssignmentItem(assignment, personal) for assignment, personal in pairs]


def revive(value: Any) -> Any:
    """A golden case's JSON input with its ISO timestamp strings (under the known keys) as datetimes."""
    if isinstance(value, dict):
        return {
            key: datetime.fromisoformat(item) if key in _TIMESTAMPS and isinstance(item, str) else revive(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [revive(item) for item in value]
    return value
