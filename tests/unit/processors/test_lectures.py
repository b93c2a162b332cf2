"""processors/lectures.py: a notice's count is its place in the person's list, however often it comes."""

from __future__ import annotations

from processors.lectures import count


def test_the_first_notice_has_no_earlier_one() -> None:
    counted = count(None, "R-1")
    assert (counted.notices, counted.earlier, counted.changed) == (["R-1"], 0, True)


def test_a_later_notice_counts_the_earlier_ones() -> None:
    counted = count(["R-1", "R-2"], "R-3")
    assert (counted.notices, counted.earlier, counted.changed) == (["R-1", "R-2", "R-3"], 2, True)


def test_a_redelivered_or_amended_notice_keeps_its_place() -> None:
    counted = count(["R-1", "R-2", "R-3"], "R-2")
    assert (counted.notices, counted.earlier, counted.changed) == (["R-1", "R-2", "R-3"], 1, False)
