"""The common status-update JSON, and the JSON conventions every JSON adapter shares (adapters.status_json)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters import status_json
from adapters.agencies import ASSIGNMENT_AGENCIES
from adapters.base import FieldError, InboundStatusUpdate, ParseResult, RecordRejection, SubmissionRefused
from adapters.status_json import (
    ADAPTER,
    MessageRejected,
    StatusJsonAdapter,
    array_items,
    object_members,
    parse_iso_date,
    parse_offset_datetime,
    parse_status_message,
    read_messages,
)
from adapters.validation import TAIPEI, make_national_id

RECEIVED_AT = datetime(2025, 7, 20, 9, 0, tzinfo=TAIPEI)
REFERRAL = "R-5cb315ef59a2fd871653"
SUBJECT_ID = make_national_id("E", "20000013")
PLUS_8 = timezone(timedelta(hours=8))
MINUS_3_30 = timezone(-timedelta(hours=3, minutes=30))


def update(**overrides: Any) -> dict[str, Any]:
    """A valid status update; keyword arguments replace keys (None removes the key)."""
    values: dict[str, Any] = {
        "referralId": REFERRAL,
        "status": "ACCEPTED",
        "at": "2025-07-16T09:00:00+08:00",
        "note": "已安排 7/25 面談",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def parse(body: bytes) -> ParseResult:
    return ADAPTER.parse(body, "NGO_MOEN", RECEIVED_AT)


def only_accepted(body: bytes) -> InboundStatusUpdate:
    result = parse(body)
    assert result.rejected == []
    [record] = result.accepted
    assert isinstance(record, InboundStatusUpdate)
    return record


def only_rejection(body: bytes) -> RecordRejection:
    result = parse(body)
    assert result.accepted == []
    [rejection] = result.rejected
    return rejection


def refusal(body: bytes) -> SubmissionRefused:
    with pytest.raises(SubmissionRefused) as caught:
        parse(body)
    return caught.value


# --- the adapter's face


def test_declares_its_format_and_media_type() -> None:
    assert isinstance(ADAPTER, StatusJsonAdapter)
    assert ADAPTER.format == "STATUS_JSON"
    assert ADAPTER.content_types == frozenset({"application/json"})


# --- accepted updates


def test_update_becomes_a_status_update() -> None:
    body = encode(update())
    record = only_accepted(body)
    assert record.record_no == 1
    assert record.referral_id == REFERRAL
    assert record.state == "ACCEPTED"
    assert record.at == datetime(2025, 7, 16, 9, 0, tzinfo=PLUS_8)
    assert record.partner_ref == f"{REFERRAL}|ACCEPTED|2025-07-16T09:00:00+08:00"
    assert record.reason_code is None
    assert record.redirect_to is None
    assert record.attributes == {}
    assert record.personal_extra == {"note": "已安排 7/25 面談"}
    assert record.raw == body
    assert parse(body).context == b""


@pytest.mark.parametrize("state", status_json.STATES)
def test_every_partner_state_is_accepted(state: str) -> None:
    reason = "NO_CAPACITY" if state == "REJECTED" else None
    target = "LABOUR" if state == "REDIRECTED" else None
    assert only_accepted(encode(update(status=state, reasonCode=reason, redirectTo=target))).state == state


@pytest.mark.parametrize("code", status_json.REASON_CODES)
def test_every_reason_code_is_accepted(code: str) -> None:
    record = only_accepted(encode(update(status="REJECTED", reasonCode=code)))
    assert (record.state, record.reason_code) == ("REJECTED", code)


def test_state_and_reason_are_read_case_insensitively() -> None:
    record = only_accepted(encode(update(status=" rejected ", reasonCode="no_contact")))
    assert (record.state, record.reason_code) == ("REJECTED", "NO_CONTACT")


def test_one_instant_spelt_with_two_offsets_is_one_update() -> None:
    taipei = only_accepted(encode(update(at="2025-07-16T09:00:00+08:00")))
    utc = only_accepted(encode(update(at="2025-07-16T01:00:00Z")))
    assert taipei.partner_ref == utc.partner_ref
    assert utc.at == datetime(2025, 7, 16, 1, 0, tzinfo=UTC)


def test_a_resent_update_has_the_same_reference_and_a_changed_note_too() -> None:
    first = only_accepted(encode(update()))
    again = only_accepted(encode(update()))
    amended = only_accepted(encode(update(note="改為 7/26 面談")))
    assert first.partner_ref == again.partner_ref == amended.partner_ref
    assert amended.personal_extra != first.personal_extra


def test_blank_note_and_reason_are_not_given() -> None:
    record = only_accepted(encode(update(note="  ", reasonCode="")))
    assert record.personal_extra == {}
    assert record.reason_code is None


def test_optional_type_status_is_tolerated() -> None:
    assert only_accepted(encode(update(type="STATUS"))).state == "ACCEPTED"


def test_dispatch_to_is_ignored_for_partners_that_do_not_dispatch() -> None:
    assert only_accepted(encode(update(dispatchTo="EDU"))).redirect_to is None


# --- 再轉: REDIRECTED names the next agency in redirectTo


def test_redirect_names_the_next_agency() -> None:
    record = only_accepted(encode(update(status="REDIRECTED", reasonCode="REFERRED_ELSEWHERE", redirectTo=" labour ")))
    assert (record.state, record.redirect_to, record.reason_code) == ("REDIRECTED", "LABOUR", "REFERRED_ELSEWHERE")


@pytest.mark.parametrize("agency", ASSIGNMENT_AGENCIES)
def test_any_agency_of_the_hub_may_be_the_next_one(agency: str) -> None:
    assert only_accepted(encode(update(status="REDIRECTED", redirectTo=agency))).redirect_to == agency


@pytest.mark.parametrize(
    ("overrides", "code", "words"),
    [
        ({"status": "REDIRECTED"}, "REDIRECT_TARGET_REQUIRED", "須填寫再轉單位"),
        ({"status": "REDIRECTED", "redirectTo": "  "}, "REDIRECT_TARGET_REQUIRED", "須填寫再轉單位"),
        (
            {"status": "REDIRECTED", "redirectTo": "台北市毒防中心"},
            "INVALID_REDIRECT_TARGET",
            "「台北市毒防中心」不是本平台的機關代碼",
        ),
        ({"status": "REDIRECTED", "redirectTo": "POLICE"}, "INVALID_REDIRECT_TARGET", "「POLICE」不是本平台的機關代碼"),
        ({"status": "ACCEPTED", "redirectTo": "LABOUR"}, "REDIRECT_CONFLICT", "請移除 redirectTo"),
    ],
)
def test_a_bad_redirect_is_rejected_naming_redirect_to(overrides: dict[str, str], code: str, words: str) -> None:
    rejection = only_rejection(encode(update(**overrides)))
    assert (rejection.field, rejection.code) == ("redirectTo", code)
    assert "redirectTo" in rejection.reason and words in rejection.reason
    assert "Traceback" not in rejection.reason


def test_redirect_to_is_read_even_where_dispatch_is_not() -> None:
    """dispatchTo is SOCIAL's alone; redirectTo is every partner's."""
    record = parse_status_message(update(status="REDIRECTED", redirectTo="HEALTH"), 1, b"")
    assert record.redirect_to == "HEALTH"


def test_unknown_keys_are_ignored() -> None:
    assert only_accepted(encode(update(caseWorker="王社工", extra={"a": 1}))).state == "ACCEPTED"


def test_array_records_are_numbered_in_order_with_their_own_bytes() -> None:
    first, second = encode(update()), encode(update(status="IN_PROGRESS"))
    body = b"[\n  " + first + b" ,\r\n\t" + second + b"\n]\n"
    result = parse(body)
    states = [(r.record_no, r.state) for r in result.accepted if isinstance(r, InboundStatusUpdate)]
    assert states == [(1, "ACCEPTED"), (2, "IN_PROGRESS")]
    assert [r.raw for r in result.accepted] == [first, second]
    # Each record replays on its own.
    assert replace(only_accepted(result.accepted[1].raw), record_no=2) == result.accepted[1]


def test_utf8_bom_is_tolerated() -> None:
    assert only_accepted(b"\xef\xbb\xbf" + encode(update())).state == "ACCEPTED"


def test_escaped_unicode_is_read() -> None:
    body = json.dumps(update(note="床位已滿")).encode()  # ensure_ascii: \u5e8a…
    assert only_accepted(body).personal_extra == {"note": "床位已滿"}


# --- rejected updates


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"referralId": None}, "referralId", "MISSING_VALUE"),
        ({"referralId": ""}, "referralId", "MISSING_VALUE"),
        ({"referralId": "R-5CB315EF59A2FD871653"}, "referralId", "UNKNOWN_REFERRAL_ID"),
        ({"referralId": "R-5cb315ef59a2fd87165"}, "referralId", "UNKNOWN_REFERRAL_ID"),
        ({"referralId": "KDPB-SR-114-00079"}, "referralId", "UNKNOWN_REFERRAL_ID"),
        ({"referralId": 12}, "referralId", "INVALID_TYPE"),
        ({"status": None}, "status", "MISSING_VALUE"),
        ({"status": "CLOSED"}, "status", "INVALID_STATUS"),
        ({"status": "DONE"}, "status", "INVALID_STATUS"),
        ({"status": "REDIRECTED", "redirectTo": 7}, "redirectTo", "INVALID_TYPE"),
        ({"status": ["ACCEPTED"]}, "status", "INVALID_TYPE"),
        ({"status": "REJECTED"}, "reasonCode", "REASON_REQUIRED"),
        ({"status": "REJECTED", "reasonCode": " "}, "reasonCode", "REASON_REQUIRED"),
        ({"status": "REJECTED", "reasonCode": "BUSY"}, "reasonCode", "INVALID_REASON_CODE"),
        ({"reasonCode": 3}, "reasonCode", "INVALID_TYPE"),
        ({"at": None}, "at", "MISSING_VALUE"),
        ({"at": "2025-07-16T09:00:00"}, "at", "INVALID_DATETIME"),
        ({"at": "2025-07-16 09:00+08:00"}, "at", "INVALID_DATETIME"),
        ({"at": "2025-02-30T09:00:00+08:00"}, "at", "INVALID_DATETIME"),
        ({"at": "2025-07-16T25:00:00+08:00"}, "at", "INVALID_DATETIME"),
        ({"at": "2025-07-16T09:00:00+08:60"}, "at", "INVALID_DATETIME"),
        ({"at": "2025-07-16T09:00:00+24:00"}, "at", "INVALID_DATETIME"),
        ({"at": "114/07/16 09:00"}, "at", "INVALID_DATETIME"),
        ({"at": 1752627600}, "at", "INVALID_TYPE"),
        ({"note": 5}, "note", "INVALID_TYPE"),
    ],
)
def test_bad_field_is_rejected_naming_it(overrides: dict[str, Any], field: str, code: str) -> None:
    rejection = only_rejection(encode(update(**overrides)))
    assert (rejection.record_no, rejection.field, rejection.code) == (1, field, code)
    assert rejection.reason.startswith("第 1 筆")
    assert f"「{field}」" in rejection.reason


def test_explicit_null_for_a_required_field_is_missing() -> None:
    assert only_rejection(encode(update() | {"at": None})).code == "MISSING_VALUE"


def test_first_bad_field_in_contract_order_is_reported() -> None:
    rejection = only_rejection(encode(update(status="CLOSED", at="yesterday", referralId="nope")))
    assert rejection.field == "referralId"


def test_reason_names_the_referral_when_readable() -> None:
    rejection = only_rejection(encode(update(status="CLOSED")))
    assert rejection.reason.startswith(f"第 1 筆（referralId {REFERRAL}）的「status」有誤：")
    assert rejection.reason.count("。") == 1


def test_naive_datetime_reason_asks_for_the_offset() -> None:
    assert "時區" in only_rejection(encode(update(at="2025-07-16T09:00:00"))).reason


def test_message_that_is_not_an_object_is_rejected() -> None:
    result = parse(b'[3, "x", null, ' + encode(update()) + b"]")
    assert [(r.record_no, r.field, r.code) for r in result.rejected] == [
        (1, "(整筆)", "NOT_AN_OBJECT"),
        (2, "(整筆)", "NOT_AN_OBJECT"),
        (3, "(整筆)", "NOT_AN_OBJECT"),
    ]
    assert [r.record_no for r in result.accepted] == [4]


def test_other_message_type_is_rejected() -> None:
    rejection = only_rejection(encode(update(type="ADULT_USER_REFERRAL")))
    assert (rejection.field, rejection.code) == ("type", "UNKNOWN_TYPE")


def test_lone_surrogate_is_rejected_before_it_reaches_the_encryption() -> None:
    body = encode(update(note=None))[:-1] + b', "note": "\\ud800"}'
    rejection = only_rejection(body)
    assert (rejection.field, rejection.code) == ("note", "INVALID_CHARACTER")
    assert "U+D800" in rejection.reason


def test_lone_surrogate_in_an_ignored_key_still_rejects_the_record() -> None:
    body = encode(update(note=None))[:-1] + b', "comment": "\\udfff"}'
    rejection = only_rejection(body)
    assert (rejection.field, rejection.code) == ("(整筆)", "MALFORMED_JSON")


def test_national_id_typed_into_any_field_is_never_echoed() -> None:
    for key in ("referralId", "status", "reasonCode", "at"):
        rejection = only_rejection(encode(update(**{"status": "REJECTED", key: SUBJECT_ID})))
        assert SUBJECT_ID not in rejection.reason, key
        assert SUBJECT_ID[:3] + "****" + SUBJECT_ID[-3:] in rejection.reason, key


def test_full_width_national_id_is_masked_too() -> None:
    full_width = SUBJECT_ID.translate({ord(c): ord(c) + 0xFEE0 for c in SUBJECT_ID})
    rejection = only_rejection(encode(update(referralId=full_width)))
    assert full_width not in rejection.reason


def test_a_bug_costs_one_record(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(message: status_json.Message) -> InboundStatusUpdate:
        if message.record_no == 2:
            raise KeyError("bug")
        return parse_status_message(message.value, message.record_no, message.raw)

    monkeypatch.setattr(status_json, "_status_record", broken)
    result = parse(encode([update(), update(), update()]))
    assert [r.record_no for r in result.accepted] == [1, 3]
    assert [(r.record_no, r.code) for r in result.rejected] == [(2, "INTERNAL_ERROR")]


# --- refused submissions


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "EMPTY_SUBMISSION"),
        (b" \r\n\t", "EMPTY_SUBMISSION"),
        (b"[]", "EMPTY_SUBMISSION"),
        (b"[ \n ]", "EMPTY_SUBMISSION"),
        ('{"note": "床位"}'.encode("cp950"), "MALFORMED_JSON"),
        (b"\xff\xfe{\x00}\x00", "MALFORMED_JSON"),
        (b"referralId=R-1", "MALFORMED_JSON"),
        (b'{"referralId": "R-1",}', "MALFORMED_JSON"),
        (b'{"a": 1} {"a": 2}', "MALFORMED_JSON"),
        (b'[{"a": 1}] x', "MALFORMED_JSON"),
        (b'[{"a": 1}, ]', "MALFORMED_JSON"),
        (b'[{"a": 1} {"a": 2}]', "MALFORMED_JSON"),
        (b'{"a": NaN}', "MALFORMED_JSON"),
        (b'{"a": -Infinity}', "MALFORMED_JSON"),
        (b'{"a": 1' + b"0" * 5000 + b"}", "MALFORMED_JSON"),
        (b"[" * 100_000, "MALFORMED_JSON"),
        (b'{"status": "ACCEPTED", "status": "REJECTED"}', "MALFORMED_JSON"),
    ],
)
def test_unreadable_body_is_refused(body: bytes, code: str) -> None:
    refused = refusal(body)
    assert refused.code == code
    assert refused.reason.endswith("。")


def test_duplicate_key_refusal_names_the_key() -> None:
    refused = refusal(b'{"status": "ACCEPTED", "status": "REJECTED"}')
    assert refused.field == "status"
    assert "「status」" in refused.reason


def test_trailing_garbage_refusal_counts_the_records() -> None:
    assert refusal(encode([update(), update()]) + b"]").record_count == 2


# --- the shared JSON toolkit


def test_read_messages_cuts_each_record_from_the_body() -> None:
    body = '[{"a": "甲"},\n {"b": [1, {"c": null}]}, 7, "x"]'.encode()
    messages = read_messages(body)
    assert [m.record_no for m in messages] == [1, 2, 3, 4]
    assert [m.raw for m in messages] == ['{"a": "甲"}'.encode(), b'{"b": [1, {"c": null}]}', b"7", b'"x"']
    assert messages[1].value == {"b": [1, {"c": None}]}


def test_a_single_scalar_is_one_record() -> None:
    [message] = read_messages(b' "hello" ')
    assert (message.value, message.raw) == ("hello", b'"hello"')


def test_object_members_and_array_items_give_spans() -> None:
    text = '{"type": "batch", "entry": [ {"x": 1} , 2 ]}'
    members, end = object_members(text, 0)
    assert end == len(text)
    entry = members["entry"]
    assert text[entry.start : entry.end] == '[ {"x": 1} , 2 ]'
    items, _ = array_items(text, entry.start)
    assert [text[i.start : i.end] for i in items] == ['{"x": 1}', "2"]
    assert object_members("{ }", 0) == ({}, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-07-16T09:00+08:00", datetime(2025, 7, 16, 9, 0, tzinfo=PLUS_8)),
        (
            "2025-07-16T09:00:05.5-03:30",
            datetime(2025, 7, 16, 9, 0, 5, 500_000, tzinfo=MINUS_3_30),
        ),
        ("2025-07-16T09:00:05.123456Z", datetime(2025, 7, 16, 9, 0, 5, 123_456, tzinfo=UTC)),
        (" ２０２５-07-16T09:00:00+08:00 ", datetime(2025, 7, 16, 9, 0, tzinfo=PLUS_8)),
    ],
)
def test_offset_datetimes(text: str, expected: datetime) -> None:
    parsed = parse_offset_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    ["2025-07-16", "2025-07-16T09", "2025-07-16T09:00:00.1234567+08:00", "2025-W29-3T09:00Z", "20250716T0900+0800"],
)
def test_other_datetime_forms_are_refused(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_offset_datetime(text)
    assert caught.value.code == "INVALID_DATETIME"


def test_iso_dates() -> None:
    assert parse_iso_date("2009-05-01") == date(2009, 5, 1)
    for text in ("2009-5-1", "2009-02-29", "2009/05/01", "098/05/01", "2009-05-01T00:00"):
        with pytest.raises(FieldError) as caught:
            parse_iso_date(text)
        assert caught.value.code == "INVALID_DATE"


# --- parse_status_message, as SOCIAL and BUREAU use it


def test_parse_status_message_with_dispatch() -> None:
    targets = frozenset({"EDU", "YOUTH_COUNSEL"})
    record = parse_status_message(update(dispatchTo="youth_counsel"), 3, b"raw", dispatch_targets=targets)
    assert (record.record_no, record.redirect_to, record.raw) == (3, "YOUTH_COUNSEL", b"raw")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"dispatchTo": "POLICE"}, "INVALID_DISPATCH_TARGET"),
        ({"dispatchTo": "EDU", "status": "REJECTED", "reasonCode": "OTHER"}, "DISPATCH_CONFLICT"),
        ({"dispatchTo": "EDU", "status": "CANCELLED"}, "DISPATCH_CONFLICT"),
        ({"dispatchTo": "EDU", "status": "REDIRECTED", "redirectTo": "LABOUR"}, "DISPATCH_CONFLICT"),
    ],
)
def test_parse_status_message_rejects_bad_dispatch(overrides: dict[str, str], code: str) -> None:
    with pytest.raises(MessageRejected) as caught:
        parse_status_message(update(**overrides), 1, b"", dispatch_targets=frozenset({"EDU"}))
    assert (caught.value.field, caught.value.code) == ("dispatchTo", code)


def test_parse_status_message_rejects_a_non_object() -> None:
    with pytest.raises(MessageRejected) as caught:
        parse_status_message(["ACCEPTED"], 1, b"")
    assert caught.value.code == "NOT_AN_OBJECT"
