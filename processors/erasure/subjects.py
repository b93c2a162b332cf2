"""Hops 2 and 4 of an erasure order, on the subject's partition (the journey's): fan out, then collect.

The ``subject-index`` value of a person lists the referrals routed for them (fed by the journey's REFERRED
steps, never pruned while the person is not erased). Once an order reaches it, the value becomes the erasure's
record — which referrals are still being erased, what each one removed — and stays as the marker that makes the
journey agent ignore any later step about the person. The record holds pseudonymous ids and counts only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from processors.erasure import counts
from processors.erasure.completion import completed, outcome_of

ERASURE = "erasure"
REFERRALS = "referrals"


def is_erased(index: Mapping[str, Any] | None) -> bool:
    return bool(index) and ERASURE in (index or {})


def with_referral(index: Mapping[str, Any] | None, referral_id: str) -> dict[str, Any] | None:
    """The index after a REFERRED step, or None when it already lists the referral (nothing to write)."""
    known = list((index or {}).get(REFERRALS) or [])
    if referral_id in known:
        return None
    return {**dict(index or {}), REFERRALS: sorted([*known, referral_id])}


@dataclass
class SubjectPlan:
    value: dict[str, Any] | None
    """The index's new value (None: unchanged)."""
    steps: list[dict[str, Any]] = field(default_factory=list)
    """ErasureStep records for erasure.steps (key: referral_id)."""
    answer: dict[str, Any] | None = None
    """ERASURE_COMPLETED, when nothing is left to wait for."""
    erase_journey: bool = False


def _step(record: Mapping[str, Any], subject_id: str, referral_id: str) -> dict[str, Any]:
    return {
        "order_id": record["order_id"],
        "subject_id": subject_id,
        "referral_id": referral_id,
        "legal_basis": record["legal_basis"],
        "requested_at": datetime.fromisoformat(record["started_at"]),
    }


def _order_of(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "event_id": record["order_id"],
        "order_no": record["order_no"],
        "partner": record["partner"],
        "legal_basis": record["legal_basis"],
        "received_at": datetime.fromisoformat(record["received_at"]),
    }


def _answer(record: Mapping[str, Any]) -> dict[str, Any]:
    erased = counts.total([record["erased"], *record["done"].values()])
    return completed(_order_of(record), outcome_of(erased), erased, datetime.fromisoformat(record["completed_at"]))


def plan_subject(
    order: Mapping[str, Any], index: Mapping[str, Any] | None, journey_held: bool, now: datetime
) -> SubjectPlan:
    """Fan an order out to the person's referrals, and drop their journey."""
    subject_id: str = order["subject_id"]
    record = (index or {}).get(ERASURE)
    if record is not None:
        if record["order_id"] != order["event_id"]:
            return SubjectPlan(value=None)  # erased under an earlier order: the hub holds nothing more
        return _resend(record, subject_id)
    referrals = sorted((index or {}).get(REFERRALS) or [])
    erased = counts.total([order.get("erased") or {}, {"journeys": 1 if journey_held else 0}])
    record = {
        "order_id": order["event_id"],
        "order_no": order["order_no"],
        "partner": order["partner"],
        "legal_basis": order["legal_basis"],
        "received_at": order["received_at"].isoformat(),
        "started_at": now.isoformat(),
        "pending": referrals,
        "done": {},
        "erased": erased,
        "completed_at": None if referrals else now.isoformat(),
    }
    plan = SubjectPlan(value={ERASURE: record}, erase_journey=journey_held)
    plan.steps = [_step(record, subject_id, referral_id) for referral_id in referrals]
    if not referrals:
        plan.answer = _answer(record)
    return plan


def _resend(record: Mapping[str, Any], subject_id: str) -> SubjectPlan:
    """A repeat of the order: ask again for what is still pending (an erased referral answers again, the same),
    and answer again if the answer was already made."""
    plan = SubjectPlan(value=None, erase_journey=True)
    plan.steps = [_step(record, subject_id, referral_id) for referral_id in record["pending"]]
    if record["completed_at"] is not None:
        plan.answer = _answer(record)
    return plan


def late_referral(index: Mapping[str, Any], subject_id: str, referral_id: str) -> SubjectPlan:
    """A referral of an erased person routed after the order reached them (it was in flight): erase it too.
    The court's answer is not made again: the referral was received before the order and is covered by it."""
    record = dict(index[ERASURE])
    if referral_id in record["pending"] or referral_id in record["done"]:
        return SubjectPlan(value=None, steps=[_step(record, subject_id, referral_id)])
    record["pending"] = sorted([*record["pending"], referral_id])
    return SubjectPlan(value={**dict(index), ERASURE: record}, steps=[_step(record, subject_id, referral_id)])


def plan_progress(index: Mapping[str, Any] | None, progress: Mapping[str, Any]) -> SubjectPlan:
    """One referral erased: record it; the last one answers the court."""
    record = (index or {}).get(ERASURE)
    if record is None or record["order_id"] != progress["order_id"]:
        return SubjectPlan(value=None)
    referral_id = progress["referral_id"]
    if referral_id in record["done"]:
        return SubjectPlan(value=None, answer=_answer(record) if record["completed_at"] is not None else None)
    record = {
        **record,
        "pending": [r for r in record["pending"] if r != referral_id],
        "done": {**record["done"], referral_id: dict(progress["erased"])},
    }
    plan = SubjectPlan(value={**dict(index or {}), ERASURE: record})
    if not record["pending"] and record["completed_at"] is None:
        record["completed_at"] = progress["at"].isoformat()
        plan.answer = _answer(record)
    return plan
