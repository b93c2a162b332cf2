"""The operator on duty triages dead letters on the real hub: `refhub dlq list|show|replay` and the same over HTTP.

The story: POLICE sends a file with two bad rows; SOCIAL answers on a child-protection notice the hub has not been
sent yet (its clerk had the referral number by phone), so the answer is refused as UNKNOWN_REFERRAL. The operator
lists what was refused (counts by partner × code, the rows with field and reason), looks at one (its original
stays sealed), and once the notice has arrived and been routed — the "fix" — replays SOCIAL's answer, which the
current adapters and ledger now take; replaying a police row that is still wrong is refused again.
"""

from __future__ import annotations

import json
import random
import subprocess
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest

from processors import ids
from streams.secrets import load_secrets
from streams.settings import Settings
from tests.support import police
from tests.support.processes import HubProcess
from tests.support.topics import wait_for

pytestmark = pytest.mark.broker


def operator_get(hub: HubProcess, path: str) -> tuple[int, Any, dict[str, str]]:
    request = urllib.request.Request(hub.url + path, headers={"Authorization": f"Bearer {hub.token('OPERATOR')}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def dlq(hub: HubProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return hub.cli("dlq", *args, "--url", hub.url)


def referral_id_of(hub: HubProcess, partner: str, ref: str) -> str:
    """What the hub will call the referral (keyed by the deployment's secret, which this test hub keeps locally)."""
    secrets = load_secrets(Settings(secrets_file=hub.work_dir / "secrets.json", environment="local"))
    return ids.referral_id(secrets.referral_id_key, partner, ref)


def test_list_show_and_replay_a_dead_letter_after_the_fix(hub: HubProcess) -> None:
    since = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    rng = random.Random(77)
    good, bad_district, bad_id, later = police.fresh_refs(4)
    wrong_district = police.child_protection_row(bad_district, police.person(rng)) | {"行政區": "999"}
    wrong_person = police.person(rng)
    wrong_id = police.child_protection_row(bad_id, wrong_person)
    wrong_id["身分證統一編號"] = wrong_id["身分證統一編號"][:-1] + str((int(wrong_id["身分證統一編號"][-1]) + 1) % 10)
    body = police.to_csv([police.child_protection_row(good, police.person(rng)), wrong_district, wrong_id])
    status, receipt = hub.post("/v1/submissions", body, "text/csv", hub.token("POLICE"))
    assert status == 202 and len(receipt["rejected"]) == 2, receipt
    police_submission = receipt["submission_id"]
    police_codes = {row["record"]: row["code"] for row in receipt["rejected"]}

    # SOCIAL answers on a notice the hub has not received yet.
    early = referral_id_of(hub, "POLICE", later)
    answer = {"type": "STATUS", "referralId": early, "status": "ACKNOWLEDGED", "at": "2025-07-16T09:00:00+08:00"}
    status, refused = hub.post("/v1/submissions", json.dumps(answer).encode(), "application/json", hub.token("SOCIAL"))
    assert status == 202 and refused["rejected"][0]["code"] == "UNKNOWN_REFERRAL", refused
    social_letter = f"{refused['submission_id']}/1"
    mine = {police_submission, refused["submission_id"]}
    wait_for(hub.broker.bootstrap, "referrals.dlq", lambda m: m.value["submission_id"] in mine, 3)

    # -- list: the CLI and HTTP say the same -------------------------------------------------------------------
    listed = dlq(hub, "list", "--since", since)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    shown = json.loads(listed.stdout)
    status, over_http, headers = operator_get(hub, "/v1/admin/dead-letters?" + urllib.parse.urlencode({"since": since}))
    assert status == 200 and over_http["counts"] == shown["counts"] and over_http["items"] == shown["items"]
    ours = [item for item in shown["items"] if item["submission_id"] in mine]
    assert sorted((i["partner"], i["record_no"], i["code"]) for i in ours) == sorted(
        [("POLICE", record, code) for record, code in police_codes.items()] + [("SOCIAL", 1, "UNKNOWN_REFERRAL")]
    )
    row = next(i for i in ours if i["record_no"] == 2 and i["partner"] == "POLICE")
    assert row["field"] == "行政區" and row["reason"] and row["dead_letter_id"] == f"{police_submission}/2"
    counted = {(c["partner"], c["code"]): c["count"] for c in shown["counts"]}
    assert counted[("SOCIAL", "UNKNOWN_REFERRAL")] >= 1 and shown["by_partner"]["POLICE"] >= 2
    assert wrong_person.national_id not in listed.stdout, "no national ID in clear in the triage view"

    only_social = dlq(hub, "list", "--since", since, "--partner", "SOCIAL", "--code", "UNKNOWN_REFERRAL")
    assert {i["dead_letter_id"] for i in json.loads(only_social.stdout)["items"]} >= {social_letter}
    assert {i["partner"] for i in json.loads(only_social.stdout)["items"]} == {"SOCIAL"}

    # A page at a time, with the outbox's cursor rules.
    query = {"since": since, "limit": "1"}
    status, first, headers = operator_get(hub, "/v1/admin/dead-letters?" + urllib.parse.urlencode(query))
    cursor = headers["X-Refhub-Next-Cursor"]
    query["after"] = cursor
    status, second, _ = operator_get(hub, "/v1/admin/dead-letters?" + urllib.parse.urlencode(query))
    assert len(first["items"]) == len(second["items"]) == 1 and first["items"] != second["items"]
    assert operator_get(hub, "/v1/admin/dead-letters?after=c1.forged")[0] == 400

    # -- show: in full, the original described and never shown ----------------------------------------------
    shown_one = dlq(hub, "show", f"{police_submission}/3")
    assert shown_one.returncode == 0, shown_one.stdout + shown_one.stderr
    letter = json.loads(shown_one.stdout)
    assert letter["code"] == police_codes[3] and letter["original"]["stored"] and letter["original"]["readable"]
    assert letter["original"]["shown"] is False and letter["replayable"] is True and letter["original"]["bytes"] > 0
    assert wrong_person.national_id not in shown_one.stdout and wrong_person.name not in shown_one.stdout
    assert dlq(hub, "show", f"{police_submission}/9").returncode == 1
    assert operator_get(hub, f"/v1/admin/dead-letters/{police_submission}/9")[1]["error"] == "UNKNOWN_DEAD_LETTER"
    assert dlq(hub, "show", "not-an-id").returncode == 2

    # -- the fix: the notice arrives and is routed; the answer replayed is now taken -------------------------
    status, notice = hub.post(
        "/v1/submissions",
        police.to_csv([police.child_protection_row(later, police.person(rng))]),
        "text/csv",
        hub.token("POLICE"),
    )
    assert status == 202 and notice["accepted"][0]["referral_id"] == early
    wait_for(hub.broker.bootstrap, "assignments.SOCIAL", lambda m: m.value["referral_id"] == early, 1)
    replayed = dlq(hub, "replay", social_letter)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    result = json.loads(replayed.stdout)
    assert result["receipt"]["accepted"][0]["referral_id"] == early and result["summary"]["accepted"] == 1
    updates = wait_for(hub.broker.bootstrap, "referrals.updates", lambda m: m.value["referral_id"] == early, 1)
    assert updates[0].value["state"] == "ACKNOWLEDGED" and updates[0].value["partner"] == "SOCIAL"

    # A row that is still wrong is refused again (exit 1), and says why.
    again = dlq(hub, "replay", f"{police_submission}/2")
    assert again.returncode == 1 and json.loads(again.stdout)["receipt"]["rejected"][0]["field"] == "行政區"

    # Every triage call is on the audit trail.
    subtypes = {"dlq.list", "dlq.show", "dlq.replay"}
    audited = wait_for(
        hub.broker.bootstrap,
        "audit.events",
        lambda m: m.value["subtype"] in subtypes and m.value["recorded"] >= datetime.fromisoformat(since),
        len(subtypes),
        distinct=lambda m: m.value["subtype"],
    )
    assert {m.value["subtype"] for m in audited} == subtypes
