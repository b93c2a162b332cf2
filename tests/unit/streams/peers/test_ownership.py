"""streams/peers/ownership.py: the owner of a key is the worker holding its partition, from the assignor's map."""

from __future__ import annotations

from streams.peers.ownership import owner_url, same_worker

METADATA = {
    "http://w1:8080": {"refhub-referral-ledger-changelog": [0, 3]},
    "http://w2:8080": {"refhub-referral-ledger-changelog": [1], "refhub-journeys-changelog": [0]},
}


def test_the_worker_holding_the_partition_owns_it() -> None:
    assert owner_url(METADATA, "refhub-referral-ledger-changelog", 3) == "http://w1:8080"
    assert owner_url(METADATA, "refhub-referral-ledger-changelog", 1) == "http://w2:8080"


def test_nobody_owns_a_partition_mid_rebalance() -> None:
    assert owner_url(METADATA, "refhub-referral-ledger-changelog", 2) is None
    assert owner_url({}, "refhub-journeys-changelog", 0) is None


def test_a_trailing_slash_is_the_same_worker() -> None:
    assert same_worker("http://w1:8080/", "http://w1:8080")
    assert not same_worker("http://w1:8080", "http://w2:8080")
