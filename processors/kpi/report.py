"""The whole report for a period, from the facts the topics gave."""

from __future__ import annotations

from collections.abc import Mapping

from processors.journeys.policy import Cadence
from processors.kpi import casework, employment, referrals, timeliness, transfer, treatment, youth
from processors.kpi.facts import Facts
from processors.kpi.model import Report
from processors.kpi.period import Period


def build_report(
    facts: Facts,
    period: Period,
    cadence: Mapping[str, Cadence] = casework.DEFAULT_CADENCE,
    read: Mapping[str, int] | None = None,
) -> Report:
    """Every indicator for ``period``. People an erasure order (塗銷) named are left out of every figure."""
    kept = facts.without_erased()
    notes = [
        "Counted from the hub's event topics; people appear only as pseudonymous referral (R-…) and subject (S-…) "
        "ids; no sealed field was opened.",
        "Employment excusals the hub cannot know (no partner sends them): " + "、".join(employment.CANNOT_KNOW) + ".",
    ]
    if kept.erased:
        notes.append(f"{len(kept.erased)} people named by an erasure order (塗銷) are left out of every figure.")
    if kept.as_of is not None and kept.as_of < period.end:
        notes.append(
            f"The hub's latest record is from {kept.as_of.isoformat()}: follow-up months are counted up to then."
        )
    return Report(
        period=period,
        as_of=kept.as_of,
        sections=(
            youth.section(kept, period),
            employment.section(kept, period),
            casework.section(kept, period, cadence),
            treatment.section(kept, period),
            transfer.section(kept, period),
            referrals.section(kept, period),
            timeliness.sla_section(kept, period),
            timeliness.gaps_section(kept, period),
        ),
        notes=tuple(notes),
        read=dict(read or {}),
    )
