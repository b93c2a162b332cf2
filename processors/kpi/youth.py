"""兒少施用毒品通報案件依限完成派案的比率 (seed 004, 保護扶助組 (一)): youth drug-use notices SOCIAL dispatched
(派案) within the deadline ÷ all notices. Target 99 %.

* Notices: YOUTH_DRUG_USE referrals first received in the period — a youth living outside Kaohsiung too: SOCIAL
  receives the notice and owes its dispatch all the same (the hub hands only the bureau's cases to another city).
  Left out: one the source withdrew (SOCIAL's delivery CANCELLED), and one whose 24-hour clock is still running
  (no outcome yet; listed as *pending*).
* Within the deadline: the hub's YD_DISPATCH clock (processors/sla/default_policy.toml: 24 h from receipt,
  兒少權法第53條) was met on time — SOCIAL's dispatch to EDU or YOUTH_COUNSEL, or a redirect, before it fell due.
* Counted but late: met after the deadline, breached and never met, or SOCIAL's delivery ended without a dispatch
  (rejected, expired).
"""

from __future__ import annotations

from typing import Final

from processors.kpi.facts import Facts
from processors.kpi.model import Row, Section
from processors.kpi.period import Period

CLOCK: Final = "YD_DISPATCH"
SOCIAL: Final = "SOCIAL"
TARGET: Final = 0.99


def section(facts: Facts, period: Period) -> Section:
    outcome: dict[str, list[str]] = {
        "on time": [], "late": [], "breached": [], "not dispatched": [],
        "excluded: pending": [], "excluded: withdrawn": [],
    }  # fmt: skip
    clocks: dict[str, list[dict[str, tuple[object, bool]]]] = {}
    for clock in facts.clocks.values():
        if clock.clock == CLOCK and clock.referral_id is not None:
            clocks.setdefault(clock.referral_id, []).append(dict(clock.events))
    for referral in sorted(facts.referrals.values(), key=lambda r: r.referral_id):
        if referral.kind != "YOUTH_DRUG_USE" or not period.contains(referral.received_at):
            continue
        events = clocks.get(referral.referral_id, [])
        met = [e["MET"][1] for e in events if "MET" in e]
        social = facts.deliveries.get((referral.referral_id, SOCIAL))
        state = social.state if social else None
        if met:
            outcome["late" if all(met) else "on time"].append(referral.referral_id)
        elif any("BREACH" in e for e in events):
            outcome["breached"].append(referral.referral_id)
        elif state == "CANCELLED":
            outcome["excluded: withdrawn"].append(referral.referral_id)
        elif state in ("REJECTED", "EXPIRED", "CLOSED", "COMPLETED"):
            outcome["not dispatched"].append(referral.referral_id)
        else:
            outcome["excluded: pending"].append(referral.referral_id)
    counted = ("on time", "late", "breached", "not dispatched")
    row = Row(
        key="youth_dispatch",
        label="兒少施用毒品通報依限派案率 youth drug-use notices dispatched within 24 h",
        numerator=len(outcome["on time"]),
        denominator=sum(len(outcome[name]) for name in counted),
        target=TARGET,
        counts={name: len(ids) for name, ids in outcome.items() if name != "on time"},
        detail={name: tuple(ids) for name, ids in outcome.items()},
    )
    return Section(
        key="youth",
        title="兒少施用毒品通報派案 Youth drug-use notices",
        definition=(
            "依限派案數 ÷ 兒少施用毒品通報案件數：notices received in the period whose YD_DISPATCH clock (24 h, "
            "兒少權法第53條) SOCIAL met on time ÷ notices with an outcome (pending and withdrawn notices left out)."
        ),
        rows=(row,),
        columns=tuple(name for name in outcome if name != "on time"),
    )
