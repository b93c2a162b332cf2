"""Credentials on the real broker: `refhub credentials` changes what a running hub accepts within seconds, with
no restart; a rotated pair both work for the grace period; the trail is on audit.events; `refhub pull` prints
what the partner pulls over HTTP.

The partners whose credentials these tests change (NGO_DPF, NGO_AFTERCARE, HOSP_AFZY) are used by no other test.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable

import pytest

from tests.support import police
from tests.support.processes import REPO, HubProcess, free_port
from tests.support.topics import read_topic, wait_for

pytestmark = pytest.mark.broker

PROPAGATION_SECONDS = 5.0
"""How soon a change must take effect in the running hub ("within a few seconds")."""


def refhub(hub: HubProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return hub.cli(*args)


def status_with(hub: HubProcess, token: str) -> int:
    """What the gateway answers this token on a route every partner may call."""
    code, _ = hub.get("/v1/outbox/status?limit=1", token)
    return code


def seconds_until(check: Callable[[], bool], timeout: float = 3 * PROPAGATION_SECONDS) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if check():
            return time.monotonic() - began
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")


def issue(hub: HubProcess, partner: str, *extra: str) -> dict[str, str]:
    done = refhub(hub, "credentials", "issue", "--partner", partner, "--by", "e2e-operator", *extra)
    assert done.returncode == 0, done.stderr
    shown: dict[str, str] = json.loads(done.stdout)
    return shown


def test_an_issued_token_works_and_a_revoked_one_stops_within_seconds(hub: HubProcess) -> None:
    issued = issue(hub, "NGO_DPF", "--expires-in", "1h")
    token = issued["token"]
    assert token.startswith(f"rhk_{issued['credential_id']}_") and issued["state"] == "live"
    assert issued["role"] == "PARTNER" and issued["partner"] == "NGO_DPF"
    seconds_until(lambda: status_with(hub, token) == 200)

    third = refhub(hub, "credentials", "issue", "--partner", "NGO_DPF")
    assert third.returncode == 1 and json.loads(third.stderr)["error"] == "TOO_MANY_LIVE"
    assert "rhk_" not in third.stdout + third.stderr

    revoked = refhub(hub, "credentials", "revoke", "--credential", issued["credential_id"], "--by", "e2e-operator")
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["state"] == "revoked" and "token" not in json.loads(revoked.stdout)
    took = seconds_until(lambda: status_with(hub, token) == 401)
    assert took < PROPAGATION_SECONDS, f"revocation took {took:.1f} s"
    assert status_with(hub, hub.token("NGO_DPF")) == 200, "the partner's other token is untouched"

    again = refhub(hub, "credentials", "revoke", "--credential", issued["credential_id"])
    assert again.returncode == 1 and json.loads(again.stderr)["error"] == "ALREADY_REVOKED"


def test_a_rotated_pair_both_work_for_the_grace_period_then_only_the_new_one(hub: HubProcess) -> None:
    old = hub.token("HOSP_AFZY")
    assert status_with(hub, old) == 200
    # A grace long enough for the two CLI runs below on a loaded machine (each starts an interpreter).
    rotated = refhub(hub, "credentials", "rotate", "--partner", "HOSP_AFZY", "--grace", "20s", "--by", "e2e-operator")
    assert rotated.returncode == 0, rotated.stderr
    shown = json.loads(rotated.stdout)
    new = shown["token"]
    assert shown["action"] == "credential.rotate" and shown["replaces"]
    seconds_until(lambda: status_with(hub, new) == 200)
    assert status_with(hub, old) == 200, "the replaced token works during the grace period"
    busy = refhub(hub, "credentials", "rotate", "--partner", "HOSP_AFZY")
    assert busy.returncode == 1 and json.loads(busy.stderr)["error"] == "TOO_MANY_LIVE"
    seconds_until(lambda: status_with(hub, old) == 401, timeout=45)
    assert status_with(hub, new) == 200


def test_list_shows_states_and_no_secret_and_every_change_is_audited(hub: HubProcess) -> None:
    issued = issue(hub, "NGO_AFTERCARE", "--expires-in", "2s")
    certificate = issue(hub, "NGO_AFTERCARE", "--certificate-subject", "CN=NGO_AFTERCARE, O=更生保護會")
    assert "token" not in certificate and certificate["certificate_subject"] == "CN=NGO_AFTERCARE,O=更生保護會"
    time.sleep(2.5)
    listed = refhub(hub, "credentials", "list", "--partner", "NGO_AFTERCARE")
    assert listed.returncode == 0, listed.stderr
    rows = {row["credential_id"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert rows[issued["credential_id"]]["state"] == "expired"
    assert rows[certificate["credential_id"]]["state"] == "live"
    assert {row["partner"] for row in rows.values()} == {"NGO_AFTERCARE"}
    assert "rhk_" not in listed.stdout and "sha256" not in listed.stdout and issued["token"] not in listed.stdout
    assert status_with(hub, issued["token"]) == 401, "an expired token authenticates nothing"

    ids = {issued["credential_id"], certificate["credential_id"]}
    found = wait_for(
        hub.broker.bootstrap, "audit.events", lambda m: m.value["entities"][0]["what"] in ids, 2, timeout=10
    )
    assert {m.value["entities"][0]["what"] for m in found} == ids
    for event in (m.value for m in found):
        assert event["type"] == "CREDENTIAL" and event["subtype"] == "credential.issue" and event["action"] == "C"
        assert event["agent"]["who"] == "e2e-operator" and event["entities"][0]["type"] == "CREDENTIAL"
        assert {"what": "NGO_AFTERCARE", "type": "PARTNER", "fields": []} in event["entities"]
    raw = b"".join(m.raw for m in read_topic(hub.broker.bootstrap, "audit.events"))
    assert issued["token"].encode() not in raw
    credentials = b"".join(m.raw for m in read_topic(hub.broker.bootstrap, "partners.credentials"))
    assert issued["token"].encode() not in credentials, "only the hash is on the topic"


def test_a_header_that_is_not_utf8_is_simply_unauthenticated(hub: HubProcess) -> None:
    for header in (b"Bearer \xff\xfe\xfd", b"Bearer rhk_" + "é".encode() * 20, b"\xc3\x28"):
        with socket.create_connection(("127.0.0.1", hub.web_port), timeout=10) as connection:
            connection.sendall(
                b"GET /v1/outbox/status HTTP/1.1\r\nHost: x\r\nAuthorization: "
                + header
                + b"\r\nConnection: close\r\n\r\n"
            )
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_pull_prints_what_the_partner_pulls_over_http(hub: HubProcess) -> None:
    ref = police.fresh_refs(1)[0]
    body = police.to_csv([police.child_protection_row(ref, police.person(random.Random(41)))])
    code, receipt = hub.post("/v1/submissions", body, "text/csv", hub.token("POLICE"))
    assert code == 202, receipt
    referral_id = receipt["accepted"][0]["referral_id"]
    wait_for(hub.broker.bootstrap, "assignments.SOCIAL", lambda m: m.value["referral_id"] == referral_id, 1)

    pulled = subprocess.run(
        [sys.executable, "-m", "streams.cli.main", "pull", "--partner", "SOCIAL", "assignments", "--url", hub.url],
        cwd=REPO,
        env={**os.environ, "REFHUB_DEV_TOKENS_FILE": str(hub.dev_tokens_file)},
        capture_output=True,
        timeout=120,
    )
    assert pulled.returncode == 0, pulled.stderr
    request = urllib.request.Request(
        hub.url + "/v1/outbox/assignments", headers={"Authorization": f"Bearer {hub.token('SOCIAL')}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        over_http = response.read()
    assert pulled.stdout == over_http and referral_id.encode() in pulled.stdout
    [line] = pulled.stderr.decode().splitlines()
    cursor = json.loads(line)["next_cursor"]
    assert cursor and json.loads(line)["count"] >= 1

    rest = refhub(hub, "pull", "--partner", "SOCIAL", "assignments", "--after", cursor, "--url", hub.url)
    assert rest.returncode == 0, rest.stderr
    assert referral_id not in rest.stdout, "the cursor continues after what was pulled"

    bad_cursor = refhub(hub, "pull", "--partner", "SOCIAL", "status", "--after", "garbage", "--url", hub.url)
    assert bad_cursor.returncode == 2 and json.loads(bad_cursor.stdout)["error"] == "INVALID_CURSOR"
    no_outbox = refhub(hub, "pull", "--partner", "POLICE", "assignments", "--url", hub.url)
    assert no_outbox.returncode == 1 and json.loads(no_outbox.stdout)["error"] == "NO_ASSIGNMENTS"
    wrong = refhub(hub, "pull", "--partner", "SOCIAL", "status", "--token", "nope", "--url", hub.url)
    assert wrong.returncode == 2 and json.loads(wrong.stdout)["error"] == "UNAUTHENTICATED"
    nobody = refhub(hub, "pull", "--partner", "SOCIAL", "status", "--url", f"http://127.0.0.1:{free_port()}")
    assert nobody.returncode == 2 and "CONNECTION_FAILED" in nobody.stderr
