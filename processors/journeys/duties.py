"""Starting journey clocks: which duties a referral or a follow-up month puts on the network, and when each
one warns and falls due. Nothing here judges a duty (:mod:`.judge` does)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from processors.journeys import ids, texts
from processors.journeys.model import GAP_OF, Clock, Duty, FollowUp, Journey, Need, ReferralRecord, instant, iso
from processors.journeys.periods import add_months, midnight, month_end, month_of, month_start, shift_month
from processors.journeys.policy import JourneyPolicy
from processors.journeys.referrals import BUREAU
from processors.journeys.stages import FOLLOW_UP, RELEASE, TREATMENT
from processors.journeys.treatment import expected_destination


def _duty(
    journey: Journey,
    clock: Clock,
    anchors: tuple[str, ...],
    started: datetime,
    due: datetime,
    policy: JourneyPolicy,
    *,
    stage: str,
    need: Need = "CONTACTS",
    count_until: datetime | None = None,
    contacts: int = 1,
    home_from: datetime | None = None,
    referral_id: str | None = None,
    record: ReferralRecord | None = None,
    destination: str = BUREAU,
    period: str | None = None,
    level: str | None = None,
    basis: str,
) -> Duty:
    return Duty(
        clock_id=ids.clock_id(journey["subject_id"], clock, *anchors),
        clock=clock,
        gap_type=GAP_OF[clock],
        stage=stage,
        referral_id=referral_id,
        kind=record["kind"] if record else None,
        source=record["source"] if record else None,
        destination=destination,
        period=period,
        level=level,
        level_set_at=None,
        level_set_by=None,
        started_at=iso(started),
        # 80 % of the allowed time, in the clock's own measure: elapsed time for every journey clock.
        warning_at=iso(started + (due - started) * policy.warn_at),
        due_at=iso(due),
        basis=basis,
        need=need,
        count_from=iso(started),
        count_until=iso(count_until) if count_until else None,
        contacts=contacts,
        home_from=iso(home_from) if home_from else None,
        warned=False,
        breached=False,
        met_at=None,
        met_by=None,
        gap=None,
    )


def release_day(record: ReferralRecord) -> date | None:
    text = record["facts"].get("expected_release_date")
    return date.fromisoformat(text) if text else None


def referral_duties(journey: Journey, referral_id: str, record: ReferralRecord, policy: JourneyPolicy) -> list[Duty]:
    """The clocks a referral starts: first community contact and youth quarters for a pre-release transfer
    (出監前轉銜), treatment start for a deferred prosecution (緩起訴)."""
    if record["kind"] == "PRE_RELEASE":
        day = release_day(record)
        if day is None:
            return []
        duties = [_first_contact(journey, referral_id, record, day, policy)]
        if record["facts"].get("youth") == "Y":
            duties += _youth_quarters(journey, referral_id, record, day, policy)
        return duties
    if record["kind"] == "DEFERRED_PROSECUTION" and record["referred_at"] is not None:
        return [_treatment_start(journey, referral_id, record, policy)]
    return []


def _first_contact(
    journey: Journey, referral_id: str, record: ReferralRecord, day: date, policy: JourneyPolicy
) -> Duty:
    # Released at the first minute of the expected date; only contacts from then on are community contacts.
    released = midnight(day)
    return _duty(
        journey,
        "FIRST_CONTACT_AFTER_RELEASE",
        (referral_id, day.isoformat()),
        released,
        released + policy.first_contact_after_release,
        policy,
        stage=RELEASE,
        referral_id=referral_id,
        record=record,
        basis=texts.BASIS["FIRST_CONTACT_AFTER_RELEASE"],
    )


def _youth_quarters(
    journey: Journey, referral_id: str, record: ReferralRecord, day: date, policy: JourneyPolicy
) -> list[Duty]:
    months = policy.youth_followup_period_months
    duties = []
    for number in range(1, policy.youth_followup_periods + 1):
        # Each period counted from the release date itself, so month lengths never drift the boundaries.
        start = midnight(add_months(day, (number - 1) * months))
        end = midnight(add_months(day, number * months))
        duties.append(
            _duty(
                journey,
                "YOUTH_FOLLOWUP",
                (referral_id, day.isoformat(), f"Q{number}"),
                start,
                end,
                policy,
                stage=FOLLOW_UP,
                count_until=end,
                referral_id=referral_id,
                record=record,
                period=f"Q{number}",
                basis=texts.BASIS["YOUTH_FOLLOWUP"],
            )
        )
    return duties


def _treatment_start(journey: Journey, referral_id: str, record: ReferralRecord, policy: JourneyPolicy) -> Duty:
    assert record["referred_at"] is not None
    routed = instant(record["referred_at"])
    return _duty(
        journey,
        "DP_TREATMENT_START",
        (referral_id,),
        routed,
        routed + policy.treatment_start,
        policy,
        stage=TREATMENT,
        need="TREATMENT_START",
        contacts=0,
        referral_id=referral_id,
        record=record,
        destination=expected_destination(record),
        basis=texts.BASIS["DP_TREATMENT_START"],
    )


def cadence_month(journey: Journey, month: str, followup: FollowUp, policy: JourneyPolicy) -> Duty:
    """The cadence clock of one calendar month of follow-up (追輔模式), at the spell's current need level."""
    duty = _duty(
        journey,
        "FOLLOWUP_CADENCE",
        (month,),
        month_start(month),
        month_end(month),
        policy,
        stage=FOLLOW_UP,
        count_until=month_end(month),
        period=month,
        basis="",
    )
    set_level(duty, followup, policy)
    return duty


def set_level(duty: Duty, followup: FollowUp, policy: JourneyPolicy, changed_by: str | None = None) -> None:
    """Apply the spell's need level to a month's clock (the latest level wins while the month is open);
    ``changed_by`` names the assessment that changed it mid-month."""
    assert duty["period"] is not None
    level = followup["level"]
    if changed_by is not None:
        duty["level_set_at"], duty["level_set_by"] = followup["level_at"], changed_by
    cadence = policy.cadence[level]
    duty["level"] = level
    duty["contacts"] = cadence.contacts_per_month
    duty["basis"] = texts.cadence_basis(level, cadence)
    # Home visits are counted over the last N calendar months, this one included; a window reaching back
    # before the spell began is not yet judged (the spell's own first month counts as part of it).
    first = shift_month(duty["period"], 1 - cadence.home_visit_every_months)
    duty["home_from"] = iso(month_start(first)) if first >= month_of(instant(followup["since"])) else None


def window_start(duty: Duty) -> datetime:
    """The earliest contact the duty can count."""
    starts = [instant(duty["count_from"])]
    if duty["home_from"] is not None:
        starts.append(instant(duty["home_from"]))
    return min(starts)


def allowed(duty: Duty) -> timedelta:
    return instant(duty["due_at"]) - instant(duty["started_at"])
