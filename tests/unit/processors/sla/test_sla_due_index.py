"""DueIndex: keys by their next instant; a tick pops only what falls due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.sla.clocks import DueIndex

BASE = datetime(2025, 7, 15, tzinfo=UTC)


def test_a_tick_pops_only_what_falls_due() -> None:
    index = DueIndex()
    for n in range(1000):
        index.schedule(f"c{n}", BASE + timedelta(minutes=n))
    assert index.due(BASE + timedelta(minutes=2)) == ["c0", "c1", "c2"]
    index.schedule("c3", None)
    assert index.due(BASE + timedelta(minutes=4)) == ["c4"]
    assert len(index) == 995
    assert index.due(BASE + timedelta(minutes=4)) == []


def test_rescheduling_replaces_the_earlier_instant() -> None:
    index = DueIndex()
    index.schedule("R-1", BASE + timedelta(hours=1))
    index.schedule("R-1", BASE + timedelta(hours=3))
    assert index.due(BASE + timedelta(hours=2)) == []
    index.schedule("R-1", BASE + timedelta(hours=1))  # back to the first instant: one key, popped once
    assert index.due(BASE + timedelta(hours=5)) == ["R-1"]
    assert len(index) == 0


def test_removing_an_unknown_key_is_harmless() -> None:
    index = DueIndex()
    index.schedule("nothing", None)
    assert len(index) == 0


def test_stale_entries_do_not_pile_up() -> None:
    index = DueIndex()
    for n in range(10_000):
        index.schedule("R-1", BASE + timedelta(seconds=n))
    assert len(index) == 1
    assert len(index._heap) < 200
    assert index.due(BASE + timedelta(days=1)) == ["R-1"]


class _Counted(datetime):
    """A datetime that counts comparisons: how much work a tick did."""

    comparisons = 0

    def __lt__(self, other: Any) -> bool:
        _Counted.comparisons += 1
        return super().__lt__(other)

    def __le__(self, other: Any) -> bool:
        _Counted.comparisons += 1
        return super().__le__(other)

    def __eq__(self, other: object) -> bool:
        _Counted.comparisons += 1
        return super().__eq__(other)

    __hash__ = datetime.__hash__


def _counted(moment: datetime) -> _Counted:
    return _Counted.fromtimestamp(moment.timestamp(), UTC)


def test_work_per_tick_grows_with_what_falls_due_not_with_what_waits() -> None:
    index = DueIndex()
    waiting = 100_000
    for n in range(waiting):
        index.schedule(f"R-{n}", _counted(BASE + timedelta(days=1, seconds=n)))
    for n in range(10):
        index.schedule(f"due-{n}", _counted(BASE + timedelta(seconds=n)))
    _Counted.comparisons = 0
    assert index.due(_counted(BASE + timedelta(hours=1))) == [f"due-{n}" for n in range(10)]
    # Ten pops from a heap of 100k: a few hundred comparisons (10 × ~2 log2 n), far from 100k.
    assert _Counted.comparisons < 1_000
    assert len(index) == waiting


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("schedule"), st.sampled_from("abcdefgh"), st.none() | st.integers(0, 50)),
            st.tuples(st.just("due"), st.just(""), st.integers(0, 50)),
        ),
        max_size=80,
    )
)
def test_behaves_like_a_plain_dict_of_instants(operations: list[tuple[str, str, int | None]]) -> None:
    index = DueIndex()
    model: dict[str, datetime] = {}
    for operation, key, minute in operations:
        at = None if minute is None else BASE + timedelta(minutes=minute)
        if operation == "schedule":
            index.schedule(key, at)
            if at is None:
                model.pop(key, None)
            else:
                model[key] = at
        else:
            assert at is not None
            expected = sorted((instant, name) for name, instant in model.items() if instant <= at)
            assert index.due(at) == [name for _, name in expected]
            for _, name in expected:
                del model[name]
        assert len(index) == len(model)
