"""Timeliness: every SLA clock (時限) per receiving partner and clock, and the break points (斷點) by type.

**SLA clocks** started in the period, as the hub announced them on ``sla.events`` (referral clocks and the
journeys' clocks alike), by their outcome now: *met on time*, *met late* (MET after the deadline), *breached*
(a BREACH, EXPIRED or LATE_NOTICE and never met), *open* (warned, still running), *stopped* (warned, then the
delivery ended without meeting it: rejected, cancelled, redirected). A clock announces itself only when it warns,
falls due or is met, so a clock still short of its warning (80 % of its time) is not yet on the topic and not
counted as open. The share is met on time ÷ clocks decided (on time + late + breached).

**Break points** (protection.gaps) by type: opened in the period, closed in the period, and open at its end.
"""

from __future__ import annotations

from typing import Final

from processors.kpi.facts import TERMINAL, Clock, Facts
from processors.kpi.model import Row, Section
from processors.kpi.period import Period

OUTCOMES: Final = ("met on time", "met late", "breached", "open", "stopped")
DECIDED: Final = ("met on time", "met late", "breached")
GAP_COLUMNS: Final = ("opened", "closed", "open at end")


def outcome(clock: Clock, facts: Facts) -> str:
    events = clock.events
    if "MET" in events:
        return "met late" if events["MET"][1] else "met on time"
    if {"BREACH", "EXPIRED", "LATE_NOTICE"} & events.keys():
        return "breached"
    delivery = facts.deliveries.get((clock.referral_id or "", clock.destination or ""))
    return "stopped" if delivery is not None and delivery.state in TERMINAL else "open"


def sla_section(facts: Facts, period: Period) -> Section:
    grouped: dict[tuple[str, str], dict[str, list[str]]] = {}
    for clock in sorted(facts.clocks.values(), key=lambda c: c.clock_id):
        if not period.contains(clock.started_at):
            continue
        group = grouped.setdefault((clock.destination or "—", clock.clock), {name: [] for name in OUTCOMES})
        group[outcome(clock, facts)].append(clock.referral_id or clock.subject_id)
    rows = []
    for (destination, name), found in sorted(grouped.items()):
        rows.append(
            Row(
                key=f"sla.{destination}.{name}",
                label=f"{destination} · {name}",
                numerator=len(found["met on time"]),
                denominator=sum(len(found[o]) for o in DECIDED),
                counts={o: len(found[o]) for o in OUTCOMES},
                detail={o: tuple(ids) for o, ids in found.items() if ids},
            )
        )
    return Section(
        key="sla",
        title="時限 SLA clocks per partner and clock",
        definition=(
            "Clocks started in the period, by outcome now; share = met on time ÷ (on time + late + breached). "
            "Ids are referral ids (subject ids for a person's follow-up months)."
        ),
        rows=tuple(rows),
        columns=OUTCOMES,
    )


def gaps_section(facts: Facts, period: Period) -> Section:
    found: dict[str, dict[str, list[str]]] = {}
    for gap in sorted(facts.gaps.values(), key=lambda g: g.gap_id):
        counted = found.setdefault(gap.gap_type, {name: [] for name in GAP_COLUMNS})
        if period.contains(gap.opened_at):
            counted["opened"].append(gap.subject_id)
        if gap.closed_at is not None and period.contains(gap.closed_at):
            counted["closed"].append(gap.subject_id)
        if gap.opened_at < period.end and (gap.closed_at is None or gap.closed_at >= period.end):
            counted["open at end"].append(gap.subject_id)
    rows = tuple(
        Row(
            key=f"gaps.{gap_type}",
            label=f"斷點 {gap_type}",
            numerator=len(counted["opened"]),
            unit="count",
            counts={name: len(ids) for name, ids in counted.items()},
            detail={name: tuple(ids) for name, ids in counted.items() if ids},
        )
        for gap_type, counted in sorted(found.items())
        if any(counted.values())
    )
    return Section(
        key="gaps",
        title="斷點 Break points by type",
        definition="Break points (protection.gaps) opened and closed in the period, and open at its end (subject ids).",
        rows=rows,
        columns=GAP_COLUMNS,
    )
