"""A hospital's side of the closed loop, for e2e tests: a deferred-prosecution referral with treatment ordered at
HOSP_CGMH (a fresh letter number each time), and the FHIR transaction Bundles the hospital answers with."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.support.processes import REPO, HubProcess
from tests.support.topics import wait_for

HOSPITAL = "HOSP_CGMH"
"""The hospital the sample letter orders treatment at (長庚醫療財團法人高雄長庚紀念醫院)."""
SAMPLE = REPO / "deploy" / "local" / "samples" / "prosecutor_deferred.xml"


def deferred_prosecution(hub: HubProcess) -> str:
    """A new referral for the hospital (and the bureau), once routed: its id."""
    letter = SAMPLE.read_text(encoding="utf-8").replace(
        "雄檢114緩字第000321號", f"雄檢114緩字第{uuid.uuid4().int % 10**9:09d}號"
    )
    status, receipt = hub.post("/v1/submissions", letter.encode(), "application/xml", hub.token("PROS_KS"))
    assert status == 202 and receipt["rejected"] == [], receipt
    referral_id: str = receipt["accepted"][0]["referral_id"]
    wait_for(hub.broker.bootstrap, "referrals.status", lambda m: m.value["referral_id"] == referral_id, 2, timeout=90)
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
