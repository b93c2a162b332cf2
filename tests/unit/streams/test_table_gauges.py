"""streams/gauges.py: open referrals and open gaps are counted from the tables at scrape time."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from streams.gauges import TableGauges, open_referrals


def entry(kind: str, **states: str) -> dict[str, Any]:
    return {"kind": kind, "destinations": {d: {"state": s} for d, s in states.items()}}


def test_open_referrals_count_only_non_terminal_deliveries() -> None:
    counts = open_referrals(
        [
            entry("CHILD_PROTECTION", SOCIAL="ACCEPTED", BUREAU="ROUTED"),
            entry("CHILD_PROTECTION", SOCIAL="ACCEPTED", BUREAU="CLOSED"),
            entry("SERVICE", LABOUR="REJECTED"),
            None,  # a tombstoned key
        ]
    )
    assert counts == {("CHILD_PROTECTION", "ACCEPTED", "SOCIAL"): 2, ("CHILD_PROTECTION", "ROUTED", "BUREAU"): 1}


def test_the_collector_exposes_both_gauges() -> None:
    registry = CollectorRegistry()
    registry.register(TableGauges(lambda: [entry("LECTURE", BUREAU="ROUTED")], lambda: []))
    text = generate_latest(registry).decode()
    assert 'refhub_open_referrals{destination="BUREAU",kind="LECTURE",state="ROUTED"} 1.0' in text
    assert "# TYPE refhub_open_gaps gauge" in text
