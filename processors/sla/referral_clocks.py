"""The SLA clocks of one referral (轉介時限), as pure functions over JSON-safe data.

Routing starts them, partners' answers meet or stop them, period reports meet the monthly ones, and a check at
``now`` turns passed instants into WARNING / BREACH + ESCALATION / EXPIRED events. Every function takes the
time it may use as an argument (the caller owns the clock) and returns a :class:`ClockPlan`: the new value to
store, or None when nothing changed, and the events to send. Nothing here mutates its input, so a caller may
retry freely; events have deterministic ids, so a re-sent event is recognisable downstream.

Recurring duties (one clock per month) are made one period at a time: the first when routed, the next once
the current one is met or due, until the last period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Final

from processors.lifecycle import TERMINAL, State
from processors.sla import series
from processors.sla.calendar import TAIPEI, WorkingCalendar
from processors.sla.clock_life import clock_times, decision_events, judge, met, new_clock, retimed
from processors.sla.periods import is_period
from processors.sla.policy import PSEUDO_STATES, REPORTED, ClockRule, SlaPolicy
from processors.sla.records import (
    SLA_EVENT_FIELDS,
    Clock,
    ClockStatus,
    ReferralClocks,
    SlaEvent,
    clock_version,
    instant,
    iso,
)

__all__ = [
    "SLA_EVENT_FIELDS",
    "Clock",
    "ClockPlan",
    "ReferralClocks",
    "SlaEvent",
    "check_due",
    "next_instant",
    "on_report",
    "on_state",
    "start_clocks",
]

RUNNING: Final[frozenset[ClockStatus]] = frozenset({"OPEN", "WARNED"})
MEETABLE: Final[frozenset[ClockStatus]] = frozenset({"OPEN", "WARNED", "BREACHED"})
"""A breached duty may still be done, late."""


@dataclass(frozen=True)
class ClockPlan:
    clocks: ReferralClocks | None
    """The referral's clocks to store, or None when nothing changed."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """SLA events (see :class:`SlaEvent`), in the order they happened to be found."""
    expire: list[str] = field(default_factory=list)
    """Destinations whose delivery the hub must now expire (never acknowledged in time)."""


@dataclass(frozen=True)
class _Referral:
    """What the clocks need to know about one referral."""

    referral_id: str
    kind: str
    source: str
    subject_id: str
    received_at: datetime
    routed_at: datetime
    release_at: datetime | None
    attributes: Mapping[str, Any]

    @classmethod
    def of(cls, event: Mapping[str, Any], routed_at: datetime) -> _Referral:
        attributes = event.get("attributes") or {}
        release = _date(attributes.get("expected_release_date"))
        return cls(
            referral_id=event["referral_id"],
            kind=event["kind"],
            source=event["source"],
            subject_id=event["subject_id"],
            received_at=_datetime(event["received_at"]),
            routed_at=routed_at,
            release_at=datetime.combine(release, time(0, 0), TAIPEI) if release else None,
            attributes=attributes,
        )

    @property
    def identity(self) -> dict[str, str]:
        return {
            "referral_id": self.referral_id,
            "kind": self.kind,
            "source": self.source,
            "subject_id": self.subject_id,
        }

    def anchor(self, rule: ClockRule) -> datetime | None:
        if rule.start == "RECEIVED":
            return self.received_at
        if rule.start == "ROUTED":
            return self.routed_at
        if rule.start == "RELEASE":
            return self.release_at
        return None  # PERIOD_END: one start per period, see series_range

    def series_range(self) -> tuple[str, str]:
        start, end = _date(self.attributes.get("deferral_start")), _date(self.attributes.get("deferral_end"))
        return series.series_range(self.routed_at, start, end)


