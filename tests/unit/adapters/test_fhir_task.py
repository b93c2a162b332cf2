"""HOSP_* / HEALTH: FHIR R4 Task updates → status updates (adapters.fhir_task)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters import fhir_task
from adapters.base import InboundStatusUpdate, ParseResult, RecordRejection, SubmissionRefused
from adapters.fhir_task import (
    ADAPTER,
    ASSIGNMENT_IDENTIFIER_SYSTEM,
    REFERRAL_IDENTIFIER_SYSTEM,
    UNSUPPORTED_STATES,
    FhirTaskAdapter,
)
from adapters.validation import TAIPEI

RECEIVED_AT = datetime(2025, 7, 20, 9, 0, tzinfo=TAIPEI)
REFERRAL = "R-173a5a16bf17cd314e0a"
OTHER_REFERRAL = "R-c5ac5d807482416fade8"
PLUS_8 = timezone(timedelta(hours=8))


def task(**overrides: Any) -> dict[str, Any]:
    """A Task as a hospital returns it; None removes a key."""
    values: dict[str, Any] = {
        "resourceType": "Task",
        "id": "KSPH-T-114-0311",
        "identifier": [
            {"system": REFERRAL_IDENTIFIER_SYSTEM, "value": REFERRAL},
            {"system": ASSIGNMENT_IDENTIFIER_SYSTEM, "value": "A-edf38dc83dc85fd7968a39d2"},
        ],
        "status": "accepted",
        "intent": "order",
        "lastModified": "2025-07-18T11:40:00+08:00",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def bundle(*resources: Any, bundle_type: str = "batch") -> dict[str, Any]:
    """Entries as FHIR R4 wants them for the type: a batch or transaction entry says what it does (bdl-3)."""
    request = {"request": {"method": "PUT", "url": "Task/KSPH-T-114-0311"}} if bundle_type != "collection" else {}
    return {"resourceType": "Bundle", "type": bundle_type, "entry": [{"resource": r, **request} for r in resources]}


def encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def parse(value: Any) -> ParseResult:
    return ADAPTER.parse(value if isinstance(value, bytes) else encode(value), "HOSP_KSPH", RECEIVED_AT)


def only_accepted(value: Any) -> InboundStatusUpdate:
    result = parse(value)
    assert result.rejected == []
    [record] = result.accepted
    assert isinstance(record, InboundStatusUpdate)
    return record


def only_rejection(value: Any) -> RecordRejection:
    result = parse(value)
    assert result.accepted == []
    [rejection] = result.rejected
    return rejection


def refusal(value: Any) -> SubmissionRefused:
    with pytest.raises(SubmissionRefused) as caught:
        parse(value)
    return caught.value


def test_declares_its_format_media_types_and_identifier_systems() -> None:
    assert isinstance(ADAPTER, FhirTaskAdapter)
    assert ADAPTER.format == "FHIR_TASK"
    assert ADAPTER.content_types == frozenset({"application/fhir+json", "application/json"})
    assert REFERRAL_IDENTIFIER_SYSTEM == "urn:refhub:referral"
    assert ASSIGNMENT_IDENTIFIER_SYSTEM == "urn:refhub:assignment"


# --- accepted Tasks


def test_task_becomes_a_status_update() -> None:
    body = encode(task(note=[{"text": "已排定 7/25 初診"}, {"text": " "}, {"text": "請攜健保卡"}]))
    record = only_accepted(body)
    assert record.record_no == 1
    assert record.referral_id == REFERRAL
    assert record.state == "ACCEPTED"
    assert record.at == datetime(2025, 7, 18, 11, 40, tzinfo=PLUS_8)
    assert record.partner_ref == f"{REFERRAL}|ACCEPTED|2025-07-18T11:40:00+08:00"
    assert record.reason_code is None
    assert record.personal_extra == {"note": "已排定 7/25 初診\n請攜健保卡"}
    assert record.raw == body


@pytest.mark.parametrize(
    ("fhir_status", "state"),
    [
        ("received", "ACKNOWLEDGED"),
        ("accepted", "ACCEPTED"),
        ("in-progress", "IN_PROGRESS"),
        ("completed", "COMPLETED"),
        ("cancelled", "CANCELLED"),
        ("rejected", "REJECTED"),
    ],
)
def test_task_status_maps_onto_the_lifecycle(fhir_status: str, state: str) -> None:
    assert only_accepted(task(status=fhir_status)).state == state


def test_rejection_with_a_hub_reason_code_keeps_the_text_sealed() -> None:
    record = only_accepted(
        task(
            status="rejected",
            statusReason={
                "coding": [{"system": "x", "code": "BED"}, {"system": "urn:refhub:reason", "code": "no_capacity"}],
                "text": "名額已滿",
            },
        )
    )
    assert (record.state, record.reason_code) == ("REJECTED", "NO_CAPACITY")
    assert record.personal_extra == {"reason_text": "名額已滿"}
    assert "名額已滿" not in record.attributes.values()


def test_rejection_with_the_hospitals_own_code_is_other_and_keeps_its_words() -> None:
    record = only_accepted(
        task(status="rejected", statusReason={"coding": [{"code": "BED-FULL", "display": "病床已滿"}]})
    )
    assert (record.reason_code, record.personal_extra) == ("OTHER", {"reason_text": "病床已滿"})
    record = only_accepted(task(status="rejected", statusReason={"coding": [{"code": "BED-FULL"}]}))
    assert (record.reason_code, record.personal_extra) == ("OTHER", {"reason_text": "BED-FULL"})


def test_rejection_without_any_reason_is_other() -> None:
    record = only_accepted(task(status="rejected"))
    assert (record.reason_code, record.personal_extra) == ("OTHER", {})


def test_reason_on_other_states_is_kept_without_inventing_a_code() -> None:
    record = only_accepted(task(status="cancelled", statusReason={"text": "個案已轉院"}))
    assert (record.reason_code, record.personal_extra) == (None, {"reason_text": "個案已轉院"})
    record = only_accepted(task(status="cancelled", statusReason={"coding": [{"code": "REFERRED_ELSEWHERE"}]}))
    assert record.reason_code == "REFERRED_ELSEWHERE"


def test_utc_last_modified_gives_the_taipei_reference() -> None:
    record = only_accepted(task(lastModified="2025-07-18T03:40:00Z"))
    assert record.at == datetime(2025, 7, 18, 3, 40, tzinfo=UTC)
    assert record.partner_ref.endswith("|2025-07-18T11:40:00+08:00")


def test_the_same_referral_id_twice_is_not_ambiguous() -> None:
    identifiers = [{"system": REFERRAL_IDENTIFIER_SYSTEM, "value": REFERRAL}] * 2
    assert only_accepted(task(identifier=identifiers)).referral_id == REFERRAL


# --- Bundles and arrays


@pytest.mark.parametrize("bundle_type", ["batch", "transaction", "collection"])
def test_bundle_entries_are_records_with_their_own_bytes(bundle_type: str) -> None:
    first, second = task(), task(identifier=[{"system": REFERRAL_IDENTIFIER_SYSTEM, "value": OTHER_REFERRAL}])
    body = encode(bundle(first, second, bundle_type=bundle_type))
    result = parse(body)
    assert [(r.record_no, r.referral_id) for r in result.accepted if isinstance(r, InboundStatusUpdate)] == [
        (1, REFERRAL),
        (2, OTHER_REFERRAL),
    ]
    assert [r.raw for r in result.accepted] == [encode(first), encode(second)]
    assert all(r.raw in body for r in result.accepted)


def test_bundle_entry_that_is_not_a_task_is_rejected_and_the_rest_go_through() -> None:
    body = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:1", "resource": task()},
            {"fullUrl": "urn:uuid:2", "resource": {"resourceType": "Patient", "id": "p"}},
            {"request": {"method": "DELETE", "url": "Task/1"}},
            "Task",
        ],
    }
    result = parse(body)
    assert [r.record_no for r in result.accepted] == [1]
    assert [(r.record_no, r.field, r.code) for r in result.rejected] == [
        (2, "Task.resourceType", "NOT_A_TASK"),
        (3, "(整筆)", "NOT_A_TASK"),  # no resource at all: that comes first, whatever its request
        (4, "(整筆)", "NOT_A_TASK"),
    ]
    assert result.rejected[2].raw == b'"Task"'
    assert not result.atomic, "a collection is a set of records, each taken or refused alone"


# --- FHIR R4 bdl-3 / bdl-4 and transaction semantics


def entries(bundle_type: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": bundle_type, "entry": list(items)}


PUT = {"method": "PUT", "url": "Task/KSPH-T-114-0311"}


@pytest.mark.parametrize("bundle_type", ["batch", "transaction"])
@pytest.mark.parametrize(
    ("entry", "field", "code"),
    [
        ({}, "Bundle.entry.request", "MISSING_REQUEST"),
        ({"request": None}, "Bundle.entry.request", "MISSING_REQUEST"),
        ({"request": "PUT"}, "Bundle.entry.request.method", "UNSUPPORTED_REQUEST"),
        ({"request": {"url": "Task/1"}}, "Bundle.entry.request.method", "UNSUPPORTED_REQUEST"),
        ({"request": {"method": "DELETE", "url": "Task/1"}}, "Bundle.entry.request.method", "UNSUPPORTED_REQUEST"),
        ({"request": {"method": "PATCH", "url": "Task/1"}}, "Bundle.entry.request.method", "UNSUPPORTED_REQUEST"),
        ({"request": {"method": "put", "url": "Task/1"}}, "Bundle.entry.request.method", "UNSUPPORTED_REQUEST"),
        ({"request": {"method": "PUT"}}, "Bundle.entry.request.url", "UNSUPPORTED_REQUEST"),
        ({"request": {"method": "PUT", "url": "Patient/1"}}, "Bundle.entry.request.url", "UNSUPPORTED_REQUEST"),
        ({"request": PUT, "response": {"status": "200"}}, "Bundle.entry.response", "RESPONSE_NOT_ALLOWED"),
    ],
)
def test_a_batch_or_transaction_entry_must_say_what_it_does(
    bundle_type: str, entry: dict[str, Any], field: str, code: str
) -> None:
    result = parse(entries(bundle_type, {"resource": task(), **entry}))
    assert [(r.record_no, r.field, r.code) for r in result.rejected] == [(1, field, code)]
    assert "FHIR R4" in result.rejected[0].reason or code == "UNSUPPORTED_REQUEST"
    assert result.rejected[0].reason.startswith(f"第 1 筆（identifier {REFERRAL}）")


@pytest.mark.parametrize(
    "request_",
    [
        {"method": "PUT", "url": "Task/KSPH-T-114-0311"},
        {"method": "POST", "url": "Task"},
        {"method": "PUT", "url": "Task?identifier=urn:refhub:referral|" + REFERRAL},
        {"method": "PUT", "url": "https://his.ksph.example.tw/fhir/Task/KSPH-T-114-0311"},
    ],
)
def test_an_update_or_create_of_a_task_is_what_an_entry_may_request(request_: dict[str, str]) -> None:
    result = parse(entries("transaction", {"resource": task(), "request": request_}))
    assert result.rejected == [] and len(result.accepted) == 1


def test_a_collection_entry_has_no_request_or_response() -> None:
    result = parse(entries("collection", {"resource": task(), "request": PUT}, {"resource": task(), "response": {}}))
    assert [(r.record_no, r.code) for r in result.rejected] == [(1, "REQUEST_NOT_ALLOWED"), (2, "RESPONSE_NOT_ALLOWED")]


def test_a_batch_refuses_the_offending_entries_alone() -> None:
    result = parse(entries("batch", {"resource": task(), "request": PUT}, {"resource": task(status="completed")}))
    assert [r.record_no for r in result.accepted] == [1]
    assert [(r.record_no, r.code) for r in result.rejected] == [(2, "MISSING_REQUEST")]
    assert not result.atomic


def test_a_transaction_is_all_or_nothing() -> None:
    """The adapter reports every entry; ``atomic`` tells the gateway to take none of them if any is refused."""
    good = parse(bundle(task(), task(status="completed"), bundle_type="transaction"))
    assert good.atomic and good.rejected == [] and len(good.accepted) == 2
    bad = parse(entries("transaction", {"resource": task(), "request": PUT}, {"resource": task(status="completed")}))
    assert bad.atomic and [(r.record_no, r.code) for r in bad.rejected] == [(2, "MISSING_REQUEST")]
    assert not parse([task(), task(status="completed")]).atomic, "a JSON array is no transaction"


def test_a_json_array_of_tasks_is_accepted_like_every_json_partner() -> None:
    result = parse([task(), task(status="completed"), bundle(task())])
    assert [r.record_no for r in result.accepted] == [1, 2]
    assert [(r.record_no, r.code) for r in result.rejected] == [(3, "NOT_A_TASK")]


@pytest.mark.parametrize("bundle_type", ["searchset", "history", "document", "message", None, 3])
def test_other_bundle_types_are_refused(bundle_type: Any) -> None:
    body = bundle(task()) | {"type": bundle_type}
    refused = refusal({key: value for key, value in body.items() if value is not None})
    assert (refused.code, refused.field) == ("UNSUPPORTED_BUNDLE_TYPE", "Bundle.type")


@pytest.mark.parametrize("entry", [None, [], {}, "x"])
def test_bundle_without_entries_is_refused(entry: Any) -> None:
    body = {"resourceType": "Bundle", "type": "batch"} | ({} if entry is None else {"entry": entry})
    assert refusal(body).code == "EMPTY_SUBMISSION"


@pytest.mark.parametrize("body", [b"", b"<Task/>", b'{"resourceType": "Task",}', "{}".encode("utf-16")])
def test_unreadable_body_is_refused(body: bytes) -> None:
    assert refusal(body).code in {"EMPTY_SUBMISSION", "MALFORMED_JSON"}


# --- rejected Tasks


@pytest.mark.parametrize("fhir_status", sorted(UNSUPPORTED_STATES))
def test_fhir_states_without_a_place_in_the_lifecycle_are_unsupported(fhir_status: str) -> None:
    rejection = only_rejection(task(status=fhir_status))
    assert (rejection.field, rejection.code) == ("Task.status", "UNSUPPORTED_STATUS")
    assert fhir_status in rejection.reason


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"resourceType": "ServiceRequest"}, "Task.resourceType", "NOT_A_TASK"),
        ({"resourceType": None}, "Task.resourceType", "NOT_A_TASK"),
        ({"identifier": None}, "Task.identifier", "MISSING_IDENTIFIER"),
        ({"identifier": []}, "Task.identifier", "MISSING_IDENTIFIER"),
        (
            {"identifier": [{"system": ASSIGNMENT_IDENTIFIER_SYSTEM, "value": "A-1"}]},
            "Task.identifier",
            "MISSING_IDENTIFIER",
        ),
        ({"identifier": [{"value": REFERRAL}]}, "Task.identifier", "MISSING_IDENTIFIER"),
        ({"identifier": {"system": REFERRAL_IDENTIFIER_SYSTEM, "value": REFERRAL}}, "Task.identifier", "INVALID_TYPE"),
        (
            {
                "identifier": [
                    {"system": REFERRAL_IDENTIFIER_SYSTEM, "value": REFERRAL},
                    {"system": REFERRAL_IDENTIFIER_SYSTEM, "value": OTHER_REFERRAL},
                ]
            },
            "Task.identifier",
            "AMBIGUOUS_IDENTIFIER",
        ),
        (
            {"identifier": [{"system": REFERRAL_IDENTIFIER_SYSTEM, "value": "KSPH-1"}]},
            "Task.identifier",
            "UNKNOWN_REFERRAL_ID",
        ),
        (
            {"identifier": [{"system": REFERRAL_IDENTIFIER_SYSTEM, "value": 7}]},
            "Task.identifier",
            "UNKNOWN_REFERRAL_ID",
        ),
        ({"identifier": [{"system": REFERRAL_IDENTIFIER_SYSTEM}]}, "Task.identifier", "UNKNOWN_REFERRAL_ID"),
        (
            {"identifier": [{"system": REFERRAL_IDENTIFIER_SYSTEM, "value": []}]},
            "Task.identifier",
            "UNKNOWN_REFERRAL_ID",
        ),
        (
            {"identifier": [{"system": REFERRAL_IDENTIFIER_SYSTEM, "value": {}}]},
            "Task.identifier",
            "UNKNOWN_REFERRAL_ID",
        ),
        ({"status": None}, "Task.status", "MISSING_VALUE"),
        ({"status": "Accepted"}, "Task.status", "UNSUPPORTED_STATUS"),
        ({"status": "ACCEPTED"}, "Task.status", "UNSUPPORTED_STATUS"),
        ({"status": "done"}, "Task.status", "UNSUPPORTED_STATUS"),
        ({"status": 1}, "Task.status", "INVALID_TYPE"),
        ({"statusReason": "full"}, "Task.statusReason", "INVALID_TYPE"),
        ({"statusReason": {"coding": [{"code": 5}]}}, "Task.statusReason.coding[0].code", "INVALID_TYPE"),
        ({"lastModified": None}, "Task.lastModified", "MISSING_VALUE"),
        ({"lastModified": "2025-07-18T11:40:00"}, "Task.lastModified", "INVALID_DATETIME"),
        ({"lastModified": "2025-07-18"}, "Task.lastModified", "INVALID_DATETIME"),
        ({"note": {"text": "x"}}, "Task.note", "INVALID_TYPE"),
    ],
)
def test_bad_task_is_rejected_naming_the_fhir_path(overrides: dict[str, Any], field: str, code: str) -> None:
    rejection = only_rejection(task(**overrides))
    assert (rejection.record_no, rejection.field, rejection.code) == (1, field, code)


def test_reason_names_the_referral_when_readable() -> None:
    rejection = only_rejection(task(status="on-hold"))
    assert rejection.reason.startswith(f"第 1 筆（identifier {REFERRAL}）的「Task.status」有誤：")


def test_a_bug_costs_one_record(monkeypatch: pytest.MonkeyPatch) -> None:
    real = fhir_task._reason

    def broken(value: fhir_task.Task) -> tuple[str | None, str]:
        if value.status == "COMPLETED":
            raise ValueError("bug")
        return real(value)

    monkeypatch.setattr(fhir_task, "_reason", broken)
    result = parse(bundle(task(), task(status="completed")))
    assert [(r.record_no, r.code) for r in result.rejected] == [(2, "INTERNAL_ERROR")]


def test_a_bundle_entry_replays_on_its_own() -> None:
    result = parse(bundle(task(), task(status="completed", note=[{"text": "完成"}])))
    second = result.accepted[1]
    assert replace(only_accepted(second.raw), record_no=2) == second
