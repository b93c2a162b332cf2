"""A referral withdrawn (轉介撤回): its source cancelled it, or an amendment (更正) routed it away, so what was
still open of it ended CANCELLED. A STATE step does not say who cancelled: the hub's CANCELLED with reason
AMENDED arrives like the source's, and both mean the same here.

Nobody is owed what the referral's clocks were counting any more, so none of them breaches or opens a break
point (斷點) after it: a clock that had said nothing is withdrawn (as a moved release date withdraws one), a
clock that had spoken (a warning, a break point) is stopped where it is, and a met or breached one keeps its
history. A break point still open closes, by the step that completed the withdrawal.

Which deliveries count: every destination the current version routed (the REFERRED step's ``destinations``;
one with no STATE step yet is still routed, so open) and every delivery answered since that version was routed
(the target of a redirect or a dispatch). A REDIRECTED delivery handed its part on and does not count. A named
destination last answered before the current version was routed was routed again by it, so it is open; one
the current version no longer names is left behind (ended before it, or cancelled by it: AMENDED).

The referral is withdrawn when none of them is open or served (CLOSED) and the last to end was cancelled. A
source cancels only what is still open, so a destination that refused (REJECTED) or let the referral expire
before that stays in the history without keeping a cancelled referral's clocks alive; a refusal after a
cancellation is a refusal, not a withdrawal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from processors.journeys import texts
from processors.journeys.events import gap_event
from processors.journeys.judge import settled, silent
from processors.journeys.model import Journey, ReferralRecord, instant, iso
from processors.journeys.steps import Step
from processors.lifecycle import State

UNSERVED: Final = frozenset({State.REJECTED, State.EXPIRED, State.CANCELLED})
"""How a delivery ends without anyone serving the person."""


def withdrawn_at(record: ReferralRecord) -> datetime | None:
    """When the referral was withdrawn (its last cancellation), or None. Once withdrawn it stays so until a
    newer version is routed: no answer can reopen what its source cancelled, and a REFERRED step replayed
    later must find the same."""
    marked = record.get("withdrawn_at")
    if marked is not None and record["facts_at"] is not None and instant(record["facts_at"]) <= instant(marked):
        return instant(marked)
    return _last_cancellation(record)


def _last_cancellation(record: ReferralRecord) -> datetime | None:
    """The last cancellation, if it left nothing open: None while the journey does not know every routed
    destination, while a delivery is open or served, or if the last to end was not cancelled."""
    destinations = record["facts"].get("destinations", "")
    if record["facts_at"] is None or not destinations:
        return None
    routed_at = instant(record["facts_at"])
    named = {destination for destination in destinations.split(",") if destination}
    deliveries = record["deliveries"]
    ends: list[tuple[datetime, bool]] = []
    for destination in sorted(named | set(deliveries)):
        delivery = deliveries.get(destination)
        if delivery is None:
            return None  # routed, not answered yet
        at = instant(delivery["at"])
        if destination in named and at < routed_at:
            return None  # routed again by the current version
        if destination not in named and at <= routed_at:
            continue  # left behind by the current version
        state = State(delivery["state"])
        if state == State.REDIRECTED:
            continue
        if state not in UNSERVED:
            return None  # still open, or served
        ends.append((at, state == State.CANCELLED))
    if not ends:
        return None
    last = max(at for at, _ in ends)
    return last if all(cancelled for at, cancelled in ends if at == last) else None


def withdraw(journey: Journey, step: Step) -> list[dict[str, Any]]:
    """If the step's referral is now withdrawn, stop its clocks and close its open break points (once: a
    repeat finds nothing left to stop)."""
    record = journey["referrals"].get(step.referral_id or "")
    at = withdrawn_at(record) if record is not None else None
    if record is None or at is None:
        return []
    record["withdrawn_at"] = iso(at)
    events = []
    for clock_id, duty in list(journey["duties"].items()):
        if duty["referral_id"] != step.referral_id or settled(duty):
            continue
        gap = duty["gap"]
        if gap is not None and gap["closed_at"] is None:
            gap["closed_at"] = iso(max(at, instant(gap["opened_at"])))
            gap["closed_by"] = step.label
            gap["detail"] = texts.referral_withdrawn(gap["detail"])
            events.append(gap_event(journey["subject_id"], duty, gap, "CLOSED"))
        if duty["met_at"] is not None or duty["breached"]:
            continue  # its history stands; its break point, if any, has just closed
        if silent(duty):
            del journey["duties"][clock_id]
        else:
            duty["stopped_at"], duty["stopped_by"] = iso(at), step.label
    return events
