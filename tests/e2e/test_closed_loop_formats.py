"""Round trips in the partners' own formats: prosecutor → hospital (FHIR) and bureau; bureau → labour (CSV);
the bureau's treatment hours → the prosecutor's monthly progress report (XML)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from defusedxml import ElementTree

from tests.support.processes import REPO, HubProcess
from tests.support.topics import wait_for

pytestmark = pytest.mark.broker

SAMPLES = REPO / "deploy" / "local" / "samples"


def post(hub: HubProcess, partner: str, body: bytes, content_type: str) -> dict[str, Any]:
    status, receipt = hub.post("/v1/submissions", body, content_type, hub.token(partner))
    assert status == 202, receipt
    assert receipt["rejected"] == [], receipt["rejected"]
    return dict(receipt)


def pull(hub: HubProcess, path: str, partner: str) -> tuple[bytes, str]:
    request = urllib.request.Request(hub.url + path, headers={"Authorization": f"Bearer {hub.token(partner)}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read(), response.headers["Content-Type"]


def routed(hub: HubProcess, referral_id: str, destinations: int) -> None:
    wait_for(hub.broker.bootstrap, "referrals.status", lambda m: m.value["referral_id"] == referral_id, destinations)


def test_deferred_prosecution_to_hospital_and_back_and_the_monthly_report(hub: HubProcess) -> None:
    receipt = post(hub, "PROS_KS", (SAMPLES / "prosecutor_deferred.xml").read_bytes(), "application/xml")
    referral_id = receipt["accepted"][0]["referral_id"]
    routed(hub, referral_id, 2)

    body, content_type = pull(hub, "/v1/outbox/assignments?limit=500", "HOSP_CGMH")
    assert content_type.startswith("application/fhir+json")
    bundle = json.loads(body)
    tasks = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"]
    ours = [t for t in tasks if {"system": "urn:refhub:referral", "value": referral_id} in t["identifier"]]
    assert len(ours) == 1
    answer = {**ours[0], "status": "accepted", "lastModified": "2025-07-25T09:00:00+08:00"}
    hospital = post(hub, "HOSP_CGMH", json.dumps(answer).encode(), "application/fhir+json")
    assert hospital["accepted"][0]["referral_id"] == referral_id
    updates = wait_for(hub.broker.bootstrap, "referrals.updates", lambda m: m.value["referral_id"] == referral_id, 1)
    assert updates[0].value["state"] == "ACCEPTED" and updates[0].value["partner"] == "HOSP_CGMH"

    for ref, hours in (("TH-1", 8), ("TH-2", 4.5)):
        hours_message = {
            "type": "TREATMENT_HOURS",
            "ref": f"{referral_id}-{ref}",
            "referralId": referral_id,
            "hours": hours,
            "period": "2025-08",
        }
        post(hub, "BUREAU", json.dumps(hours_message).encode(), "application/json")
    wait_for(hub.broker.bootstrap, "casework.treatment_hours", lambda m: m.value["referral_id"] == referral_id, 2)

    body, content_type = pull(hub, "/v1/outbox/reports?period=2025-08", "PROS_KS")
    assert content_type.startswith("application/xml")
    root = ElementTree.fromstring(body, forbid_dtd=True)
    reports = [r for r in root if r.findtext("轉介編號") == referral_id]
    assert len(reports) == 1
    hours_element = reports[0].find("社區處遇時數")
    assert hours_element is not None
    assert (hours_element.get("已完成"), hours_element.get("應完成")) == ("12.5", "60")
    assert reports[0].findtext("被告/姓名") == "鄭文彬"


def test_service_referral_to_labour_and_its_reply(hub: HubProcess) -> None:
    receipt = post(hub, "BUREAU", (SAMPLES / "bureau_service_referral.json").read_bytes(), "application/json")
    referral_ids = [row["referral_id"] for row in receipt["accepted"] if row["referral_id"]]
    for referral_id in referral_ids:
        routed(hub, referral_id, 1)
    body, content_type = pull(hub, "/v1/outbox/assignments?limit=500", "LABOUR")
    assert content_type.startswith("text/csv") and body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    labour_id = next(rid for rid in referral_ids if rid in text)
    reply = f"\ufeff轉介編號,回覆日期,狀態,就業單位,備註\r\n{labour_id},114/07/30,已就業,某物流公司,\r\n"
    answer = post(hub, "LABOUR", reply.encode("utf-8"), "text/csv")
    assert answer["accepted"][0]["referral_id"] == labour_id
    updates = wait_for(hub.broker.bootstrap, "referrals.updates", lambda m: m.value["referral_id"] == labour_id, 1)
    assert updates[0].value["state"] == "COMPLETED" and updates[0].value["attributes"].get("employed") == "Y"
    assert b"\xe6\x9f\x90\xe7\x89\xa9\xe6\xb5\x81" not in updates[0].raw, "the employer's name travels sealed"
