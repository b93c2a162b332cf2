"""Cutting a batch into runs without a repeated key (processors/batch_runs.py)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from processors.batch_runs import runs


def test_distinct_keys_are_one_run() -> None:
    assert runs(["R-1", "R-2", "R-3"]) == [range(0, 3)]


def test_a_repeated_key_starts_a_new_run_at_its_second_message() -> None:
    assert runs(["R-1", "R-2", "R-1", "R-3", "R-2", "R-2"]) == [range(0, 2), range(2, 5), range(5, 6)]


def test_an_empty_batch_has_no_runs() -> None:
    assert runs([]) == []


@given(st.lists(st.sampled_from("abcde"), max_size=40))
def test_runs_keep_order_cover_everything_and_never_hold_a_key_twice(keys: list[str]) -> None:
    cut = runs(keys)
    assert [i for run in cut for i in run] == list(range(len(keys)))
    for run in cut:
        assert len({keys[i] for i in run}) == len(run)
    for before, after in itertools.pairwise(cut):
        # Each run is as long as it can be: the next one starts at a key the run already holds.
        assert keys[after.start] in {keys[i] for i in before}
