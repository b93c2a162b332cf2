"""The shape ``refhub status`` prints: one referral, its state per destination with history."""

from __future__ import annotations

from typing import Any

from processors.ledger import LedgerEntry


def render(entry: LedgerEntry) -> dict[str, Any]:
    return {
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
    }
