"""Common status shape (closed loop) and the generic assignment JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapters.outbound.common_status import render_assignments_json, render_status_updates
from processors.lifecycle import FHIR_TASK_STATUS, SFAA_HANDLING_CODE, State
from tests.contract.outbound.samples import REFERRAL_ID, assignment, personal, status_change, tagged


def test_status_update_has_the_common_shape_with_taipei_time() -> None:
    rendered = render_status_updates([status_change()])
    assert rendered.content_type == "application/json"
    [update] = json.loads(rendered.body)
    assert update == {
        "eventId": status_change()["event_id"],
        "referralId": REFERRAL_ID,
        "destination": "SOCIAL",
        "status": "ACKNOWLEDGED",
        "reasonCode": None,
        "at": "2025-07-15T15:05:00+08:00",
        "fhirStatus": "received",
        "sfaaCode": "轉介等待中",
    }


def test_rejection_carries_its_reason_and_both_standard_codes() -> None:
    change = status_change(state="REJECTED", reason_code="NO_CAPACITY")
    [update] = json.loads(render_status_updates([change]).body)
    assert (update["status"], update["reasonCode"]) == ("REJECTED", "NO_CAPACITY")
    assert (update["fhirStatus"], update["sfaaCode"]) == ("rejected", "不受案")


@pytest.mark.parametrize("state", list(State))
def test_every_lifecycle_state_renders_with_the_lifecycle_maps(state: State) -> None:
    [update] = json.loads(render_status_updates([status_change(state=state.value)]).body)
    assert update["status"] == state.value
    assert update["fhirStatus"] == FHIR_TASK_STATUS[state]
    assert update["sfaaCode"] == SFAA_HANDLING_CODE[state]


def test_time_in_any_zone_is_written_in_taipei_time() -> None:
    tokyo = datetime(2025, 7, 31, 23, 30, tzinfo=timezone(timedelta(hours=9)))
    [update] = json.loads(render_status_updates([status_change(at=tokyo)]).body)
    assert update["at"] == "2025-07-31T22:30:00+08:00"


def test_naive_time_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="time zone"):
        render_status_updates([status_change(at=datetime(2025, 7, 15, 9, 0))])


def test_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError):
        render_status_updates([status_change(state="LOST")])


def test_updates_keep_the_given_order_and_render_deterministically() -> None:
    changes = [status_change(), status_change(state="ACCEPTED", at=datetime(2025, 7, 16, 1, 0, tzinfo=UTC))]
    first = render_status_updates(changes)
    assert [u["status"] for u in json.loads(first.body)] == ["ACKNOWLEDGED", "ACCEPTED"]
    assert render_status_updates(changes) == first


def test_no_updates_is_an_empty_array() -> None:
    assert render_status_updates([]).body == b"[]"


def test_assignment_json_is_camel_case_with_personal_fields_under_subject() -> None:
    item = (assignment(destination="BUREAU", copy=True, team="DISTRICT:鳳山區"), personal(case_manager="王個管"))
    rendered = render_assignments_json(tagged(item))
    assert rendered.content_type == "application/json"
    [out] = json.loads(rendered.body)
    assert out["assignmentId"] == item[0]["assignment_id"]
    assert (out["destination"], out["copy"], out["team"]) == ("BUREAU", True, "DISTRICT:鳳山區")
    assert out["outOfArea"] is False
    assert out["legalBasis"] == "兒童及少年福利與權益保障法第53條"
    assert out["occurredAt"] == "2025-07-15T14:30:00+08:00"
    assert out["receivedAt"] == "2025-07-15T14:30:41+08:00"
    assert out["routedAt"] == "2025-07-15T14:31:02+08:00"
    assert out["attributes"] == {"childrenAges": "3;7", "drugTier": "2", "venueType": "住宅"}
    assert out["subject"] == {
        "birthDate": "1989-04-12",
        "caseManager": "王個管",
        "name": "林小雯",
        "nationalId": "E200000132",
        "officer": "陳正義",
        "phone": "0912000101",
    }
    assert all("_" not in key for key in out)


def test_the_sealed_envelope_never_appears() -> None:
    body = render_assignments_json(tagged((assignment(), personal()))).body
    assert b"ciphertext" not in body
    assert b"personal" not in body


def test_cjk_is_written_as_utf8_not_escaped() -> None:
    body = render_assignments_json(tagged((assignment(), personal()))).body
    assert "林小雯".encode() in body
    assert b"\\u" not in body


def test_same_person_renders_the_same_whatever_the_dict_order() -> None:
    fields = personal()
    reordered = dict(reversed(list(fields.items())))
    assert render_assignments_json(tagged((assignment(), fields))) == render_assignments_json(
        tagged((assignment(), reordered))
    )


def test_missing_optional_fields_take_the_schema_defaults() -> None:
    minimal = assignment()
    for key in ("copy", "team", "service_type", "gender", "district", "out_of_area", "attributes"):
        del minimal[key]
    [out] = json.loads(render_assignments_json(tagged((minimal, {}))).body)
    assert (out["copy"], out["team"], out["outOfArea"], out["attributes"], out["subject"]) == (
        False,
        None,
        False,
        {},
        {},
    )


def test_an_erasure_notice_is_an_item_of_its_own_type_in_topic_order() -> None:
    from adapters.outbound.items import AssignmentItem, ErasureNoticeItem
    from tests.contract.outbound.samples import erasure_notice

    notice = erasure_notice(destination="EDU")
    body = render_assignments_json([AssignmentItem(assignment(), personal()), ErasureNoticeItem(notice)]).body
    first, second = json.loads(body)
    assert first["type"] == "ASSIGNMENT"
    assert second == {
        "type": "ERASURE_NOTICE",
        "noticeId": notice["notice_id"],
        "referralId": REFERRAL_ID,
        "destination": "EDU",
        "assignmentIds": notice["assignment_ids"],
        "reasonCode": "ERASED",
        "legalBasis": "少年事件處理法第83條之1",
        "at": "2025-08-01T10:00:05+08:00",
    }
