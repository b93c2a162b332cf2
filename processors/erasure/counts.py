"""What an erasure removed, counted per category: the court's answer carries counts, never personal data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

CATEGORIES: Final = (
    "referrals",
    "sla_clocks",
    "journeys",
    "lecture_notices",
    "data_keys",
    "lookup_links",
    "quarantine_keys",
    "destinations_notified",
)
"""referrals: ledger entries; data_keys: the person's own data key; quarantine_keys: keys of dead letters and
of the order's own bytes that named the person; destinations_notified: erasure notices sent to agencies."""


def zero() -> dict[str, int]:
    return dict.fromkeys(CATEGORIES, 0)


def total(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    summed = zero()
    for part in parts:
        for category, count in part.items():
            summed[category] = summed.get(category, 0) + int(count)
    return summed
