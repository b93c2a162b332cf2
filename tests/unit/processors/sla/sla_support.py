"""Shared test helpers for SLA clocks: referrals, Taipei times, and looking clocks and events up."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from processors.sla.calendar import TAIPEI, WorkingCalendar
from processors.sla.policy import SlaPolicy, load_policy
from processors.sla.records import clock_version
from processors.sla.referral_clocks import Clock, ClockPlan, ReferralClocks

POLICY: SlaPolicy = load_policy(None)
CALENDAR = WorkingCalendar()


def taipei(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TAIPEI)


def referral(
    kind: str,
    received_at: datetime,
    *,
    referral_id: str = "R-1",
    version: int = 1,
    out_of_area: bool = False,
    **attributes: str,
) -> dict[str, Any]:
    return {
        "referral_id": referral_id,
        "kind": kind,
        "source": "POLICE",
        "subject_id": "P-1",
        "received_at": received_at,
        "out_of_area": out_of_area,
        "attributes": dict(attributes),
        "version": version,
    }


def clock(
    value: ReferralClocks | None, name: str, destination: str, period: str | None = None, *, version: int | None = None
) -> Clock:
    """The one clock of a duty (of the referral ``version``'s delivery, when given: an amendment makes new ones)."""
    assert value is not None
    found = [
        c
        for c in value["clocks"].values()
        if (c["clock"], c["destination"], c["period"]) == (name, destination, period)
        and (version is None or clock_version(c, value["version"]) == version)
    ]
    assert len(found) == 1, f"{name}/{destination}/{period}/v{version}: {len(found)} clocks"
    return found[0]


def names(value: ReferralClocks | None) -> set[tuple[str, str]]:
    assert value is not None
    return {(c["clock"], c["destination"]) for c in value["clocks"].values()}


def kinds_of(plan: ClockPlan) -> list[tuple[str, str, str]]:
    """(type, clock, destination) of each event, in order."""
    return [(e["type"], e["clock"], e["destination"]) for e in plan.events]


def latest(plan: ClockPlan, before: ReferralClocks) -> ReferralClocks:
    """The value after ``plan``: its new clocks, or the unchanged ``before``."""
    return plan.clocks if plan.clocks is not None else before


def local(iso_text: str | None) -> datetime:
    assert iso_text is not None
    return datetime.fromisoformat(iso_text).astimezone(TAIPEI)


def json_round_trip(value: ReferralClocks) -> Any:
    return json.loads(json.dumps(value))


def routes(*destinations: str, copies: Sequence[str] = ()) -> list[tuple[str, bool]]:
    return [(d, False) for d in destinations] + [(d, True) for d in copies]
