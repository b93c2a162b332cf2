"""Gauges read from the tables at scrape time: open referrals and open break points.

Counted from the tables rather than kept by inc/dec, so a restart, a rebalance or a redelivered message can
never leave them drifting; a scrape walks this worker's own partitions only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from processors.erasure.referrals import is_erased
from processors.journeys.journey import open_gaps
from processors.lifecycle import TERMINAL, State

Values = Callable[[], Iterable[Any]]


def open_referrals(entries: Iterable[Mapping[str, Any]]) -> Counter[tuple[str, str, str]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    for entry in entries:
        if entry is None or is_erased(entry):
            continue
        for destination, delivery in entry["destinations"].items():
            if State(delivery["state"]) not in TERMINAL:
                counts[(entry["kind"], delivery["state"], destination)] += 1
    return counts


def open_gaps_by_type(journeys: Iterable[Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for journey in journeys:
        if journey is not None:
            counts.update(gap["gap_type"] for gap in open_gaps(journey))
    return counts


class TableGauges(Collector):
    def __init__(self, ledger: Values, journeys: Values) -> None:
        self._ledger = ledger
        self._journeys = journeys

    def collect(self) -> Iterator[GaugeMetricFamily]:
        referrals = GaugeMetricFamily(
            "refhub_open_referrals",
            "Open (non-terminal) deliveries by referral kind, lifecycle state and destination",
            labels=["kind", "state", "destination"],
        )
        for (kind, state, destination), count in sorted(open_referrals(self._ledger()).items()):
            referrals.add_metric([kind, state, destination], count)
        yield referrals
        gaps = GaugeMetricFamily("refhub_open_gaps", "Open break points (斷點) by type", labels=["gap_type"])
        for gap_type, count in sorted(open_gaps_by_type(self._journeys()).items()):
            gaps.add_metric([gap_type], count)
        yield gaps