def _date(value: Any) -> date | None:
    """An ISO date attribute (YYYY-MM-DD, as the adapters write them); anything else is taken as absent."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _datetime(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise ValueError(f"received_at must be a timezone-aware datetime, got {value!r}")
    return moment


# --- starting ------------------------------------------------------------------------------------------------


def start_clocks(
    existing: ReferralClocks | None,
    event: Mapping[str, Any],
    routes: Sequence[tuple[str, bool]],
    routed_at: datetime,
    policy: SlaPolicy,
    calendar: WorkingCalendar,
) -> ClockPlan:
    """Start the clocks of a routed referral version: one per applicable row × (non-copy) destination in
    ``routes``, made for this version (their ids carry it).

    Idempotent: a clock that exists is kept, so starting again with the same input changes nothing and yields
    the same events (those of clocks decided at routing, e.g. a late pre-release notice). The same version with
    more routes (SOCIAL's dispatch adds a target) adds their clocks. An amendment (newer version) routes its
    destinations afresh, each delivery to be answered again: the older version's running clocks stop
    (superseded, without an event; met, breached and expired ones keep their history) and every destination it
    routes gets new clocks, running from this version's receipt or routing. A recurring duty belongs to the
    referral: its series runs on while its destination is routed (to the amended last period), and stops only
    with a dropped destination; a series that had ended (its delivery refused or closed) starts again. An older
    version changes nothing.
    """
    version = int(event.get("version") or 1)
    if existing is not None and version < existing["version"]:
        return ClockPlan(None)
    amended = existing is not None and version > existing["version"]
    referral = _Referral.of(event, routed_at)
    clocks: dict[str, Clock] = dict(existing["clocks"]) if existing else {}
    reports = dict(existing.get("reports", {})) if existing else {}
    if amended:
        for key, clock in clocks.items():
            if clock["period"] is None and clock["status"] in RUNNING:
                clocks[key] = {**clock, "status": "STOPPED"}  # superseded: the new delivery gets its own
    # Ids are made for this version, unless the stored value predates versioned ids (see _kept_unversioned).
    made_for = 1 if not amended and existing is not None and _kept_unversioned(existing, version) else version
    wanted: set[tuple[str, str]] = set()
    decided: list[tuple[str, ClockRule]] = []
    events: list[dict[str, Any]] = []
    destinations = list(dict.fromkeys(destination for destination, copy in routes if not copy))
    for rule in policy.rules:
        for destination in destinations:
            if not rule.applies(event, destination):
                continue
            if rule.recurring is not None:
                if _start_series(clocks, reports, events, rule, referral, destination, amended, made_for, calendar):
                    wanted.add((rule.clock, destination))
                continue
            started_at = referral.anchor(rule)
            times = clock_times(rule, started_at, referral.release_at, calendar) if started_at else None
            if started_at is None or times is None:
                continue  # the referral lacks the date this row runs from or to (e.g. no release date)
            new = new_clock(rule, referral.identity, destination, started_at, times, version=made_for)
            if new["clock_id"] not in clocks:
                clocks[new["clock_id"]] = _decide(new, rule, referral) if rule.decided_at else new
            if rule.decided_at:
                decided.append((new["clock_id"], rule))
    if amended:
        for key, clock in clocks.items():
            if clock["period"] is None or (clock["clock"], clock["destination"]) in wanted:
                continue
            if clock["status"] in RUNNING:
                clock = {**clock, "status": "STOPPED"}
            clocks[key] = {**clock, "last_period": clock["period"]}  # no further periods of a dropped duty
    for key, rule in decided:
        events += decision_events(clocks[key], rule)
    if existing is None and not clocks:
        return ClockPlan(None, events)
    value = ReferralClocks(
        referral_id=referral.referral_id,
        version=version,
        clocks=clocks,
        reports=reports,
    )
    return ClockPlan(None if value == existing else value, events)


def _kept_unversioned(existing: ReferralClocks, version: int) -> bool:
    """Whether a value at ``version`` ≥ 2 holds no clock made for a version ≥ 2: it was kept before clock ids
    had a version (an amendment then kept the clocks it found), so its clocks, under version 1 ids, are this
    version's until the next amendment, and a restart must find them there rather than make a second set."""
    return version > 1 and all(clock_version(clock, version) == 1 for clock in existing["clocks"].values())


def _decide(clock: Clock, rule: ClockRule, referral: _Referral) -> Clock:
    met_at = referral.received_at if rule.decided_at == "SUBMITTED" else referral.routed_at
    return {**clock, "status": "MET", "met_at": iso(met_at)}


def _start_series(
    clocks: dict[str, Clock],
    reports: dict[str, str],
    events: list[dict[str, Any]],
    rule: ClockRule,
    referral: _Referral,
    destination: str,
    amended: bool,
    version: int,
    calendar: WorkingCalendar,
) -> bool:
    """Make a recurring duty's first period clock; on an amendment, move its last period, or start an ended
    series again from the month routed (or its current period, if that one was stopped). Whether it runs."""
    first, last = referral.series_range()
    duty = series.members(clocks, rule.clock, destination)
    if not duty:
        if first > last:
            return False
        _add_period(clocks, reports, events, rule, referral, destination, first, last, version, calendar)
        return True
    if not amended:
        return True
    frontier = next(f for _, f in series.frontiers({key: clocks[key] for key in duty}))
    if series.ended(frontier):
        following = frontier["period"] if frontier["status"] == "STOPPED" else series.next_period(frontier)
        assert following is not None
        start = max(following, first)
        if start <= last:
            _add_period(clocks, reports, events, rule, referral, destination, start, last, version, calendar)
        return True
    for key in duty:
        clock = clocks[key]
        if clock["last_period"] != last:
            clock = {**clock, "last_period": last}
        if clock["period"] is not None and clock["period"] > last and clock["status"] in RUNNING:
            clock = {**clock, "status": "STOPPED"}
        clocks[key] = clock
    return True


def _add_period(
    clocks: dict[str, Clock],
    reports: dict[str, str],
    events: list[dict[str, Any]],
    rule: ClockRule,
    referral: _Referral,
    destination: str,
    period: str,
    last: str,
    version: int,
    calendar: WorkingCalendar,
) -> None:
    clock, made = series.period_clock(rule, referral.identity, destination, period, last, reports, calendar, version)
    clocks[clock["clock_id"]] = clock
    events.extend(made)


# --- answers and reports -------------------------------------------------------------------------------------


def on_state(existing: ReferralClocks, destination: str, state: str, at: datetime, policy: SlaPolicy) -> ClockPlan:
    """A delivery reached ``state`` (a lifecycle state, or the pseudo-state DISPATCHED) at ``at``: the
    destination's clocks that state satisfies are met (on time or late); a terminal state that satisfies none
    stops the rest silently, and ends its recurring duties after the current period. The delivery is the
    destination's latest: a clock an amendment superseded (an older version's, breached) is left as it was."""
    if state == REPORTED:
        raise ValueError("a period report meets its clock through on_report, which names the period")
    if state not in State.__members__ and state not in PSEUDO_STATES:
        raise ValueError(f"unknown state {state!r}")
    terminal = state in State.__members__ and State(state) in TERMINAL
    clocks = dict(existing["clocks"])
    events: list[dict[str, Any]] = []
    superseded = _superseded(existing, destination)
    for key, clock in existing["clocks"].items():
        if clock["destination"] != destination or clock["status"] not in MEETABLE or key in superseded:
            continue
        rule = policy.rule(clock["clock"])
        if rule is None:
            continue  # a row the deployment removed: check_due stops its clocks
        if state in rule.satisfied_by:
            clocks[key], event = met(clock, at)
            events.append(event)
        elif terminal and clock["status"] in RUNNING:
            clocks[key] = {**clock, "status": "STOPPED"}
    if terminal:
        for key, frontier in series.frontiers(clocks):
            if frontier["destination"] == destination and frontier["last_period"] != frontier["period"]:
                series.end_duty(clocks, key)
    return _plan(existing, clocks, existing.get("reports", {}), events)


def _superseded(existing: ReferralClocks, destination: str) -> set[str]:
    """The destination's clocks of a duty (row) that a newer version's delivery has its own clock for."""
    versions: dict[str, tuple[str, int]] = {}
    for key, clock in existing["clocks"].items():
        if clock["destination"] == destination and clock["period"] is None:
            versions[key] = (clock["clock"], clock_version(clock, existing["version"]))
    newest: dict[str, int] = {}
    for name, version in versions.values():
        newest[name] = max(version, newest.get(name, version))
    return {key for key, (name, version) in versions.items() if version < newest[name]}


def on_report(existing: ReferralClocks, period: str, at: datetime) -> ClockPlan:
    """The period's report (e.g. the bureau's treatment hours for YYYY-MM) arrived at ``at``: it meets that
    period's clock. A report ahead of its clock (the previous period not yet met or due) is kept and meets the
    clock when it is made."""
    if not is_period(period):
        raise ValueError(f"not a monthly period (YYYY-MM): {period!r}")
    clocks = dict(existing["clocks"])
    reports = dict(existing.get("reports", {}))
    events: list[dict[str, Any]] = []
    matched = False
    for key, clock in existing["clocks"].items():
        if clock["period"] != period:
            continue
        matched = True
        if clock["status"] in MEETABLE:
            clocks[key], event = met(clock, at)
            events.append(event)
    if not matched and period not in reports and series.report_expected(clocks, period):
        reports[period] = iso(at)
    return _plan(existing, clocks, reports, events)


# --- checking ------------------------------------------------------------------------------------------------


def check_due(existing: ReferralClocks, now: datetime, policy: SlaPolicy, calendar: WorkingCalendar) -> ClockPlan:
    """Look at the referral's clocks at ``now``: a WARNING once the warning instant has passed, at the deadline
    a BREACH and an ESCALATION to the receiving agency's supervisors (or EXPIRED, and the destination in
    ``expire``; or a LATE_NOTICE), each once; and the next period of a recurring duty once the current one is
    met or due. Open clocks are first re-timed with the current row and calendar, so a typhoon day declared
    after a clock started still moves its working-day deadline. A clock whose deadline has passed gives no
    warning: the breach says more."""
    clocks = dict(existing["clocks"])
    reports = dict(existing.get("reports", {}))
    events: list[dict[str, Any]] = []
    expire: list[str] = []
    for key, clock in existing["clocks"].items():
        if clock["status"] not in RUNNING:
            continue
        rule = policy.rule(clock["clock"])
        if rule is None:
            clocks[key] = {**clock, "status": "STOPPED"}  # the deployment no longer keeps this clock
            continue
        clocks[key] = judge(retimed(clock, rule, calendar), rule, now, events, expire)
    for key, frontier in list(series.frontiers(clocks)):
        version = clock_version(frontier, existing["version"])  # the series' (see records.clock_id)
        while series.successor_owed(frontier):
            rule = policy.rule(frontier["clock"])
            if rule is None:
                series.end_duty(clocks, key)
                break
            assert frontier["last_period"] is not None
            nxt, made = series.period_clock(
                rule,
                frontier,
                frontier["destination"],
                series.next_period(frontier),
                frontier["last_period"],
                reports,
                calendar,
                version,
            )
            events.extend(made)
            if nxt["status"] in RUNNING:
                nxt = judge(nxt, rule, now, events, expire)
            clocks[nxt["clock_id"]] = nxt
            key, frontier = nxt["clock_id"], nxt
    return ClockPlan(_changed(existing, clocks, reports), events, list(dict.fromkeys(expire)))


def _changed(existing: ReferralClocks, clocks: dict[str, Clock], reports: dict[str, str]) -> ReferralClocks | None:
    if clocks == existing["clocks"] and reports == existing.get("reports", {}):
        return None
    return ReferralClocks(
        referral_id=existing["referral_id"], version=existing["version"], clocks=clocks, reports=reports
    )


def _plan(
    existing: ReferralClocks, clocks: dict[str, Clock], reports: Mapping[str, str], events: list[dict[str, Any]]
) -> ClockPlan:
    return ClockPlan(_changed(existing, clocks, dict(reports)), events)


# --- the index -----------------------------------------------------------------------------------------------


def next_instant(clocks: ReferralClocks) -> datetime | None:
    """The earliest instant any clock of this referral needs looking at: an open clock's warning or deadline,
    or (already passed) a recurring duty whose next period is owed. None: nothing left to watch."""
    instants: list[datetime] = []
    for clock in clocks["clocks"].values():
        if clock["status"] == "OPEN":
            instants.append(instant(clock["warning_at"] or clock["due_at"]))
        elif clock["status"] == "WARNED":
            instants.append(instant(clock["due_at"]))
    for _, frontier in series.frontiers(clocks["clocks"]):
        if series.successor_owed(frontier):
            owed_at = instant(frontier["met_at"] or frontier["due_at"])
            # A period reported a month or more late is met after its successor started, and the look that
            # makes the successor also announces its passed warning or deadline: no later than that start.
            instants.append(min(owed_at, series.successor_start(frontier)))
    return min(instants, default=None)
