"""緩起訴附命戒癮治療個案，治療處置紀錄上線率 (seed 004, 醫療服務組 (五)): deferred-prosecution cases with a
treatment record ÷ deferred-prosecution cases with a treatment order. Target 85 %.

* Cases (當年度所轄緩起訴附命戒癮治療個案數 = 前一年度未結案 + 當年度新收案): DEFERRED_PROSECUTION referrals with a
  treatment order (附命戒癮治療, ``treatment_ordered = Y``), received by the period's end, whose deferral had not
  ended before the period began (``deferral_end``), and not withdrawn (every delivery cancelled).
* With a treatment record: a treating destination — the named hospital, or HEALTH, or whoever they redirected it
  to: anyone but the bureau — reported the treatment under way (IN_PROGRESS, COMPLETED or CLOSED) by the period's
  end. The programme counts records in the national 藥酒癮醫療個案管理系統; the hub sees the hospitals' own
  answers, which is the nearest it can know.

A second row, without a programme target, shows the community treatment (社區處遇) the bureau reports to the
prosecutors: cases routed to the bureau with community-treatment hours reported for a month of the period.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from processors.kpi.facts import BUREAU, STARTED, Delivery, Facts, Referral
from processors.kpi.model import Row, Section
from processors.kpi.period import Period

TARGET: Final = 0.85


def _active(referral: Referral, deliveries: list[Delivery], period: Period) -> bool:
    if referral.kind != "DEFERRED_PROSECUTION" or referral.received_at >= period.end:
        return False
    ended = referral.attributes.get("deferral_end")
    if ended and date.fromisoformat(ended) < period.first:
        return False
    answered = [d for d in deliveries if not d.copy]
    return not answered or any(d.state != "CANCELLED" for d in answered)


def _month_in(month: str, period: Period) -> bool:
    first = date(int(month[:4]), int(month[5:7]), 1)
    return period.first.replace(day=1) <= first <= period.last


def section(facts: Facts, period: Period) -> Section:
    deliveries = facts.deliveries_by_referral()
    hours: dict[str, float] = {}
    for reported in facts.hours.values():
        if _month_in(reported.period, period):
            hours[reported.referral_id] = hours.get(reported.referral_id, 0.0) + reported.hours
    treated: list[str] = []
    untreated: list[str] = []
    with_hours: list[str] = []
    without_hours: list[str] = []
    for referral_id in sorted(facts.referrals):
        referral = facts.referrals[referral_id]
        own = deliveries.get(referral_id, [])
        if not _active(referral, own, period):
            continue
        if referral.attributes.get("treatment_ordered") == "Y":
            started = [t for d in own if d.destination != BUREAU for t in d.transitions if t.state in STARTED]
            (treated if any(t.at < period.end for t in started) else untreated).append(referral_id)
        if any(d.destination == BUREAU for d in own):
            (with_hours if referral_id in hours else without_hours).append(referral_id)
    rows = (
        Row(
            key="treatment.records",
            label="緩起訴附命戒癮治療紀錄上線率 ordered treatment under way",
            numerator=len(treated),
            denominator=len(treated) + len(untreated),
            target=TARGET,
            detail={"treatment under way": tuple(treated), "no treatment record": tuple(untreated)},
        ),
        Row(
            key="treatment.community_hours",
            label="社區處遇時數回報 community-treatment hours reported",
            numerator=len(with_hours),
            denominator=len(with_hours) + len(without_hours),
            counts={"hours": round(sum(hours.get(r, 0.0) for r in with_hours), 2)},
            detail={"hours reported": tuple(with_hours), "no hours reported": tuple(without_hours)},
        ),
    )
    return Section(
        key="treatment",
        title="緩起訴處遇 Deferred prosecution",
        definition=(
            "治療處置紀錄人數 ÷ 緩起訴附命戒癮治療個案數: cases with a treatment order active in the period whose "
            "hospital (anyone but the bureau) reported the treatment under way by the period's end."
        ),
        rows=rows,
        columns=("hours",),
    )
