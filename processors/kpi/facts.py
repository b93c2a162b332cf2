"""What the report knows: the hub's events, decoded, reduced to the few clear fields the indicators count.

Fed one decoded event at a time (an Avro record as a dict, as ``schemas.codec`` decodes it), per topic:

============================== ============================================================================
method                         topic and what is kept
============================== ============================================================================
``add_referral``               referrals.events: kind, service type, source, subject, first receipt, and the
                               latest version's area flag and attributes (never ``personal``)
``add_status``                 referrals.status: each delivery's transitions (state, time, reason, by whom)
``add_assignment``             assignments.<AGENCY>: whether a delivery is an information copy (副知)
``add_update``                 referrals.updates: a partner's answer's attributes (LABOUR's ``employed``)
``add_contact``                casework.contacts: mode, reached, need level, time
``add_hours``                  casework.treatment_hours: hours and month per deferred-prosecution referral
``add_sla``                    sla.events: each clock's events (WARNING, BREACH, MET …) and its times
``add_gap``                    protection.gaps: each break point's opening and closing
``add_erasure``                erasure.subjects: people an erasure order (塗銷) names: left out of everything
============================== ============================================================================

Repeats are recognised by their deterministic ids (at-least-once delivery: a repeat is byte-identical).
Sealed fields (``personal``, ``notes``) are never read, so nothing here can hold clear-text personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

BUREAU: Final = "BUREAU"
FINISHED: Final = frozenset({"COMPLETED", "CLOSED", "REJECTED", "REDIRECTED", "CANCELLED", "EXPIRED"})
"""A delivery that needs nothing more from anyone (the journey's rule for a closed bureau case)."""
TERMINAL: Final = frozenset({"CLOSED", "REJECTED", "REDIRECTED", "CANCELLED", "EXPIRED"})
STARTED: Final = frozenset({"IN_PROGRESS", "COMPLETED", "CLOSED"})
"""States that say the destination has begun its treatment or service."""
ERASED_REASON: Final = "ERASED"


def _instant(value: Any) -> datetime:
    """Avro ``timestamp-millis`` decodes to an aware UTC datetime; an ISO string (tests, JSON) is accepted too."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise ValueError(f"not a time-zone-aware instant: {value!r}")
    return moment.astimezone(UTC)


@dataclass
class Referral:
    referral_id: str
    kind: str
    service_type: str | None
    source: str
    subject_id: str
    received_at: datetime
    """The first version's receipt: when the referral came in."""
    version: int
    out_of_area: bool
    attributes: Mapping[str, str]
    """The latest version's non-identifying facts (drug tier, treatment order, release date …)."""


@dataclass(frozen=True)
class Transition:
    state: str
    at: datetime
    reason_code: str | None
    by: str


@dataclass
class Delivery:
    referral_id: str
    destination: str
    transitions: list[Transition] = field(default_factory=list)
    copy: bool = False

    @property
    def state(self) -> str | None:
        return self.transitions[-1].state if self.transitions else None

    def first(self, states: Iterable[str]) -> Transition | None:
        """The first transition into one of ``states``."""
        wanted = frozenset(states)
        return next((t for t in self.transitions if t.state in wanted), None)

    def state_at(self, at: datetime) -> str | None:
        """The delivery's state just after ``at`` (None: not routed yet)."""
        state = None
        for transition in self.transitions:
            if transition.at > at:
                break
            state = transition.state
        return state


@dataclass(frozen=True)
class Contact:
    event_id: str
    subject_id: str
    mode: str
    reached: bool
    need_level: str | None
    at: datetime


@dataclass(frozen=True)
class Hours:
    event_id: str
    referral_id: str
    subject_id: str
    hours: float
    period: str


@dataclass(frozen=True)
class Answer:
    event_id: str
    referral_id: str
    partner: str
    state: str
    at: datetime
    attributes: Mapping[str, str]


@dataclass
class Clock:
    clock_id: str
    clock: str
    referral_id: str | None
    subject_id: str
    destination: str | None
    started_at: datetime
    due_at: datetime
    events: dict[str, tuple[datetime, bool]] = field(default_factory=dict)
    """Event type → (when, late): one of each type per clock."""


@dataclass
class Gap:
    gap_id: str
    subject_id: str
    gap_type: str
    referral_id: str | None
    opened_at: datetime
    closed_at: datetime | None = None


@dataclass
class Facts:
    referrals: dict[str, Referral] = field(default_factory=dict)
    deliveries: dict[tuple[str, str], Delivery] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    hours: dict[str, Hours] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    clocks: dict[str, Clock] = field(default_factory=dict)
    gaps: dict[str, Gap] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)
    """Subjects an erasure order named."""
    as_of: datetime | None = None
    """The latest instant the hub itself stamped on anything read (a receipt, a routing, a deadline judged)."""
    _seen_status: set[str] = field(default_factory=set, repr=False)
    _copies: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def _saw(self, at: datetime) -> None:
        if self.as_of is None or at > self.as_of:
            self.as_of = at

    # --- feeding -------------------------------------------------------------------------------------------

    def add_referral(self, event: Mapping[str, Any]) -> None:
        referral_id = event["referral_id"]
        received = _instant(event["received_at"])
        self._saw(received)
        version = int(event.get("version") or 1)
        known = self.referrals.get(referral_id)
        fresh = Referral(
            referral_id=referral_id,
            kind=str(event["kind"]),
            service_type=event.get("service_type"),
            source=event["source"],
            subject_id=event["subject_id"],
            received_at=received,
            version=version,
            out_of_area=bool(event.get("out_of_area")),
            attributes=dict(event.get("attributes") or {}),
        )
        if known is None:
            self.referrals[referral_id] = fresh
        elif version > known.version:
            # The amendment's facts win; the referral still came in when its first version did.
            self.referrals[referral_id] = replace(fresh, received_at=min(known.received_at, received))
        elif received < known.received_at:
            known.received_at = received

    def add_status(self, event: Mapping[str, Any]) -> None:
        if event["event_id"] in self._seen_status:
            return
        self._seen_status.add(event["event_id"])
        at = _instant(event["at"])
        if event.get("by") == "HUB":
            self._saw(at)
        key = (event["referral_id"], event["destination"])
        delivery = self.deliveries.get(key)
        if delivery is None:
            delivery = self.deliveries[key] = Delivery(key[0], key[1], copy=key in self._copies)
        delivery.transitions.append(Transition(str(event["state"]), at, event.get("reason_code"), event["by"]))

    def add_assignment(self, event: Mapping[str, Any]) -> None:
        if not event.get("copy"):
            return
        key = (event["referral_id"], event["destination"])
        self._copies.add(key)
        if key in self.deliveries:
            self.deliveries[key].copy = True

    def add_update(self, event: Mapping[str, Any]) -> None:
        self._saw(_instant(event["received_at"]))
        self.answers[event["event_id"]] = Answer(
            event_id=event["event_id"],
            referral_id=event["referral_id"],
            partner=event["partner"],
            state=event["state"],
            at=_instant(event["at"]),
            attributes=dict(event.get("attributes") or {}),
        )

    def add_contact(self, event: Mapping[str, Any]) -> None:
        self._saw(_instant(event["received_at"]))
        self.contacts[event["event_id"]] = Contact(
            event_id=event["event_id"],
            subject_id=event["subject_id"],
            mode=event["mode"],
            reached=bool(event["reached"]),
            need_level=event.get("need_level"),
            at=_instant(event["at"]),
        )

    def add_hours(self, event: Mapping[str, Any]) -> None:
        self._saw(_instant(event["received_at"]))
        self.hours[event["event_id"]] = Hours(
            event_id=event["event_id"],
            referral_id=event["referral_id"],
            subject_id=event["subject_id"],
            hours=float(event["hours"]),
            period=event["period"],
        )

    def add_sla(self, event: Mapping[str, Any]) -> None:
        at = _instant(event["at"])
        kind = str(event["type"])
        if kind != "MET":
            self._saw(at)  # a warning or a deadline the hub judged; a MET carries the answer's own time
        clock = self.clocks.get(event["clock_id"])
        if clock is None:
            clock = self.clocks[event["clock_id"]] = Clock(
                clock_id=event["clock_id"],
                clock=event["clock"],
                referral_id=event.get("referral_id"),
                subject_id=event["subject_id"],
                destination=event.get("destination"),
                started_at=_instant(event["started_at"]),
                due_at=_instant(event["due_at"]),
            )
        clock.events.setdefault(kind, (at, bool(event.get("late"))))

    def add_gap(self, event: Mapping[str, Any]) -> None:
        opened = _instant(event["opened_at"])
        self._saw(opened)
        gap = self.gaps.get(event["gap_id"])
        if gap is None:
            gap = self.gaps[event["gap_id"]] = Gap(
                gap_id=event["gap_id"],
                subject_id=event["subject_id"],
                gap_type=event["gap_type"],
                referral_id=event.get("referral_id"),
                opened_at=opened,
            )
        if str(event["status"]) == "CLOSED" and event.get("closed_at") is not None:
            gap.closed_at = _instant(event["closed_at"])

    def add_erasure(self, event: Mapping[str, Any]) -> None:
        if event.get("subject_id"):
            self.erased.add(event["subject_id"])

    # --- reading -------------------------------------------------------------------------------------------

    def without_erased(self) -> Facts:
        """The facts about everyone no erasure order named. A referral cancelled because it was erased names
        its subject too, in case the order itself has left the topics (retention)."""
        erased = set(self.erased)
        for (referral_id, _), delivery in self.deliveries.items():
            if any(t.reason_code == ERASED_REASON for t in delivery.transitions) and referral_id in self.referrals:
                erased.add(self.referrals[referral_id].subject_id)
        gone = {r for r, referral in self.referrals.items() if referral.subject_id in erased}
        return Facts(
            referrals={r: v for r, v in self.referrals.items() if r not in gone},
            deliveries={k: v for k, v in self.deliveries.items() if k[0] not in gone},
            contacts={k: v for k, v in self.contacts.items() if v.subject_id not in erased},
            hours={k: v for k, v in self.hours.items() if v.subject_id not in erased and v.referral_id not in gone},
            answers={k: v for k, v in self.answers.items() if v.referral_id not in gone},
            clocks={
                k: v
                for k, v in self.clocks.items()
                if v.subject_id not in erased and (v.referral_id is None or v.referral_id not in gone)
            },
            gaps={k: v for k, v in self.gaps.items() if v.subject_id not in erased},
            erased=erased,
            as_of=self.as_of,
        )

    def by_subject(self) -> dict[str, list[Referral]]:
        found: dict[str, list[Referral]] = {}
        for referral in self.referrals.values():
            found.setdefault(referral.subject_id, []).append(referral)
        for referrals in found.values():
            referrals.sort(key=lambda r: (r.received_at, r.referral_id))
        return found

    def deliveries_by_referral(self) -> dict[str, list[Delivery]]:
        found: dict[str, list[Delivery]] = {}
        for (referral_id, _), delivery in sorted(self.deliveries.items()):
            found.setdefault(referral_id, []).append(delivery)
        return found
