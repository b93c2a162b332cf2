"""Judging one journey clock at an instant: was the duty met, did it warn, breach, open or close its break
point (斷點) — and which events say so.

The judgement reconstructs what happened up to ``now`` from what the journey knows, and emits each event
once: a clock looked at late (the hub was down, a step was slow) emits the same events, with the same
instants, as one looked at on time — the warning is not lost, the breach is at the deadline, not at the
look. A duty met before its warning instant never warns; one met before its deadline never breaches.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from processors.journeys import texts
from processors.journeys.duties import allowed
from processors.journeys.events import chronological, gap_event, sla_event
from processors.journeys.ids import gap_id
from processors.journeys.model import Contact, Duty, Gap, Journey, instant, iso
from processors.journeys.periods import month_of, month_start, months_spanned
from processors.journeys.treatment import current_destination, first_start, refusal


def settled(duty: Duty) -> bool:
    """Nothing more can happen to this clock: met, breached or stopped (its referral withdrawn), and its break
    point (if any) closed."""
    gap = duty["gap"]
    ended = duty["met_at"] is not None or duty["breached"] or stopped(duty)
    return ended and (gap is None or gap["closed_at"] is not None)


def silent(duty: Duty) -> bool:
    """The clock has said nothing yet: no warning, breach, met or break point."""
    return not (duty["warned"] or duty["breached"] or duty["met_at"] or duty["gap"])


def stopped(duty: Duty) -> bool:
    """The clock's referral was withdrawn before the duty was met or breached (:mod:`.withdrawal`)."""
    return duty.get("stopped_at") is not None


def next_instant(duty: Duty) -> datetime | None:
    """When this clock must next be looked at without any step arriving (its warning, then its deadline)."""
    if duty["met_at"] is not None or stopped(duty):
        return None
    if not duty["warned"]:
        return instant(duty["warning_at"])
    if not duty["breached"]:
        return instant(duty["due_at"])
    return None


def satisfaction(duty: Duty, journey: Journey, *, within_period: bool) -> tuple[datetime, str] | None:
    """When the duty's requirement was fulfilled, and by which step. ``within_period`` limits a period's
    clock to contacts inside the period (meeting it); without it, contacts after it count too (mending the
    break point)."""
    if duty["need"] == "TREATMENT_START":
        record = journey["referrals"].get(duty["referral_id"] or "")
        return first_start(record) if record else None
    until = instant(duty["count_until"]) if within_period and duty["count_until"] else None
    counted = _contacts(journey, instant(duty["count_from"]), until)
    if len(counted) < duty["contacts"]:
        return None
    nth = counted[duty["contacts"] - 1]
    fulfilled = (instant(nth["at"]), f"CONTACT/{nth['step_id']}")
    if duty["home_from"] is not None:
        visits = [c for c in _contacts(journey, instant(duty["home_from"]), until) if c["home"]]
        if not visits:
            return None
        fulfilled = max(fulfilled, (instant(visits[0]["at"]), f"CONTACT/{visits[0]['step_id']}"))
    return fulfilled


def _contacts(journey: Journey, start: datetime, until: datetime | None) -> list[Contact]:
    found = [
        contact
        for contact in journey["contacts"]
        if start <= instant(contact["at"]) and (until is None or instant(contact["at"]) < until)
    ]
    return sorted(found, key=lambda c: (instant(c["at"]), c["step_id"]))


