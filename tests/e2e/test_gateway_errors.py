"""What a partner sees when the submission itself is wrong: a clear JSON answer, never a stack trace."""

from __future__ import annotations

import json
import random

import pytest

from tests.support import police
from tests.support.processes import HubProcess
from tests.support.topics import read_topic

pytestmark = pytest.mark.broker


def _assert_clear_error(body: object, code: str) -> None:
    assert isinstance(body, dict), body
    assert body["error"] == code
    assert body["reason"]
    assert "Traceback" not in str(body)


def test_unknown_or_missing_credential_is_401(hub: HubProcess) -> None:
    for token in ("not-a-token", None):
        status, body = hub.post("/v1/submissions", b"x", "text/csv", token)
        assert status == 401
        _assert_clear_error(body, "UNAUTHENTICATED")


def test_wrong_content_type_is_415(hub: HubProcess) -> None:
    status, body = hub.post("/v1/submissions", b"{}", "application/json", hub.token("POLICE"))
    assert status == 415
    _assert_clear_error(body, "UNSUPPORTED_MEDIA_TYPE")


def test_a_partner_without_that_format_is_refused(hub: HubProcess) -> None:
    rng = random.Random(9)
    body = police.to_csv([police.child_protection_row(police.fresh_refs(1)[0], police.person(rng))])
    status, answer = hub.post("/v1/submissions", body, "text/csv", hub.token("SOCIAL"))
    assert status == 415
    _assert_clear_error(answer, "UNSUPPORTED_MEDIA_TYPE")


def test_over_ten_mebibytes_is_413_and_writes_nothing(hub: HubProcess) -> None:
    before = len(read_topic(hub.broker.bootstrap, "referrals.events"))
    status, body = hub.post("/v1/submissions", b"a" * (10 * 1024 * 1024 + 1), "text/csv", hub.token("POLICE"))
    assert status == 413
    _assert_clear_error(body, "TOO_LARGE")
    assert len(read_topic(hub.broker.bootstrap, "referrals.events")) == before


def test_a_file_without_the_police_columns_is_refused_whole_with_a_dead_letter(hub: HubProcess) -> None:
    status, receipt = hub.post(
        "/v1/submissions", "欄位一,欄位二\r\n1,2\r\n".encode("cp950"), "text/csv", hub.token("POLICE")
    )
    assert status == 202
    assert receipt["accepted"] == []
    assert receipt["rejected"] and receipt["rejected"][0]["code"]
    letters = [
        m
        for m in read_topic(hub.broker.bootstrap, "referrals.dlq")
        if m.value["submission_id"] == receipt["submission_id"]
    ]
    assert len(letters) == 1 and letters[0].value["record_no"] == 0


def test_health_and_metrics(hub: HubProcess) -> None:
    status, health = hub.get("/healthz", None)
    assert status == 200 and health["ok"] is True
    import urllib.request

    with urllib.request.urlopen(hub.metrics_url, timeout=10) as response:
        text = response.read().decode()
    # Declared on every process, whether or not anything has happened yet (labelled series appear on first use).
    for declared in (
        "refhub_submissions_total counter",
        "refhub_records_total counter",
        "refhub_dead_letters_total counter",
        "refhub_routed_referrals_total counter",
        "refhub_receipt_to_assignment_seconds histogram",
        "faust_messages_received_total counter",
    ):
        assert f"# TYPE {declared}" in text, declared
    table_status, _ = hub.get("/table", None)
    assert table_status == 404, "the built-in /table endpoint must stay off"
    metrics_status, _ = hub.get("/metrics", hub.token("POLICE"))
    assert metrics_status == 404, "per-partner counters are not served on the partners' port"


def test_an_id_typed_into_the_wrong_field_is_never_echoed_in_clear(hub: HubProcess) -> None:
    rng = random.Random(77)
    row = police.child_protection_row(police.fresh_refs(1)[0], police.person(rng))
    stray_id = police.person(rng).national_id
    row["聯絡電話"] = stray_id
    status, receipt = hub.post("/v1/submissions", police.to_csv([row]), "text/csv", hub.token("POLICE"))
    assert status == 202 and receipt["rejected"], receipt
    assert stray_id not in json.dumps(receipt, ensure_ascii=False)
    letters = [
        m
        for m in read_topic(hub.broker.bootstrap, "referrals.dlq")
        if m.value["submission_id"] == receipt["submission_id"]
    ]
    assert letters and all(stray_id.encode() not in m.raw for m in letters)


def test_the_clock_of_a_real_deployment_cannot_be_moved(hub: HubProcess) -> None:
    body = b'{"advance_seconds": 86400}'
    code, answer = hub.post("/v1/admin/clock", body, "application/json", hub.token("POLICE"))
    assert code == 403 and answer["error"] == "FORBIDDEN"
    code, answer = hub.post("/v1/admin/clock", body, "application/json", hub.token("OPERATOR"))
    assert code == 409 and answer["error"] == "CLOCK_NOT_MOVABLE"
    code, answer = hub.get("/v1/admin/clock", None)
    assert code == 401, "the clock answers operators only"
    code, answer = hub.get("/v1/admin/clock", hub.token("OPERATOR"))
    assert code == 200 and answer["movable"] is False
