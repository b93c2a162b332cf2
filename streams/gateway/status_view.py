"""The shape ``refhub status`` prints: one referral, its state per destination with history, its SLA clocks,
and — for operators — the person's open break points (斷點)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from processors import retention
from processors.erasure.referrals import MARK, is_erased
from processors.journeys.journey import open_gaps
from processors.ledger import LedgerEntry


def render(
    entry: LedgerEntry, clocks: Mapping[str, Any] | None = None, journey: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    if is_erased(entry):
        return erased(entry)
    if retention.is_retired(entry):
        return retired(entry)
    view: dict[str, Any] = {
        "referral_id": entry["referral_id"],
        "kind": entry["kind"],
        "source": entry["source"],
        "version": entry["version"],
        "destinations": {
            destination: {
                "state": delivery["state"],
                "assignment_id": delivery["assignment_id"],
                "history": delivery["history"],
            }
            for destination, delivery in entry["destinations"].items()
        },
        "clocks": sorted(
            (dict(clock) for clock in (clocks or {}).get("clocks", {}).values()),
            key=lambda clock: (clock["due_at"], clock["clock"]),
        ),
    }
    if journey is not None:
        # The person's gaps concern other agencies' referrals too: operators only (need to know).
        view["open_gaps"] = [dict(gap) for gap in open_gaps(journey)]
    return view


def erased(marker: Mapping[str, Any]) -> dict[str, Any]:
    """An erased referral (塗銷): that it was erased, when and under what law — nothing about the person."""
    mark = marker[MARK]
    return {
        "referral_id": marker["referral_id"],
        "erased": True,
        "erased_at": mark["at"],
        "legal_basis": mark["legal_basis"],
        "destinations": {destination: {"state": "ERASED"} for destination in marker["destinations"]},
        "clocks": [],
    }


def retired(marker: Mapping[str, Any]) -> dict[str, Any]:
    """A closed referral past its retention: how each destination closed, and when — its history and clocks
    have left the hub's tables (they remain on the event topics)."""
    mark = marker[retention.RETIRED]
    return {
        "referral_id": marker["referral_id"],
        "kind": marker["kind"],
        "source": marker["source"],
        "version": marker["version"],
        "retired": True,
        "closed_at": mark["closed_at"],
        "retired_at": mark["at"],
        "destinations": {
            destination: {"state": held["state"], "assignment_id": held["assignment_id"]}
            for destination, held in marker["destinations"].items()
        },
        "clocks": [],
    }
