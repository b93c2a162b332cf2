"""`kill -9` of the hub mid-stream, then a restart: every (referral, destination) reaches the case system,
and any repeat is byte-identical (consumers dedupe on assignment_id — README, "Delivery")."""

from __future__ import annotations

import random
import time
from collections import defaultdict

import pytest

from tests.support import police
from tests.support.processes import HubProcess
from tests.support.topics import Message, end_offsets_total, read_topic, wait_for_referrals

pytestmark = pytest.mark.broker

RECORDS = 600


@pytest.mark.parametrize("kill_after", [0.05, 0.15, 0.3, 0.6])
def test_kill_9_mid_stream_loses_nothing_and_repeats_are_identical(hub: HubProcess, kill_after: float) -> None:
    rng = random.Random(99)
    refs = police.fresh_refs(RECORDS)
    body = police.to_csv([police.child_protection_row(ref, police.person(rng)) for ref in refs])
    before = end_offsets_total(hub.broker.bootstrap, "assignments.SOCIAL")
    status, receipt = hub.post("/v1/submissions", body, "text/csv", hub.token("POLICE"))
    assert status == 202 and len(receipt["accepted"]) == RECORDS
    referral_ids = {row["referral_id"] for row in receipt["accepted"]}

    def ours(message: Message) -> bool:
        return message.value["referral_id"] in referral_ids

    # Kill once the router is well into this file (its ledger changelog has entries to recover) but before
    # it can have finished: routing 600 records takes well over a second on these machines.
    while end_offsets_total(hub.broker.bootstrap, "assignments.SOCIAL") == before:
        time.sleep(0.01)
    time.sleep(kill_after)
    hub.kill9()
    routed_at_kill = len([m for m in read_topic(hub.broker.bootstrap, "assignments.SOCIAL") if ours(m)])
    assert 0 < routed_at_kill < RECORDS, f"the kill did not land mid-stream ({routed_at_kill} of {RECORDS})"

    hub.start()
    for agency in ("SOCIAL", "BUREAU"):
        found = wait_for_referrals(hub.broker.bootstrap, f"assignments.{agency}", referral_ids)
        by_referral: dict[str, list[Message]] = defaultdict(list)
        for message in found:
            by_referral[message.value["referral_id"]].append(message)
        assert set(by_referral) == referral_ids, f"{agency}: {len(referral_ids - set(by_referral))} never arrived"
        for copies in by_referral.values():
            assert len({m.value["assignment_id"] for m in copies}) == 1
            assert len({m.raw for m in copies}) == 1, "a repeat must be byte-identical"
