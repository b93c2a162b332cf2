"""The journey (個案歷程) as stored: JSON-safe dicts only (ISO-8601 strings with offset, no datetimes, no
tuples), because it lives in a Faust table with a JSON serializer and is read back as plain dicts.

A journey holds what its clocks still need and little else: reached contacts no open clock can count are
dropped, and so are clocks that are settled and older than the policy's ``keep_closed_for``
(:mod:`.pruning`). ``kept_from`` marks the instant before which the journey has forgotten: a step dated
before then is a replay of settled history and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal, NotRequired, TypedDict

from processors.sla.calendar import TAIPEI

Clock = Literal["FIRST_CONTACT_AFTER_RELEASE", "DP_TREATMENT_START", "YOUTH_FOLLOWUP", "FOLLOWUP_CADENCE"]
GapType = Literal["RELEASED_NO_CONTACT", "DP_NO_TREATMENT_START", "YOUTH_FOLLOWUP_LAPSED", "BELOW_CADENCE"]
Need = Literal["CONTACTS", "TREATMENT_START"]

GAP_OF: Final[dict[str, GapType]] = {
    "FIRST_CONTACT_AFTER_RELEASE": "RELEASED_NO_CONTACT",
    "DP_TREATMENT_START": "DP_NO_TREATMENT_START",
    "YOUTH_FOLLOWUP": "YOUTH_FOLLOWUP_LAPSED",
    "FOLLOWUP_CADENCE": "BELOW_CADENCE",
}


class StageMark(TypedDict):
    """One stage the person entered: 偵查 INVESTIGATION, 起訴 PROSECUTION, 審理 TRIAL, 矯正 CUSTODY,
    治療 TREATMENT, 出監 RELEASE, 社區追輔 FOLLOW_UP, 結案 CLOSURE."""

    stage: str
    at: str
    referral_id: str | None
    kind: str | None


class Contact(TypedDict):
    """A reached follow-up contact (成功聯繫); unreached attempts satisfy no clock and are not kept."""

    step_id: str
    at: str
    home: bool
    """A home visit (家訪)."""


class Delivery(TypedDict):
    """One destination's delivery of a referral, as far as the journey needs it."""

    state: str
    at: str
    started_at: str | None
    """First IN_PROGRESS, COMPLETED or CLOSED: when this destination began treatment or service."""
    start_step: str | None


class ReferralRecord(TypedDict):
    kind: str | None
    source: str | None
    referred_at: str | None
    """None while only STATE steps have arrived (a REFERRED step delayed behind them)."""
    facts: dict[str, str]
    """The non-identifying attributes the clocks read (release date, youth flag, treatment order …)."""
    facts_at: str | None
    """When the version these facts come from was routed: an older version arriving late does not win."""
    deliveries: dict[str, Delivery]
    hours_periods: list[str]
    """First and last month (YYYY-MM) with community-treatment hours (社區處遇時數) reported; empty if none."""
    last_step_at: str
    """The latest instant of any step about this referral, applied or ignored as stale: the record is kept
    until that is before the pruning horizon, so a repeat of any of its steps is then older than
    ``kept_from`` and recognised as replayed history."""
    withdrawn_at: NotRequired[str]
    """When the referral was found withdrawn (:mod:`.withdrawal`); it stays withdrawn until a newer version
    is routed. Absent on a referral never withdrawn."""


class Gap(TypedDict):
    """A break point (斷點) of one clock."""

    gap_id: str
    opened_at: str
    closed_at: str | None
    closed_by: str | None
    """``<step type>/<step id>`` of the step that closed it."""
    detail: str


class Duty(TypedDict):
    """One journey clock: a duty with a deadline, and the break point its miss opens.

    ``CONTACTS`` duties are met by ``contacts`` reached contacts at or after ``count_from`` (and before
    ``count_until`` for a period's clock; one-shot clocks have none and may be met late), plus a reached
    home visit at or after ``home_from`` when that is set. After a miss, the same requirement without an
    end closes the gap. ``TREATMENT_START`` duties are met by a treating destination's start.
    """

    clock_id: str
    clock: Clock
    gap_type: GapType
    stage: str
    referral_id: str | None
    kind: str | None
    source: str | None
    destination: str | None
    period: str | None
    level: str | None
    level_set_at: str | None
    """When a new need level changed this running month's requirement (its MET is no earlier than that)."""
    level_set_by: str | None
    started_at: str
    warning_at: str
    due_at: str
    basis: str
    need: Need
    count_from: str
    count_until: str | None
    contacts: int
    home_from: str | None
    warned: bool
    breached: bool
    met_at: str | None
    met_by: str | None
    gap: Gap | None
    stopped_at: NotRequired[str]
    """Set only when the clock's referral was withdrawn (撤回) before the duty was met or breached: the clock
    says nothing more (absent otherwise, and on every clock stored before withdrawals stopped clocks)."""
    stopped_by: NotRequired[str]
    """``<step type>/<step id>`` of the step that completed the withdrawal (a STATE step, as a rule)."""


class FollowUp(TypedDict):
    """A spell of community follow-up (追蹤輔導) at a need level's cadence, from the first contact with a need
    level until the bureau closes the case."""

    since: str
    level: str
    level_at: str
    level_by: str
    """The contact step that set the level (breaks ties between assessments at the same instant)."""
    closed_at: str | None
    next_month: str
    """The next month (YYYY-MM) whose cadence clock is yet to start."""


class Journey(TypedDict):
    subject_id: str
    stages: list[StageMark]
    referrals: dict[str, ReferralRecord]
    contacts: list[Contact]
    duties: dict[str, Duty]
    """By clock id, in the order they were started."""
    followup: FollowUp | None
    seen: list[str]
    """The most recent step ids applied (a bounded window; older repeats are recognised from the state)."""
    kept_from: str | None


class OpenGap(TypedDict):
    """A break point still open, for the status view and the open-gaps metric (JSON-safe)."""

    gap_id: str
    gap_type: str
    subject_id: str
    referral_id: str | None
    stage: str
    period: str | None
    detail: str
    due_at: str
    opened_at: str


def new_journey(subject_id: str) -> Journey:
    return Journey(
        subject_id=subject_id,
        stages=[],
        referrals={},
        contacts=[],
        duties={},
        followup=None,
        seen=[],
        kept_from=None,
    )


def iso(at: datetime) -> str:
    """How an instant is stored: ISO-8601 in Taipei time (readable by the bureau's staff as it stands)."""
    return at.astimezone(TAIPEI).isoformat()


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(TAIPEI)
