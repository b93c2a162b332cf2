"""Every partner format in, and out again at pull time, through the real gateway and broker."""

from __future__ import annotations

import json
import random
import time
import urllib.request
from datetime import UTC, datetime

import pytest

from tests.support import police
from tests.support.processes import REPO, HubProcess
from tests.support.topics import wait_for

pytestmark = pytest.mark.broker

SAMPLES = REPO / "deploy" / "local" / "samples"


def pull(hub: HubProcess, path: str, partner: str) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(hub.url + path, headers={"Authorization": f"Bearer {hub.token(partner)}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read(), dict(response.headers)


def routed_child_protection(hub: HubProcess, seed: int) -> tuple[str, police.Person]:
    who = police.person(random.Random(seed))
    ref = police.fresh_refs(1)[0]
    _, receipt = hub.post(
        "/v1/submissions", police.to_csv([police.child_protection_row(ref, who)]), "text/csv", hub.token("POLICE")
    )
    referral_id = receipt["accepted"][0]["referral_id"]
    wait_for(hub.broker.bootstrap, "assignments.SOCIAL", lambda m: m.value["referral_id"] == referral_id, 1)
    return referral_id, who


@pytest.mark.parametrize(
    ("sample", "partner", "content_type"),
    [
        ("police_child_protection.csv", "POLICE", "text/csv"),
        ("prosecutor_deferred.xml", "PROS_KS", "application/xml"),
        ("prison_kswp_roster.txt", "PRISON_KSWP", "text/plain"),
        ("social_youth_notice.json", "SOCIAL", "application/json"),
        ("juvenile_court_erasure.json", "JUV_COURT", "application/json"),
        ("bureau_service_referral.json", "BUREAU", "application/json"),
        ("public_self_referral.json", "PUBLIC", "application/json"),
    ],
)
def test_each_partner_sample_is_accepted(hub: HubProcess, sample: str, partner: str, content_type: str) -> None:
    status, receipt = hub.post("/v1/submissions", (SAMPLES / sample).read_bytes(), content_type, hub.token(partner))
    assert status == 202, receipt
    assert receipt["rejected"] == [], receipt["rejected"]
    assert receipt["accepted"]
    referral_ids = {row["referral_id"] for row in receipt["accepted"] if row["referral_id"]}
    if partner == "JUV_COURT":
        return  # an erasure order is recorded and acknowledged, not routed
    routed = wait_for(
        hub.broker.bootstrap,
        "referrals.status",
        lambda m: m.value["referral_id"] in referral_ids,
        len(referral_ids),
        distinct=lambda m: m.value["referral_id"],
    )
    assert {m.value["referral_id"] for m in routed} == referral_ids, "every accepted referral is routed"


def test_a_partner_cannot_post_another_partners_format(hub: HubProcess) -> None:
    body = (SAMPLES / "prosecutor_deferred.xml").read_bytes()
    status, answer = hub.post("/v1/submissions", body, "application/xml", hub.token("POLICE"))
    assert status == 415 and answer["error"] == "UNSUPPORTED_MEDIA_TYPE"


def pull_all(hub: HubProcess, path: str, partner: str) -> tuple[list[dict[str, object]], dict[str, str]]:
    """Every page, following the cursor until a page comes back empty."""
    items: list[dict[str, object]] = []
    cursor = ""
    while True:
        _, body, headers = pull(hub, f"{path}?limit=500" + (f"&after={cursor}" if cursor else ""), partner)
        if headers["X-Refhub-Count"] == "0":
            return items, headers
        items.extend(json.loads(body))
        cursor = headers["X-Refhub-Next-Cursor"]


def test_assignments_and_status_are_rendered_at_pull_time(hub: HubProcess) -> None:
    referral_id, who = routed_child_protection(hub, seed=41)
    notices, headers = pull_all(hub, "/v1/outbox/assignments", "SOCIAL")
    assert headers["Content-Type"].startswith("application/json")
    ours = [n for n in notices if n["referralId"] == referral_id]
    assert len(ours) == 1, "one assignment per referral for SOCIAL"
    subject = ours[0]["subject"]
    assert isinstance(subject, dict) and subject["name"] == who.name, "the person is unsealed at pull time"

    updates, _ = pull_all(hub, "/v1/outbox/status", "POLICE")
    mine = {(u["destination"], u["status"]) for u in updates if u["referralId"] == referral_id}
    assert mine == {("SOCIAL", "ROUTED"), ("BUREAU", "ROUTED")}


def test_status_answers_only_on_referrals_addressed_to_the_partner(hub: HubProcess) -> None:
    referral_id, _ = routed_child_protection(hub, seed=42)
    answer = {"referralId": referral_id, "status": "ACKNOWLEDGED", "at": "2025-07-16T09:00:00+08:00"}
    body = json.dumps({"type": "STATUS", **answer}).encode()
    status, receipt = hub.post("/v1/submissions", body, "application/json", hub.token("SOCIAL"))
    assert status == 202 and receipt["accepted"][0]["referral_id"] == referral_id, receipt
    found = wait_for(hub.broker.bootstrap, "referrals.updates", lambda m: m.value["referral_id"] == referral_id, 1)
    assert found[0].value["state"] == "ACKNOWLEDGED" and found[0].value["partner"] == "SOCIAL"

    _, resent = hub.post("/v1/submissions", body, "application/json", hub.token("SOCIAL"))
    assert resent["accepted"][0]["duplicate"] is True

    # A partner the referral never concerned cannot tell it from an id that does not exist.
    _, refused = hub.post("/v1/submissions", json.dumps(answer).encode(), "application/json", hub.token("EDU"))
    assert refused["rejected"][0]["code"] == "UNKNOWN_REFERRAL"
    unknown = {**answer, "referralId": "R-" + "0" * 20}
    _, missing = hub.post("/v1/submissions", json.dumps(unknown).encode(), "application/json", hub.token("EDU"))
    assert missing["rejected"][0]["code"] == "UNKNOWN_REFERRAL"


def test_replay_makes_no_duplicate_referrals(hub: HubProcess) -> None:
    since = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    status, receipt = hub.post(
        "/v1/submissions", (SAMPLES / "police_mixed.csv").read_bytes(), "text/csv", hub.token("POLICE")
    )
    assert status == 202 and len(receipt["accepted"]) == 3 and len(receipt["rejected"]) == 2
    request = urllib.request.Request(
        hub.url + "/v1/admin/replay",
        method="POST",
        data=json.dumps({"partner": "POLICE", "since": since}).encode(),
        headers={"Authorization": f"Bearer {hub.token('OPERATOR')}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        summary = json.loads(response.read())
    assert (summary["records"], summary["accepted"], summary["duplicates"], summary["rejected"]) == (5, 0, 3, 2)


def test_openapi_lists_every_endpoint(hub: HubProcess) -> None:
    code, document = hub.get("/openapi.json", None)
    assert code == 200
    assert {
        "/v1/submissions",
        "/v1/outbox/assignments",
        "/v1/outbox/status",
        "/v1/outbox/reports",
        "/v1/admin/replay",
        "/v1/admin/clock",
    } <= set(document["paths"])
    assert "application/xml" in document["paths"]["/v1/submissions"]["post"]["requestBody"]["content"]


def _state(hub: HubProcess, referral_id: str, destination: str, wanted: str) -> str:
    deadline = time.monotonic() + 30
    state = ""
    while time.monotonic() < deadline:
        _, shown = hub.get(f"/v1/referrals/{referral_id}", hub.token("OPERATOR"))
        state = shown["destinations"][destination]["state"]
        if state == wanted:
            break
        time.sleep(0.2)
    return state


def test_the_closed_loop_moves_the_ledger_and_tells_the_source(hub: HubProcess) -> None:
    referral_id, _ = routed_child_protection(hub, seed=43)

    def answer(state: str, at: str, **extra: str) -> dict[str, object]:
        body = json.dumps({"type": "STATUS", "referralId": referral_id, "status": state, "at": at, **extra}).encode()
        status, receipt = hub.post("/v1/submissions", body, "application/json", hub.token("SOCIAL"))
        assert status == 202
        return dict(receipt)

    assert answer("ACCEPTED", "2025-07-16T09:00:00+08:00")["rejected"] == []
    assert _state(hub, referral_id, "SOCIAL", "ACCEPTED") == "ACCEPTED"
    assert answer("COMPLETED", "2025-07-20T09:00:00+08:00")["rejected"] == []
    assert _state(hub, referral_id, "SOCIAL", "COMPLETED") == "COMPLETED"

    refused = answer("ACKNOWLEDGED", "2025-07-21T09:00:00+08:00")["rejected"]
    assert refused and refused[0]["code"] == "ILLEGAL_TRANSITION" and refused[0]["reason"]
    rejected_without_reason = answer("REJECTED", "2025-07-22T09:00:00+08:00")["rejected"]
    assert rejected_without_reason and rejected_without_reason[0]["code"] in {"REASON_REQUIRED", "ILLEGAL_TRANSITION"}

    changes = wait_for(hub.broker.bootstrap, "referrals.status", lambda m: m.value["referral_id"] == referral_id, 4)
    social = [(m.value["from_state"], m.value["state"]) for m in changes if m.value["destination"] == "SOCIAL"]
    assert social == [("SUBMITTED", "ROUTED"), ("ROUTED", "ACCEPTED"), ("ACCEPTED", "COMPLETED")]
    updates, _ = pull_all(hub, "/v1/outbox/status", "POLICE")
    assert {u["status"] for u in updates if u["referralId"] == referral_id and u["destination"] == "SOCIAL"} == {
        "ROUTED",
        "ACCEPTED",
        "COMPLETED",
    }
