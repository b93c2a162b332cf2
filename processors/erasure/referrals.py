"""Hop 3 of an erasure order, on the referral's partition (the ledger's): erase one referral.

The ledger entry is replaced by an erased marker in one write, so a crash between this step's writes cannot
leave a referral half erased: the marker says what the step sends, and a redelivered step (or a repeated
order) re-sends it byte for byte. The marker keeps what the closed loop still needs — the referral id, its
source, and per destination the state it was erased from — and nothing about the person.

Every destination that was sent the referral is told to delete its copy (an ErasureNotice beside its
assignments), whatever its state: a completed case is still a copy. The source learns, as a status change
CANCELLED with reason ERASED by HUB per delivery, why nothing more will come.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from processors import ids
from processors.erasure import counts
from processors.lifecycle import State

ERASED: Final = "ERASED"
"""The reason code of an erasure's status changes and notices."""
HUB: Final = "HUB"
MARK: Final = "erased"


def is_erased(entry: Mapping[str, Any] | None) -> bool:
    """True for the marker an erased referral leaves in the ledger."""
    return bool(entry) and MARK in (entry or {})


def erased_marker(referral_id: str, at: datetime, order_id: str | None, legal_basis: str) -> dict[str, Any]:
    """The ledger's marker of a referral erased with nothing routed (in flight when the order came)."""
    return {
        "referral_id": referral_id,
        MARK: {"order_id": order_id, "at": at.isoformat(), "legal_basis": legal_basis},
        "source": None,
        "kind": None,
        "destinations": {},
        "erased_counts": counts.zero(),
    }


@dataclass
class ReferralErasure:
    marker: dict[str, Any]
    statuses: list[dict[str, Any]] = field(default_factory=list)
    """StatusChange records for referrals.status and the source's status topic."""
    notices: list[dict[str, Any]] = field(default_factory=list)
    """ErasureNotice records, each for its destination's assignments topic."""
    progress: dict[str, Any] = field(default_factory=dict)
    """The ErasureProgress record for erasure.progress (key: subject_id)."""
    repeat: bool = False


def erase_referral(
    step: Mapping[str, Any],
    entry: Mapping[str, Any] | None,
    *,
    clocks_held: bool,
    now: datetime,
) -> ReferralErasure:
    referral_id = step["referral_id"]
    legal_basis: str = step["legal_basis"]
    if is_erased(entry):
        assert entry is not None
        mark = entry[MARK]
        if mark["order_id"] == step["order_id"]:
            return _outputs(dict(entry), step, repeat=True)
        # Already erased (before routing, or under an earlier order): nothing more is held.
        return _outputs(
            erased_marker(referral_id, datetime.fromisoformat(mark["at"]), step["order_id"], legal_basis),
            step,
            repeat=True,
        )
    if entry is None:
        return _outputs(erased_marker(referral_id, now, step["order_id"], legal_basis), step)
    destinations = {
        destination: {
            "state": delivery["state"],
            "version": delivery["version"],
            "assignment_id": delivery["assignment_id"],
        }
        for destination, delivery in sorted(entry["destinations"].items())
    }
    erased = counts.zero()
    erased["referrals"] = 1
    erased["sla_clocks"] = 1 if clocks_held else 0
    erased["lecture_notices"] = 1 if entry.get("kind") == "LECTURE" else 0
    erased["destinations_notified"] = len(destinations)
    marker = {
        "referral_id": referral_id,
        MARK: {"order_id": step["order_id"], "at": now.isoformat(), "legal_basis": legal_basis},
        "source": entry["source"],
        "kind": entry["kind"],
        "destinations": destinations,
        "erased_counts": erased,
    }
    return _outputs(marker, step)


def _outputs(marker: dict[str, Any], step: Mapping[str, Any], *, repeat: bool = False) -> ReferralErasure:
    mark = marker[MARK]
    at = datetime.fromisoformat(mark["at"])
    order_id = step["order_id"]
    referral_id = marker["referral_id"]
    plan = ReferralErasure(marker=marker, repeat=repeat)
    for destination, held in marker["destinations"].items():
        plan.statuses.append(
            {
                "event_id": ids.erasure_status_event_id(referral_id, destination, order_id),
                "referral_id": referral_id,
                "version": held["version"],
                "kind": marker["kind"],
                "source": marker["source"],
                "destination": destination,
                "from_state": held["state"],
                "state": State.CANCELLED.value,
                "at": at,
                "by": HUB,
                "reason_code": ERASED,
                "rule": None,
            }
        )
        plan.notices.append(
            {
                "notice_id": ids.erasure_notice_id(referral_id, destination, order_id),
                "referral_id": referral_id,
                "destination": destination,
                "assignment_ids": [held["assignment_id"]],
                "reason_code": ERASED,
                "legal_basis": mark["legal_basis"],
                "at": at,
            }
        )
    plan.progress = {
        "order_id": order_id,
        "subject_id": step["subject_id"],
        "referral_id": referral_id,
        # A repeat reports what this referral's first erasure removed; an already-erased one removed nothing now.
        "erased": dict(marker["erased_counts"]) if mark["order_id"] == order_id else counts.zero(),
        "at": at,
    }
    return plan
