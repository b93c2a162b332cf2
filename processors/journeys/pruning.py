"""Keeping a journey bounded: what no clock can use any more is dropped.

The horizon is the earlier of ``now - keep_closed_for`` and the first instant a still-running clock (or the
next follow-up month's home-visit window) may count from. Contacts before it, settled clocks that ended
before it and finished referrals no clock refers to are dropped, and ``kept_from`` records the horizon: a
step dated before it is a replay, and must not start those clocks again.
"""

from __future__ import annotations

from datetime import date, datetime

from processors.journeys.duties import window_start
from processors.journeys.judge import settled
from processors.journeys.model import Duty, Journey, ReferralRecord, instant, iso
from processors.journeys.periods import midnight, month_start, shift_month
from processors.journeys.policy import JourneyPolicy
from processors.lifecycle import TERMINAL, State


def horizon(journey: Journey, now: datetime, policy: JourneyPolicy) -> datetime:
    starts = [now - policy.keep_closed_for]
    starts += [window_start(duty) for duty in journey["duties"].values() if not settled(duty)]
    followup = journey["followup"]
    if followup is not None and followup["closed_at"] is None:
        # The next month may be judged at any level, so keep the longest home-visit window any level uses.
        starts.append(month_start(shift_month(followup["next_month"], 1 - policy.longest_home_window)))
    return min(starts)


def prune(journey: Journey, now: datetime, policy: JourneyPolicy) -> None:
    cut = horizon(journey, now, policy)
    dropped = False

    kept_contacts = [c for c in journey["contacts"] if instant(c["at"]) >= cut]
    dropped |= len(kept_contacts) < len(journey["contacts"])
    journey["contacts"] = kept_contacts

    for clock_id, duty in list(journey["duties"].items()):
        if settled(duty) and _last_instant(duty) < cut:
            del journey["duties"][clock_id]
            dropped = True

    referred = {duty["referral_id"] for duty in journey["duties"].values()}
    for referral_id, record in list(journey["referrals"].items()):
        # A record whose REFERRED step has not arrived yet is kept: that step will start clocks that need it.
        waiting = record["referred_at"] is None
        if referral_id not in referred and not waiting and _finished(record) and _last_activity(record) < cut:
            del journey["referrals"][referral_id]
            dropped = True

    followup = journey["followup"]
    ended = followup is not None and followup["closed_at"] is not None and instant(followup["closed_at"]) < cut
    if ended and not any(duty["clock"] == "FOLLOWUP_CADENCE" for duty in journey["duties"].values()):
        journey["followup"] = None
        dropped = True

    if dropped and (journey["kept_from"] is None or instant(journey["kept_from"]) < cut):
        journey["kept_from"] = iso(cut)


def _last_instant(duty: Duty) -> datetime:
    instants = [instant(duty["due_at"])]
    ends = (duty["met_at"], duty.get("stopped_at"), duty["gap"] and duty["gap"]["closed_at"])
    instants += [instant(at) for at in ends if at]
    return max(instants)


def _finished(record: ReferralRecord) -> bool:
    # Terminal only: a COMPLETED delivery may still be CLOSED, which must not look like a first closure.
    return all(State(delivery["state"]) in TERMINAL for delivery in record["deliveries"].values())


def _last_activity(record: ReferralRecord) -> datetime:
    instants = [instant(record["last_step_at"])]
    for key in ("expected_release_date", "deferral_end"):
        # A referral about a date still to come stays, even with nothing left to deliver.
        if record["facts"].get(key):
            instants.append(midnight(date.fromisoformat(record["facts"][key])))
    return max(instants)
