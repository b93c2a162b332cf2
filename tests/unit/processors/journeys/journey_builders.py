"""Builders for journey steps and a small driver that keeps a journey and the events it emitted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from processors.journeys.journey import Journey, JourneyPlan, apply_step, check_due
from processors.journeys.policy import JourneyPolicy
from processors.sla.calendar import TAIPEI

SUBJECT = "S-0123456789abcdef01234567"


def taipei(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TAIPEI)


def _step(step_type: str, step_id: str, at: datetime, **fields: Any) -> dict[str, Any]:
    step: dict[str, Any] = {
        "step_id": step_id,
        "subject_id": SUBJECT,
        "type": step_type,
        "referral_id": None,
        "kind": None,
        "destination": None,
        "state": None,
        "at": at,
        "attributes": {},
    }
    step.update(fields)
    return step


def referred(referral_id: str, kind: str, at: datetime, **attributes: str) -> dict[str, Any]:
    return _step(
        "REFERRED", f"ref-{referral_id}-{at.isoformat()}", at, referral_id=referral_id, kind=kind, attributes=attributes
    )


def pre_release(
    referral_id: str,
    release: str,
    at: datetime,
    *,
    youth: bool = False,
    source: str = "PRISON_KSP1",
    destinations: str = "BUREAU",
) -> dict[str, Any]:
    return referred(
        referral_id,
        "PRE_RELEASE",
        at,
        expected_release_date=release,
        youth="Y" if youth else "N",
        source=source,
        destinations=destinations,
    )


def deferred(
    referral_id: str, at: datetime, *, treatment_ordered: bool = True, hospital_code: str = "HOSP_KSPH"
) -> dict[str, Any]:
    attributes = {
        "treatment_ordered": "Y" if treatment_ordered else "N",
        "source": "PROS_KS",
        "deferral_start": "2025-07-01",
        "deferral_end": "2026-06-30",
    }
    if treatment_ordered:
        attributes |= {"hospital_code": hospital_code, "destinations": f"BUREAU,{hospital_code}"}
    else:
        attributes["destinations"] = "BUREAU"
    return referred(referral_id, "DEFERRED_PROSECUTION", at, **attributes)


def state(
    referral_id: str, destination: str, new_state: str, at: datetime, kind: str = "DEFERRED_PROSECUTION"
) -> dict[str, Any]:
    return _step(
        "STATE",
        f"state-{referral_id}-{destination}-{new_state}",
        at,
        referral_id=referral_id,
        kind=kind,
        destination=destination,
        state=new_state,
    )


def contact(
    step_id: str, at: datetime, mode: str = "PHONE", *, reached: bool = True, need_level: str | None = None
) -> dict[str, Any]:
    attributes = {"mode": mode, "reached": "Y" if reached else "N"}
    if need_level:
        attributes["need_level"] = need_level
    return _step("CONTACT", step_id, at, attributes=attributes)


def hours(referral_id: str, period: str, amount: float, at: datetime) -> dict[str, Any]:
    return _step(
        "TREATMENT_HOURS",
        f"hours-{referral_id}-{period}",
        at,
        referral_id=referral_id,
        kind="DEFERRED_PROSECUTION",
        attributes={"period": period, "hours": f"{amount:g}"},
    )


def check(at: datetime) -> dict[str, Any]:
    return _step("CHECK", f"check-{at.isoformat()}", at)


def label(event: dict[str, Any]) -> str:
    """``WARNING FIRST_CONTACT_AFTER_RELEASE`` / ``OPEN RELEASED_NO_CONTACT``: what happened, to what."""
    if "gap_id" in event:
        return f"{event['status']} {event['gap_type']}"
    return f"{event['type']} {event['clock']}"


@dataclass
class Run:
    """A journey driven step by step; ``now`` defaults to the step's own time (processing without lag)."""

    policy: JourneyPolicy = field(default_factory=JourneyPolicy)
    journey: Journey | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    def _keep(self, plan: JourneyPlan) -> list[dict[str, Any]]:
        if plan.journey is not None:
            self.journey = plan.journey
        self.events += plan.events
        return plan.events

    def step(self, step: dict[str, Any], now: datetime | None = None) -> list[dict[str, Any]]:
        return self._keep(apply_step(self.journey, step, self.policy, now or step["at"]))

    def check(self, now: datetime) -> list[dict[str, Any]]:
        return self._keep(check_due(self.journey, now, self.policy))

    def labels(self, events: list[dict[str, Any]] | None = None) -> list[str]:
        return [label(event) for event in (self.events if events is None else events)]

    def only(self, wanted: str) -> dict[str, Any]:
        """The one event emitted so far with this label."""
        found = [event for event in self.events if label(event) == wanted]
        assert len(found) == 1, f"{wanted}: {len(found)} events in {self.labels()}"
        return found[0]
