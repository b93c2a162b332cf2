"""A hospital's FHIR transaction Bundle on the real hub: all or nothing (FHIR R4), including refusals only the
gateway can make (an answer on a referral the hospital was never sent), and kept whole as one dead letter."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.support.processes import REPO, HubProcess
from tests.support.topics import end_offsets_total, wait_for

pytestmark = pytest.mark.broker

HOSPITAL = "HOSP_CGMH"
UNKNOWN = "R-" + "0" * 20


def deferred_prosecution_for_the_hospital(hub: HubProcess) -> str:
    letter = (REPO / "deploy" / "local" / "samples" / "prosecutor_deferred.xml").read_text(encoding="utf-8")
    letter = letter.replace("雄檢114緩字第000321號", f"雄檢114緩字第{uuid.uuid4().int % 10**6:06d}號")
    status, receipt = hub.post("/v1/submissions", letter.encode(), "application/xml", hub.token("PROS_KS"))
    assert status == 202 and receipt["rejected"] == [], receipt
    referral_id: str = receipt["accepted"][0]["referral_id"]
    wait_for(hub.broker.bootstrap, "referrals.status", lambda m: m.value["referral_id"] == referral_id, 2)
    return referral_id


def entry(referral_id: str, status: str, at: str) -> dict[str, Any]:
    return {
        "resource": {
            "resourceType": "Task",
            "identifier": [{"system": "urn:refhub:referral", "value": referral_id}],
            "status": status,
            "intent": "order",
            "lastModified": at,
        },
        "request": {"method": "PUT", "url": f"Task/{referral_id}"},
    }


def transaction(*entries: dict[str, Any]) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}).encode()


def test_a_transaction_with_an_answer_the_gateway_refuses_is_not_applied_at_all(hub: HubProcess) -> None:
    referral_id = deferred_prosecution_for_the_hospital(hub)
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