def judge(duty: Duty, journey: Journey, now: datetime) -> list[dict[str, Any]]:
    """Bring ``duty`` up to ``now`` (mutating it) and return the events that newly happened, in order."""
    if settled(duty):
        return []
    subject = journey["subject_id"]
    happened: list[dict[str, Any]] = []
    _follow_destination(duty, journey)
    warning_at, due_at = instant(duty["warning_at"]), instant(duty["due_at"])
    if duty["met_at"] is None:
        met = satisfaction(duty, journey, within_period=True)
        if met is not None and duty["level_set_at"] is not None:
            # A lower need level made the month's contacts enough: it was met when the level changed.
            met = max(met, (instant(duty["level_set_at"]), duty["level_set_by"] or ""))
        met_at = met[0] if met else None
        if not duty["warned"] and warning_at <= now and (met_at is None or met_at > warning_at):
            duty["warned"] = True
            happened.append(sla_event(subject, duty, "WARNING", warning_at))
        if not duty["breached"] and due_at <= now and (met_at is None or met_at >= due_at):
            duty["breached"] = True
            happened.append(sla_event(subject, duty, "BREACH", due_at))
        if met is not None:
            duty["met_at"], duty["met_by"] = iso(met[0]), met[1]
            happened.append(sla_event(subject, duty, "MET", met[0], late=met[0] >= due_at))

    gap = duty["gap"]
    if gap is None:
        gap = duty["gap"] = _open(duty, journey)
        if gap is not None:
            happened.append(gap_event(subject, duty, gap, "OPEN"))
    if gap is not None and gap["closed_at"] is None:
        mended = satisfaction(duty, journey, within_period=False)
        if mended is not None:
            # A missing step reported late (補登) may predate the opening: the gap then lasted no time at all.
            closed_at = max(mended[0], instant(gap["opened_at"]))
            gap["closed_at"], gap["closed_by"] = iso(closed_at), mended[1]
            happened.append(gap_event(subject, duty, gap, "CLOSED"))
    return chronological(happened)


def _follow_destination(duty: Duty, journey: Journey) -> None:
    """A deferred prosecution's duty names whoever holds the treatment now (a redirect hands it on)."""
    if duty["need"] == "TREATMENT_START" and duty["met_at"] is None:
        record = journey["referrals"].get(duty["referral_id"] or "")
        if record is not None:
            duty["destination"] = current_destination(record)


def _open(duty: Duty, journey: Journey) -> Gap | None:
    """The break point, if the deadline passed unmet or (deferred prosecution) nobody is left to treat."""
    candidates: list[tuple[datetime, str]] = []
    if duty["breached"]:
        candidates.append((instant(duty["due_at"]), _missed_detail(duty, journey)))
    if duty["need"] == "TREATMENT_START" and duty["met_at"] is None:
        record = journey["referrals"].get(duty["referral_id"] or "")
        refused = refusal(record) if record else None
        if refused is not None:
            candidates.append((refused[0], texts.treatment_refused(refused[1], refused[2])))
    if not candidates:
        return None
    opened_at, detail = min(candidates)
    return Gap(gap_id=gap_id(duty["clock_id"]), opened_at=iso(opened_at), closed_at=None, closed_by=None, detail=detail)


def _missed_detail(duty: Duty, journey: Journey) -> str:
    started = instant(duty["started_at"])
    if duty["clock"] == "FIRST_CONTACT_AFTER_RELEASE":
        return texts.released_no_contact(started.date(), allowed(duty))
    if duty["clock"] == "DP_TREATMENT_START":
        return texts.no_treatment_start(duty["destination"], allowed(duty))
    if duty["clock"] == "YOUTH_FOLLOWUP":
        last_day: date = (instant(duty["due_at"]) - timedelta(days=1)).date()
        return texts.youth_followup_lapsed(int((duty["period"] or "Q0")[1:]), started.date(), last_day)
    # A month's cadence clock: say which requirement was missed — the contacts, the home visit, or both.
    month, until = duty["period"] or "", instant(duty["due_at"])
    reached = len(_contacts(journey, instant(duty["count_from"]), until))
    home_window = month_of(instant(duty["home_from"])) if duty["home_from"] else None
    home_missing = home_window is not None and not any(
        c["home"] for c in _contacts(journey, month_start(home_window), until)
    )
    return texts.below_cadence(
        month,
        duty["level"] or "LOW",
        reached,
        duty["contacts"],
        home_window if home_missing else None,
        months_spanned(home_window, month) if home_window else 0,
    )
