"""Decoded events as the topics carry them (the Avro field names), built by hand for the KPI engine's tests."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from processors.kpi.facts import Facts
from processors.sla.calendar import TAIPEI

_ids = itertools.count(1)


def taipei(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TAIPEI)


def referral(
    referral_id: str,
    kind: str,
    subject_id: str,
    received_at: datetime,
    *,
    source: str = "POLICE",
    version: int = 1,
    service_type: str | None = None,
    out_of_area: bool = False,
    **attributes: str,
) -> dict[str, Any]:
    return {
        "event_id": f"E-{referral_id}-{version}",
        "referral_id": referral_id,
        "version": version,
        "kind": kind,
        "service_type": service_type,
        "source": source,
        "subject_id": subject_id,
        "received_at": received_at,
        "out_of_area": out_of_area,
        "attributes": attributes,
        "personal": {"key_id": subject_id, "nonce": b"\x00" * 12, "ciphertext": b"sealed"},
    }


def status(
    referral_id: str, destination: str, state: str, at: datetime, *, reason: str | None = None, by: str | None = None
) -> dict[str, Any]:
    return {
        "event_id": f"SC-{next(_ids)}",
        "referral_id": referral_id,
        "destination": destination,
        "state": state,
        "at": at,
        "by": by or ("HUB" if state == "ROUTED" else destination),
        "reason_code": reason,
    }


def contact(
    subject_id: str, at: datetime, mode: str = "PHONE", *, reached: bool = True, need_level: str | None = None
) -> dict[str, Any]:
    return {
        "event_id": f"CT-{next(_ids)}",
        "subject_id": subject_id,
        "mode": mode,
        "reached": reached,
        "need_level": need_level,
        "at": at,
        "received_at": at,
    }


def sla(
    referral_id: str | None,
    clock: str,
    event_type: str,
    at: datetime,
    *,
    destination: str = "SOCIAL",
    subject_id: str = "S-1",
    started_at: datetime | None = None,
    late: bool = False,
    clock_id: str | None = None,
) -> dict[str, Any]:
    started = started_at or at
    return {
        "event_id": f"SE-{next(_ids)}",
        "clock_id": clock_id or f"C-{referral_id or subject_id}-{clock}-{destination}",
        "clock": clock,
        "type": event_type,
        "referral_id": referral_id,
        "subject_id": subject_id,
        "destination": destination,
        "started_at": started,
        "due_at": started,
        "at": at,
        "late": late,
    }


def gap(
    gap_id: str, subject_id: str, gap_type: str, status_: str, opened_at: datetime, closed_at: datetime | None = None
) -> dict[str, Any]:
    return {
        "event_id": f"G-{gap_id}-{status_}",
        "gap_id": gap_id,
        "subject_id": subject_id,
        "gap_type": gap_type,
        "status": status_,
        "referral_id": None,
        "opened_at": opened_at,
        "closed_at": closed_at,
        "at": closed_at or opened_at,
    }


def answer(referral_id: str, partner: str, state: str, at: datetime, **attributes: str) -> dict[str, Any]:
    return {
        "event_id": f"U-{next(_ids)}",
        "referral_id": referral_id,
        "partner": partner,
        "state": state,
        "at": at,
        "received_at": at,
        "attributes": attributes,
    }


def hours(referral_id: str, subject_id: str, period: str, amount: float, received_at: datetime) -> dict[str, Any]:
    return {
        "event_id": f"H-{next(_ids)}",
        "referral_id": referral_id,
        "subject_id": subject_id,
        "hours": amount,
        "period": period,
        "received_at": received_at,
    }


def facts(*events: tuple[str, dict[str, Any]], as_of: datetime | None = None) -> Facts:
    """Facts fed with ``(topic method, event)`` pairs, e.g. ``("referral", referral(...))``; ``as_of`` moves the
    hub's latest record past the period, as a report read after the period has it."""
    found = Facts()
    for method, event in events:
        getattr(found, f"add_{method}")(event)
    if as_of is not None:
        found.as_of = as_of
    return found
