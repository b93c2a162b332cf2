"""Referrals by kind, by sending partner and by outcome: the referrals first received in the period, and what
became of each delivery (referral × destination) by now. Counts and shares; the programme sets no target.

Outcome is a delivery's latest state: *open* (routed, delivered, acknowledged, accepted, in progress), *completed*
(completed or closed), rejected, redirected (再轉), cancelled, expired (never acknowledged within 30 days).
Information copies (副知) are counted apart: nobody answers them.
"""

from __future__ import annotations

from collections import Counter
from typing import Final

from processors.kpi.facts import Facts, Referral
from processors.kpi.model import Row, Section
from processors.kpi.period import Period

OUTCOMES: Final = ("open", "completed", "rejected", "redirected", "cancelled", "expired")
_OUTCOME_OF: Final = {
    "COMPLETED": "completed", "CLOSED": "completed", "REJECTED": "rejected", "REDIRECTED": "redirected",
    "CANCELLED": "cancelled", "EXPIRED": "expired",
}  # fmt: skip
COPIES: Final = "information copies"


def _share_rows(prefix: str, label: str, referrals: list[Referral], of: str) -> list[Row]:
    counted = Counter(getattr(r, of) for r in referrals)
    return [
        Row(
            key=f"referrals.{prefix}.{name}",
            label=f"{label}: {name}",
            numerator=count,
            denominator=len(referrals),
            detail={"referrals": tuple(sorted(r.referral_id for r in referrals if getattr(r, of) == name))},
        )
        for name, count in sorted(counted.items())
    ]


def section(facts: Facts, period: Period) -> Section:
    received = [
        r for r in facts.referrals.values() if period.contains(r.received_at) and r.kind not in ("ERASURE_ORDER",)
    ]
    ids = {r.referral_id for r in received}
    rows = [
        Row(
            key="referrals.total",
            label="轉介總數 referrals received",
            numerator=len(received),
            unit="count",
        ),
        *_share_rows("kind", "類別 kind", received, "kind"),
        *_share_rows("source", "轉介單位 from", received, "source"),
    ]
    by_destination: dict[str, Counter[str]] = {}
    delivered: dict[str, dict[str, list[str]]] = {}
    for (referral_id, destination), delivery in sorted(facts.deliveries.items()):
        if referral_id not in ids:
            continue
        outcome = COPIES if delivery.copy else _OUTCOME_OF.get(delivery.state or "", "open")
        by_destination.setdefault(destination, Counter())[outcome] += 1
        delivered.setdefault(destination, {}).setdefault(outcome, []).append(referral_id)
    for destination, counted in sorted(by_destination.items()):
        answered = sum(counted[name] for name in OUTCOMES)
        rows.append(
            Row(
                key=f"referrals.outcome.{destination}",
                label=f"結果 outcome at {destination} (completed)",
                numerator=counted["completed"],
                denominator=answered,
                counts={name: counted[name] for name in (*OUTCOMES, COPIES)},
                detail={name: tuple(found) for name, found in delivered[destination].items()},
            )
        )
    return Section(
        key="referrals",
        title="轉介統計 Referrals by kind, partner and outcome",
        definition=(
            "Referrals first received in the period, by kind and by sending partner (share of all); each "
            "destination's deliveries by their latest state (completed share of the answered ones; copies apart)."
        ),
        rows=tuple(rows),
        columns=(*OUTCOMES, COPIES),
    )
