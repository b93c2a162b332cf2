"""Per-tick cost of the SLA due index (processors/sla/clocks.py) with 10k, 100k and 1M open clocks.

An index is filled with N clocks whose instants are spread evenly over 30 days. Then the SLA timer ticks once
a simulated second: a tick pops the clocks fallen due and handles each (half move on to a later instant, the
way a warning is followed by its breach; the rest are done). Between ticks the hub's event side churns the
index a little: two new short clocks (due within two minutes, so a steady couple fall due each tick
whatever N is), one clock moved to a new instant and one closed (an answer stops it). A tick's time is
``due(now)`` plus that handling; the churn operations are timed one by one. The tick time should not grow
with N: the index exists so that a tick touches only the clocks falling due.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

from processors.sla import clocks
from processors.sla.calendar import WorkingCalendar
from processors.sla.policy import load_policy
from processors.sla.referral_clocks import check_due, start_clocks

SIZES = (10_000, 100_000, 1_000_000)
SPREAD = timedelta(days=30)
WARM_UP_TICKS = 300
TICKS = 10_000
NEW_CLOCKS_PER_TICK = 2
START = datetime(2025, 7, 15, tzinfo=UTC)


class DueIndexAPI(Protocol):
    def schedule(self, key: str, at: datetime | None) -> None: ...

    def due(self, now: datetime) -> list[str]: ...

    def __len__(self) -> int: ...


class _LiveKeys:
    """The open clocks' keys, for picking one at random in O(1)."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.where: dict[str, int] = {}

    def add(self, key: str) -> None:
        if key not in self.where:
            self.where[key] = len(self.keys)
            self.keys.append(key)

    def discard(self, key: str) -> None:
        index = self.where.pop(key, None)
        if index is None:
            return
        last = self.keys.pop()
        if index < len(self.keys):
            self.keys[index] = last
            self.where[last] = index

    def pick(self, rng: random.Random) -> str:
        return self.keys[rng.randrange(len(self.keys))]


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _micros(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    return {
        "median": round(statistics.median(ordered) / 1000, 2),
        "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000, 2),
        "max": round(ordered[-1] / 1000, 2),
    }


def _one_size(size: int, rng: random.Random) -> dict[str, Any]:
    rss_before = _rss_mib()
    spread = SPREAD.total_seconds()
    keys = [f"R-{n:08d}/SOCIAL/ACKNOWLEDGE" for n in range(size)]
    instants = [START + timedelta(seconds=rng.random() * spread) for _ in range(size)]
    index = cast(DueIndexAPI, clocks.DueIndex())
    live = _LiveKeys()
    began = time.perf_counter()
    for key, at in zip(keys, instants, strict=True):
        index.schedule(key, at)
    fill_seconds = time.perf_counter() - began
    for key in keys:
        live.add(key)
    del instants
    rss_after_fill = _rss_mib()

    tick_ns: list[int] = []
    new_ns: list[int] = []
    move_ns: list[int] = []
    close_ns: list[int] = []
    fired_per_tick: list[int] = []
    serial = size
    for tick in range(WARM_UP_TICKS + TICKS):
        now = START + timedelta(seconds=tick + 1)
        # The timer's tick.
        t0 = time.perf_counter_ns()
        fired = index.due(now)
        for key in fired:
            if rng.random() < 0.5:
                index.schedule(key, now + timedelta(seconds=rng.uniform(3_600, 10 * 86_400)))
            else:
                live.discard(key)
        elapsed = time.perf_counter_ns() - t0
        # The event side between ticks.
        churn_new, churn_move, churn_close = [], [], []
        for _ in range(NEW_CLOCKS_PER_TICK):
            key = f"R-{serial:08d}/BUREAU/ACKNOWLEDGE"
            serial += 1
            at = now + timedelta(seconds=rng.uniform(1, 120))
            t1 = time.perf_counter_ns()
            index.schedule(key, at)
            churn_new.append(time.perf_counter_ns() - t1)
            live.add(key)
        moved, at = live.pick(rng), now + timedelta(seconds=rng.uniform(0, spread))
        t1 = time.perf_counter_ns()
        index.schedule(moved, at)
        churn_move.append(time.perf_counter_ns() - t1)
        closed = live.pick(rng)
        t1 = time.perf_counter_ns()
        index.schedule(closed, None)
        churn_close.append(time.perf_counter_ns() - t1)
        live.discard(closed)
        if tick >= WARM_UP_TICKS:
            tick_ns.append(elapsed)
            fired_per_tick.append(len(fired))
            new_ns += churn_new
            move_ns += churn_move
            close_ns += churn_close
    result = {
        "open_clocks": size,
        "fill_seconds": round(fill_seconds, 3),
        "fill_per_clock_us": round(fill_seconds / size * 1e6, 2),
        "rss_growth_mib": round(rss_after_fill - rss_before, 1),
        "ticks": TICKS,
        "fired_per_tick": {"mean": round(statistics.fmean(fired_per_tick), 2), "max": max(fired_per_tick)},
        "tick_us": _micros(tick_ns),
        "schedule_new_us": _micros(new_ns),
        "reschedule_us": _micros(move_ns),
        "cancel_us": _micros(close_ns),
        "open_after": len(index),
    }
    del index, live, keys
    gc.collect()
    return result


def _check_due_cost(repeats: int = 2000) -> dict[str, Any]:
    """What each key popped from the index then costs its owner: ``check_due`` over one referral's clocks
    (a deferred prosecution with a treatment order: 2 destinations, 6 clocks), nothing due vs a warning due."""
    policy, calendar = load_policy(None), WorkingCalendar()
    routed = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    event = {
        "referral_id": "R-bench",
        "kind": "DEFERRED_PROSECUTION",
        "source": "PROS_KS",
        "subject_id": "S-bench",
        "received_at": routed,
        "out_of_area": False,
        "version": 1,
        "attributes": {"treatment_ordered": "Y", "hospital_code": "HOSP_CGMH"},
    }
    started = start_clocks(None, event, [("HOSP_CGMH", False), ("BUREAU", False)], routed, policy, calendar).clocks
    assert started is not None
    result: dict[str, Any] = {"clocks_per_referral": len(started["clocks"])}
    for label, now in (("nothing_due", routed + timedelta(hours=1)), ("warning_due", routed + timedelta(days=3))):
        samples = []
        for _ in range(repeats):
            began = time.perf_counter_ns()
            check_due(started, now, policy, calendar)
            samples.append(time.perf_counter_ns() - began)
        result[label] = _micros(samples)
    return result


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    rng = random.Random(30)
    return {
        "simulated_tick_seconds": 1,
        "clock_spread_days": SPREAD.days,
        "sizes": {f"{size:_}".replace("_", ","): _one_size(size, rng) for size in sizes},
        "check_due_per_popped_referral_us": _check_due_cost(),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
