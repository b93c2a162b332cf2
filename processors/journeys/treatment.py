"""Deferred prosecution (緩起訴): who must start the treatment, whether they did, and whether the person has
been left with nobody to treat them.

The treating destination is the hospital (or HEALTH, which finds one) when the prosecutor ordered addiction
treatment (附命戒癮治療, ``treatment_ordered = Y``), otherwise the bureau's community treatment (社區處遇).
A redirected delivery hands the duty on: the new destination's steps count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from processors.journeys.model import ReferralRecord, instant
from processors.journeys.referrals import BUREAU
from processors.lifecycle import TERMINAL, State

REFUSED: Final = frozenset({State.REJECTED, State.EXPIRED})
"""A delivery that ended here without a start leaves the person untreated (REDIRECTED hands on instead).
CANCELLED is no refusal: the source withdrew the referral, or an amendment (更正) routed it elsewhere; once
every delivery is cancelled the duty stops (:mod:`.withdrawal`), until then the clock runs to its deadline."""
HEALTH: Final = "HEALTH"


def treatment_ordered(record: ReferralRecord) -> bool:
    return record["facts"].get("treatment_ordered") == "Y"


def treats(record: ReferralRecord, destination: str) -> bool:
    return (destination != BUREAU) if treatment_ordered(record) else (destination == BUREAU)


def expected_destination(record: ReferralRecord) -> str:
    """Who should start, before any of them has answered."""
    if not treatment_ordered(record):
        return BUREAU
    routed = [d for d in record["facts"].get("destinations", "").split(",") if d and d != BUREAU]
    return record["facts"].get("hospital_code") or (routed[0] if routed else HEALTH)


def first_start(record: ReferralRecord) -> tuple[datetime, str] | None:
    """The earliest start by a treating destination, and the step that reported it."""
    starts = [
        (instant(delivery["started_at"]), delivery["start_step"] or "")
        for destination, delivery in record["deliveries"].items()
        if treats(record, destination) and delivery["started_at"] is not None
    ]
    return min(starts) if starts else None


def refusal(record: ReferralRecord) -> tuple[datetime, str, str] | None:
    """(when, destination, state) if every treating delivery has ended, none started and at least one was
    refused or expired: the break point opens at once rather than at the deadline."""
    treating = {d: delivery for d, delivery in record["deliveries"].items() if treats(record, d)}
    if not treating or any(
        delivery["started_at"] is not None or State(delivery["state"]) not in TERMINAL for delivery in treating.values()
    ):
        return None
    refused = [
        (instant(delivery["at"]), destination, delivery["state"])
        for destination, delivery in treating.items()
        if State(delivery["state"]) in REFUSED
    ]
    return max(refused) if refused else None


def current_destination(record: ReferralRecord) -> str:
    """The destination an SLA event names: the one that started, else the one now holding the referral."""
    started = [
        (instant(delivery["started_at"]), d)
        for d, delivery in record["deliveries"].items()
        if treats(record, d) and delivery["started_at"] is not None
    ]
    if started:
        return min(started)[1]
    holding = [
        (instant(delivery["at"]), d)
        for d, delivery in record["deliveries"].items()
        if treats(record, d) and State(delivery["state"]) != State.REDIRECTED
    ]
    return max(holding)[1] if holding else expected_destination(record)
