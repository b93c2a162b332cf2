"""PUBLIC self-referral web form, 求助e點通 (adapters.public_json)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from adapters.base import FieldError, InboundReferral, ParseResult, Person, Place, RecordRejection
from adapters.public_json import ADAPTER, PublicFormJsonAdapter, parse_email
from adapters.validation import TAIPEI

RECEIVED_AT = datetime(2025, 7, 20, 21, 13, tzinfo=TAIPEI)


def form(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "王美玲",
        "email": "mei.ling.wang@example.com",
        "phone": "0912 345 678",
        "subject": "想幫先生戒毒",
        "content": "先生最近又開始吸食安非他命，我想知道要怎麼幫他就醫。",
        "district": "前鎮區",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def parse(value: Any) -> ParseResult:
    return ADAPTER.parse(json.dumps(value, ensure_ascii=False).encode(), "PUBLIC", RECEIVED_AT)


def only_referral(value: Any) -> InboundReferral:
    result = parse(value)
    assert result.rejected == []
    [record] = result.accepted
    assert isinstance(record, InboundReferral)
    return record


def only_rejection(value: Any) -> RecordRejection:
    result = parse(value)
    assert result.accepted == []
    [rejection] = result.rejected
    return rejection


def test_declares_its_format_and_media_type() -> None:
    assert isinstance(ADAPTER, PublicFormJsonAdapter)
    assert ADAPTER.format == "PUBLIC_FORM_JSON"
    assert ADAPTER.content_types == frozenset({"application/json"})


def test_form_becomes_a_self_referral() -> None:
    referral = only_referral(form())
    assert referral.kind == "SELF_REFERRAL"
    assert referral.legal_basis == "毒品危害防制條例第2條之1"
    assert referral.partner_ref == ""  # the gateway assigns the submission id
    assert referral.occurred_at == RECEIVED_AT
    assert referral.subject == Person(
        national_id=None, name="王美玲", email="mei.ling.wang@example.com", phone="0912345678"
    )
    assert referral.place == Place("806", "前鎮區")
    assert referral.attributes == {}
    assert referral.personal_extra == {
        "subject": "想幫先生戒毒",
        "content": "先生最近又開始吸食安非他命，我想知道要怎麼幫他就醫。",
    }


def test_phone_and_district_are_optional() -> None:
    referral = only_referral(form(phone=None, district=""))
    assert referral.subject.phone is None
    assert referral.place == Place(None, None)


def test_district_outside_kaohsiung_by_postal_code() -> None:
    assert only_referral(form(district="700")).place == Place("700", None, out_of_area=True)


def test_several_forms_in_one_post() -> None:
    result = parse([form(), form(email="bad"), form(name="阿哲")])
    assert [r.record_no for r in result.accepted] == [1, 3]
    assert [(r.record_no, r.code) for r in result.rejected] == [(2, "INVALID_EMAIL")]


@pytest.mark.parametrize(
    "email",
    ["a@b.co", "first.last+tag@sub.example.org", "用戶@例子.台灣", " padded@example.com "],
)
def test_loosely_valid_emails(email: str) -> None:
    assert parse_email(email) == email.strip()


@pytest.mark.parametrize(
    "email",
    [
        "chen at example.com",
        "a@@example.com",
        "a@b@example.com",
        "@example.com",
        "a@example",
        "a@.example.com",
        "a@example.com.",
        "a@example..com",
        "a b@example.com",
        "a@" + "x" * 250 + ".com",
    ],
)
def test_invalid_emails(email: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_email(email)
    assert caught.value.code == "INVALID_EMAIL"


@pytest.mark.parametrize(
    ("message", "field", "code"),
    [
        (form(name=None), "name", "MISSING_VALUE"),
        (form(name=" "), "name", "MISSING_VALUE"),
        (form(email=None), "email", "MISSING_VALUE"),
        (form(email="wang"), "email", "INVALID_EMAIL"),
        (form(email=["a@b.co"]), "email", "INVALID_TYPE"),
        (form(phone="12345"), "phone", "INVALID_PHONE"),
        (form(subject=None), "subject", "MISSING_VALUE"),
        (form(content=None), "content", "MISSING_VALUE"),
        (form(content=42), "content", "INVALID_TYPE"),
        (form(district="東區"), "district", "UNKNOWN_DISTRICT"),
        ("王美玲", "(整筆)", "NOT_AN_OBJECT"),
    ],
)
def test_bad_form_is_rejected_naming_the_field(message: Any, field: str, code: str) -> None:
    rejection = only_rejection(message)
    assert (rejection.record_no, rejection.field, rejection.code) == (1, field, code)
    assert rejection.reason.startswith("第 1 筆")


def test_the_person_words_travel_sealed_not_as_attributes() -> None:
    referral = only_referral(form())
    assert "想幫先生戒毒" not in referral.attributes.values()
