"""Deterministic identifiers: the same input always yields the same id, so re-sends and replays
update what exists instead of creating a second referral, assignment or status event."""

from __future__ import annotations

import hashlib
import hmac


def _digest(*parts: str, length: int) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


def referral_id(key: bytes, source: str, partner_ref: str) -> str:
    """One referral per (sending partner, partner reference), however often it is sent. Keyed (HMAC under a
    deployment secret), so nobody outside can compute the id of a reference they merely know or guess — a partner
    probing whether a police notice exists learns nothing from the id."""
    message = "\x1f".join((source, partner_ref.strip())).encode()
    return "R-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def referral_event_id(referral: str, version: int) -> str:
    return "E-" + _digest(referral, str(version), length=24)


def assignment_id(referral: str, destination: str, version: int) -> str:
    return "A-" + _digest(referral, destination, str(version), length=24)


def status_event_id(referral: str, destination: str, version: int, state: str) -> str:
    return "T-" + _digest(referral, destination, str(version), state, length=24)


def dead_letter_id(submission: str, record_no: int) -> str:
    return f"{submission}/{record_no}"


def update_event_id(partner: str, partner_ref: str) -> str:
    """Status answers, contacts, treatment hours and orders: one event per (partner, partner reference)."""
    return "U-" + _digest(partner, partner_ref.strip(), length=24)


def erasure_status_event_id(referral: str, destination: str, order_id: str) -> str:
    """The CANCELLED (reason ERASED) status change an erasure order makes of one delivery."""
    return "T-" + _digest(referral, destination, "ERASED", order_id, length=24)


def erasure_notice_id(referral: str, destination: str, order_id: str) -> str:
    return "N-" + _digest(referral, destination, order_id, length=24)


def erasure_completed_id(order_id: str) -> str:
    return "C-" + _digest(order_id, length=24)


def audit_event_id(*parts: str) -> str:
    """An agent's audit event: deterministic from what it records, so a redelivered message re-sends the same one."""
    return "AU-" + _digest(*parts, length=24)
