"""The person's stages (歷程階段) in order: which referral moved them where, and when. A compact history for
operators; clocks never read it."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from processors.journeys.model import Journey, StageMark, instant, iso

INVESTIGATION: Final = "INVESTIGATION"  # 偵查
PROSECUTION: Final = "PROSECUTION"  # 起訴／緩起訴
TRIAL: Final = "TRIAL"  # 審理
CUSTODY: Final = "CUSTODY"  # 矯正機關
TREATMENT: Final = "TREATMENT"  # 治療／社區處遇
RELEASE: Final = "RELEASE"  # 出監
FOLLOW_UP: Final = "FOLLOW_UP"  # 社區追蹤輔導
CLOSURE: Final = "CLOSURE"  # 結案

STAGE_OF_KIND: Final = {
    "RECIDIVISM_PREVENTION": INVESTIGATION,
    # A tier 3/4 lecture follows a police penalty notice, before any prosecution.
    "LECTURE": INVESTIGATION,
    "DEFERRED_PROSECUTION": PROSECUTION,
    "JUDICIAL_YOUTH": TRIAL,
    "PRE_RELEASE": CUSTODY,
}
"""Kinds not listed (notices, service and self-referrals) reach the person in the community: FOLLOW_UP."""

MAX_STAGES: Final = 32
"""Older marks are dropped first: the journey's clocks never need them, operators rarely go back further."""


def mark(
    journey: Journey,
    stage: str,
    at: datetime,
    referral_id: str | None = None,
    kind: str | None = None,
    *,
    moved: bool = False,
) -> None:
    """Record that the person entered ``stage``. A referral enters each stage once: a repeat keeps the
    earliest time, or the latest one if the stage has ``moved`` (an expected release date changed)."""
    stages = journey["stages"]
    for existing in stages:
        same = existing["stage"] == stage and existing["referral_id"] == referral_id
        if same and (referral_id is not None or existing["at"] == iso(at)):
            if moved or at < instant(existing["at"]):
                existing["at"] = iso(at)
                break
            return
    else:
        stages.append(StageMark(stage=stage, at=iso(at), referral_id=referral_id, kind=kind))
    stages.sort(key=lambda m: (instant(m["at"]), m["stage"], m["referral_id"] or ""))
    del stages[:-MAX_STAGES]


def stage_of_kind(kind: str | None) -> str:
    return STAGE_OF_KIND.get(kind or "", FOLLOW_UP)
