"""Properties over generated stories: a referral or two, lifecycle answers (withdrawals among them), contacts
with need levels, a case closure — in time order, as the hub would see them."""

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from journey_builders import Run, check, contact, deferred, pre_release, referred, state, taipei

from processors.journeys.journey import JourneyPlan, apply_step, open_gaps
from processors.journeys.policy import JourneyPolicy
from processors.lifecycle import State
from schemas.codec import codec_for

START = taipei(2025, 6, 1)
SPAN_HOURS = 24 * 300
END = START + timedelta(hours=SPAN_HOURS + 24 * 40, seconds=17)
STATES = [s.value for s in State]
ANSWERS = [*STATES, "CANCELLED", "CANCELLED"]  # withdrawals (every delivery cancelled) happen often enough
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _hour(draw: st.DrawFn, low: int = 0, high: int = SPAN_HOURS) -> datetime:
    # Steps fall on whole hours; checks (below) never do, so no check ties with a step.
    return START + timedelta(hours=draw(st.integers(low, high)))


@st.composite
def stories(draw: st.DrawFn) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    if draw(st.booleans()):
        roster = _hour(draw, 0, 24 * 120)
        release = (roster + timedelta(days=draw(st.integers(1, 60)))).date().isoformat()
        destinations = draw(st.sampled_from(["BUREAU", "BUREAU,HEALTH"]))
        steps.append(pre_release("R-P1", release, roster, youth=draw(st.booleans()), destinations=destinations))
    if draw(st.booleans()):
        steps.append(deferred("R-D1", _hour(draw), treatment_ordered=draw(st.booleans())))
    if draw(st.booleans()):
        steps.append(referred("R-S1", "SELF_REFERRAL", _hour(draw)))
    for number in range(draw(st.integers(0, 24))):
        what = draw(st.sampled_from(["contact", "contact", "treatment", "bureau", "release"]))
        at = _hour(draw)
        if what == "contact":
            step = contact(
                f"C-{number}",
                at,
                draw(st.sampled_from(["PHONE", "HOME", "FACE", "NETWORK", "OTHER"])),
                reached=draw(st.booleans()),
                need_level=draw(st.sampled_from([None, None, "LOW", "MEDIUM", "HIGH"])),
            )
        elif what == "treatment":
            destination = draw(st.sampled_from(["BUREAU", "HOSP_KSPH", "HEALTH"]))
            step = {**state("R-D1", destination, draw(st.sampled_from(ANSWERS)), at), "step_id": f"T-{number}"}
        elif what == "release":
            destination = draw(st.sampled_from(["BUREAU", "HEALTH", "NGO_MUEN"]))
            step = {**state("R-P1", destination, draw(st.sampled_from(ANSWERS)), at, "PRE_RELEASE"),
                    "step_id": f"P-{number}"}  # fmt: skip
        else:
            step = {**state("R-S1", "BUREAU", draw(st.sampled_from(STATES)), at, "SELF_REFERRAL"),
                    "step_id": f"B-{number}"}  # fmt: skip
        steps.append(step)
    return sorted(steps, key=lambda step: step["at"])


def _play(steps: list[dict[str, Any]], checks: Sequence[datetime] = (), lags: Sequence[int] = ()) -> Run:
    """Steps arrive ``lag`` hours after they happened (so possibly out of order); the hub's clock is the
    arrival time. Checks run at their own instants."""
    run = Run()
    arrivals = [(s["at"] + timedelta(hours=lags[n] if n < len(lags) else 0), 1, s) for n, s in enumerate(steps)]
    timeline = sorted(arrivals + [(c, 0, check(c)) for c in checks], key=lambda x: x[:2])
    for arrival, _, step in timeline:
        if step["type"] == "CHECK":
            run.check(step["at"])
        else:
            run.step(step, now=arrival)
    run.check(END)
    return run


lags = st.lists(st.sampled_from([0, 0, 0, 1, 30, 24 * 5, 24 * 40]), max_size=30)


checks = st.lists(
    st.integers(0, SPAN_HOURS + 24 * 30).map(lambda h: START + timedelta(hours=h, minutes=30, seconds=17)),
    max_size=30,
)


@SETTINGS
@given(stories(), checks)
def test_when_the_timer_looks_does_not_change_the_story(steps: list[dict[str, Any]], at: list[datetime]) -> None:
    looked_often, looked_last = _play(steps, at).events, _play(steps).events
    # The same events, each byte for byte; only how they were batched into plans may differ.
    assert {e["event_id"]: e for e in looked_often} == {e["event_id"]: e for e in looked_last}
    assert len(looked_often) == len(looked_last)


@SETTINGS
@given(stories(), lags)
def test_every_step_applied_again_changes_nothing(steps: list[dict[str, Any]], late: list[int]) -> None:
    run = _play(steps, lags=late)
    assert run.journey is not None or not steps
    if run.journey is None:
        return
    forgetful = {**run.journey, "seen": []}
    for step in steps:
        assert apply_step(run.journey, step, JourneyPolicy(), END) == JourneyPlan(journey=None)
        # Beyond the window of remembered step ids, the state itself recognises the repeat.
        plan = apply_step(forgetful, step, JourneyPolicy(), END)  # type: ignore[arg-type]
        assert plan.events == []
        assert plan.journey is None or {**plan.journey, "seen": []} == forgetful


@SETTINGS
@given(stories(), st.integers(1, 24 * 45))
def test_a_step_re_applied_later_re_emits_what_it_emitted_byte_for_byte(steps: list[dict[str, Any]], lag: int) -> None:
    run = Run()
    for step in steps:
        on_time = apply_step(run.journey, step, run.policy, step["at"])
        later = apply_step(run.journey, step, run.policy, step["at"] + timedelta(hours=lag))
        again = {event["event_id"]: event for event in later.events}
        for event in on_time.events:
            name = "protection_gap" if "gap_id" in event else "sla_event"
            assert codec_for(name).encode(again[event["event_id"]]) == codec_for(name).encode(event)
        run.step(step)


@SETTINGS
@given(stories(), checks, lags)
def test_clocks_and_gaps_move_forward_only(steps: list[dict[str, Any]], at: list[datetime], late: list[int]) -> None:
    run = _play(steps, at, late)
    ids = [event["event_id"] for event in run.events]
    assert len(ids) == len(set(ids)), "an event was emitted twice"
    by_clock: dict[str, list[str]] = defaultdict(list)
    by_gap: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in run.events:
        if "gap_id" in event:
            by_gap[event["gap_id"]].append(event)
        else:
            by_clock[event["clock_id"]].append(event["type"])
    for types in by_clock.values():
        # Each at most once, in order, and never a breach without its warning first.
        assert types == [t for t in ("WARNING", "BREACH", "MET") if t in types]
        assert "BREACH" not in types or "WARNING" in types
    for events in by_gap.values():
        assert [e["status"] for e in events] in (["OPEN"], ["OPEN", "CLOSED"])
        if len(events) == 2:
            assert events[1]["closed_at"] >= events[0]["opened_at"] == events[1]["opened_at"]
    still_open = {gap for gap, events in by_gap.items() if len(events) == 1}
    assert run.journey is None or {g["gap_id"] for g in open_gaps(run.journey)} == still_open


@SETTINGS
@given(stories())
def test_the_journey_is_json_safe_and_every_event_fits_its_schema(steps: list[dict[str, Any]]) -> None:
    run = Run()
    for step in steps:
        for event in run.step(step):
            name = "protection_gap" if "gap_id" in event else "sla_event"
            assert codec_for(name).decode(codec_for(name).encode(event)) == event
        assert json.loads(json.dumps(run.journey)) == run.journey
