"""The small chaos run in make test (``make chaos`` is the large one): a few thousand referrals posted through
the three workers on the three-node cluster while one worker and one broker are ``kill -9``ed; nothing lost, no
second assignment id for any (referral, destination), no referral without a ledger state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.chaos.harness import Chaos
from tests.support.processes import Cluster
from tests.support.workers import Workers

pytestmark = pytest.mark.broker

ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "chaos-small.json"


def test_referrals_survive_a_worker_and_a_broker_killed_mid_stream(workers: Workers, cluster: Cluster) -> None:
    figures = Chaos(
        workers,
        cluster,
        referrals=2_000,
        rows_per_file=20,
        worker_kills=1,
        kill_every=(10.0, 15.0),
        broker_kill=True,
        posters=3,
        rate=40.0,  # about 50 s of posting: room for both kills while the partners post
        drain_timeout=300.0,
        log=print,
    ).run()
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(figures.as_json() + "\n")
    print(figures.as_json())
    assert figures.enough_chaos(worker_kills=1, broker_kills=1), "both kills happen while the partners post"
    assert (figures.lost, figures.duplicated, figures.stuck, figures.unreceipted) == (0, 0, 0, 0), json.loads(
        figures.as_json()
    )
