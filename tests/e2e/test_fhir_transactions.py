"""A hospital's FHIR transaction Bundle on the real hub: all or nothing (FHIR R4), including refusals only the
gateway can make (an answer on a referral the hospital was never sent), and kept whole as one dead letter."""

from __future__ import annotations

import pytest

from tests.support.hospital import HOSPITAL, deferred_prosecution, entry, transaction
from tests.support.processes import HubProcess
from tests.support.topics import end_offsets_total, wait_for

pytestmark = pytest.mark.broker

UNKNOWN = "R-" + "0" * 20


def test_a_transaction_with_an_answer_the_gateway_refuses_is_not_applied_at_all(hub: HubProcess) -> None:
    referral_id = deferred_prosecution(hub)
    good = entry(referral_id, "accepted", "2025-07-25T09:00:00+08:00")
    updates_before = end_offsets_total(hub.broker.bootstrap, "referrals.updates")

    body = transaction(good, entry(UNKNOWN, "accepted", "2025-07-25T09:05:00+08:00"))
    status, receipt = hub.post("/v1/submissions", body, "application/fhir+json", hub.token(HOSPITAL))
    assert status == 202 and receipt["accepted"] == [], receipt
    assert [(row["record"], row["code"]) for row in receipt["rejected"]] == [
        (1, "TRANSACTION_FAILED"),
        (2, "UNKNOWN_REFERRAL"),
    ]
    letters = wait_for(
        hub.broker.bootstrap, "referrals.dlq", lambda m: m.value["submission_id"] == receipt["submission_id"], 1
    )
    assert [(m.value["record_no"], m.value["code"]) for m in letters] == [(0, "TRANSACTION_FAILED")]
    assert end_offsets_total(hub.broker.bootstrap, "referrals.updates") == updates_before, "nothing was applied"

    # The same answer without the wrong entry is one the hub takes.
    status, receipt = hub.post("/v1/submissions", transaction(good), "application/fhir+json", hub.token(HOSPITAL))
    assert status == 202 and receipt["rejected"] == [] and receipt["accepted"][0]["referral_id"] == referral_id
    found = wait_for(hub.broker.bootstrap, "referrals.updates", lambda m: m.value["referral_id"] == referral_id, 1)
    assert found[0].value["state"] == "ACCEPTED"
