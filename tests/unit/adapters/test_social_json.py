"""SOCIAL JSON: adult-user referrals, youth drug-use notices and status updates (adapters.social_json)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.base import InboundReferral, InboundStatusUpdate, ParseResult, Place, RecordRejection
from adapters.social_json import ADAPTER, SocialJsonAdapter
from adapters.validation import TAIPEI, make_national_id
from tests.support.messages import with_overrides

RECEIVED_AT = datetime(2025, 8, 1, 12, 0, tzinfo=TAIPEI)
ADULT_ID = make_national_id("E", "10009876")
YOUTH_ID = make_national_id("E", "20004567")
PLUS_8 = timezone(timedelta(hours=8))


def adult_referral(**overrides: Any) -> dict[str, Any]:
    base = {
        "type": "ADULT_USER_REFERRAL",
        "caseNo": "SW-114-000123",
        "reportedAt": "2025-08-01T10:00:00+08:00",
        "adult": {
            "name": "蔡宗翰",
            "nationalId": ADULT_ID,
            "birthDate": "1985-02-14",
            "gender": "M",
            "phone": "0922-111-000",
            "district": "前鎮區",
        },
        "children": [{"age": 4}, {"age": 9}],
        "reason": "家訪時發現父親疑似施用毒品",
        "worker": "周怡君",
    }
    return with_overrides(base, overrides)


def youth_notice(**overrides: Any) -> dict[str, Any]:
    base = {
        "type": "YOUTH_DRUG_USE_NOTICE",
        "noticeNo": "Y-114-0042",
        "reportedAt": "2025-07-18T15:20:00+08:00",
        "reporter": "EDU",
        "youth": {
            "name": "林佳蓉",
            "nationalId": YOUTH_ID,
            "birthDate": "2009-05-01",
            "gender": "F",
            "district": "三民區",
            "inSchool": True,
            "school": "高雄市立三民國民中學",
        },
        "drugTier": 3,
    }
    return with_overrides(base, overrides)


def status(**overrides: Any) -> dict[str, Any]:
    base = {
        "type": "STATUS",
        "referralId": "R-5cb315ef59a2fd871653",
        "status": "ACCEPTED",
        "at": "2025-07-19T09:30:00+08:00",
        "dispatchTo": "EDU",
    }
    return with_overrides(base, overrides)


def encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def parse(value: Any) -> ParseResult:
    return ADAPTER.parse(encode(value), "SOCIAL", RECEIVED_AT)


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
    assert isinstance(ADAPTER, SocialJsonAdapter)
    assert ADAPTER.format == "SOCIAL_JSON"
    assert ADAPTER.content_types == frozenset({"application/json"})


# --- ADULT_USER_REFERRAL


def test_adult_user_referral_becomes_a_referral() -> None:
    referral = only_referral(adult_referral())
    assert referral.record_no == 1
    assert referral.kind == "ADULT_USER"
    assert referral.legal_basis == "毒品危害防制條例第2條之1"
    assert referral.partner_ref == "SW-114-000123"
    assert referral.occurred_at == datetime(2025, 8, 1, 10, 0, tzinfo=PLUS_8)
    subject = referral.subject
    assert (subject.national_id, subject.name, subject.gender, subject.phone) == (ADULT_ID, "蔡宗翰", "M", "0922111000")
    assert subject.birth_date == date(1985, 2, 14)
    assert referral.place == Place("806", "前鎮區")
    assert referral.attributes == {"children_ages": "4;9"}
    assert referral.personal_extra == {"reason": "家訪時發現父親疑似施用毒品", "worker": "周怡君"}
    assert referral.service_type is None


def test_adult_referral_needs_only_name_id_district_and_the_reference() -> None:
    referral = only_referral(
        adult_referral(
            adult__birthDate=None, adult__gender=None, adult__phone=None, children=None, reason=None, worker=None
        )
    )
    assert (referral.subject.birth_date, referral.subject.gender, referral.subject.phone) == (None, None, None)
    assert referral.attributes == {}
    assert referral.personal_extra == {}


def test_empty_children_list_and_nulls_are_not_given() -> None:
    referral = only_referral(adult_referral(children=[], adult__phone="", reason=""))
    assert referral.attributes == {}
    assert "reason" not in referral.personal_extra
    assert referral.subject.phone is None


def test_gender_is_letters_and_district_may_be_a_postal_code_out_of_area() -> None:
    referral = only_referral(adult_referral(adult__gender="f", adult__district="100"))
    assert referral.subject.gender == "F"
    assert referral.place == Place("100", None, out_of_area=True)


# --- YOUTH_DRUG_USE_NOTICE


def test_youth_notice_becomes_a_referral() -> None:
    referral = only_referral(youth_notice())
    assert referral.kind == "YOUTH_DRUG_USE"
    assert referral.legal_basis == "兒童及少年福利與權益保障法第53條"
    assert referral.partner_ref == "Y-114-0042"
    assert referral.occurred_at == datetime(2025, 7, 18, 15, 20, tzinfo=PLUS_8)
    assert referral.subject.national_id == YOUTH_ID
    assert referral.place == Place("807", "三民區")
    assert referral.attributes == {"in_school": "Y", "reporter": "EDU", "drug_tier": "3"}
    assert referral.personal_extra == {"school": "高雄市立三民國民中學"}


def test_not_in_school_and_a_reporter_in_words() -> None:
    referral = only_referral(youth_notice(youth__inSchool=False, youth__school=None, reporter="少年隊 陳警員"))
    assert referral.attributes == {"in_school": "N", "drug_tier": "3"}
    assert referral.personal_extra == {"reporter": "少年隊 陳警員"}


def test_reporter_is_optional() -> None:
    assert "reporter" not in only_referral(youth_notice(reporter=None)).attributes


@pytest.mark.parametrize("tier", [1, 2, 3, 4])
def test_every_drug_tier(tier: int) -> None:
    assert only_referral(youth_notice(drugTier=tier)).attributes["drug_tier"] == str(tier)


# --- STATUS


def test_status_with_dispatch_becomes_a_status_update_with_redirect() -> None:
    result = parse(status())
    [update] = result.accepted
    assert isinstance(update, InboundStatusUpdate)
    assert (update.referral_id, update.state, update.redirect_to) == ("R-5cb315ef59a2fd871653", "ACCEPTED", "EDU")
    assert update.partner_ref == "R-5cb315ef59a2fd871653|ACCEPTED|2025-07-19T09:30:00+08:00"


def test_status_without_dispatch() -> None:
    [update] = parse(status(dispatchTo=None, status="IN_PROGRESS")).accepted
    assert isinstance(update, InboundStatusUpdate)
    assert update.redirect_to is None


def test_social_redirects_like_any_partner_and_dispatch_cannot_ride_along() -> None:
    [update] = parse(status(dispatchTo=None, status="REDIRECTED", redirectTo="BUREAU")).accepted
    assert isinstance(update, InboundStatusUpdate)
    assert (update.state, update.redirect_to) == ("REDIRECTED", "BUREAU")
    rejection = only_rejection(status(status="REDIRECTED", redirectTo="BUREAU"))
    assert (rejection.field, rejection.code) == ("dispatchTo", "DISPATCH_CONFLICT")
    assert "redirectTo" in rejection.reason


# --- a batch


def test_mixed_batch_numbers_records_in_order() -> None:
    result = parse([adult_referral(), youth_notice(youth__nationalId="E200045670"), status(), {"type": "X"}])
    assert [(r.record_no, type(r).__name__) for r in result.accepted] == [
        (1, "InboundReferral"),
        (3, "InboundStatusUpdate"),
    ]
    assert [(r.record_no, r.code) for r in result.rejected] == [(2, "INVALID_CHECKSUM"), (4, "UNKNOWN_TYPE")]


# --- rejections


@pytest.mark.parametrize(
    ("message", "field", "code"),
    [
        ({"caseNo": "SW-1"}, "type", "MISSING_VALUE"),
        (adult_referral(type="CHILD_PROTECTION"), "type", "UNKNOWN_TYPE"),
        (adult_referral(type=7), "type", "UNKNOWN_TYPE"),
        (adult_referral(caseNo=None), "caseNo", "MISSING_VALUE"),
        (adult_referral(caseNo="SW-" + "1" * 70), "caseNo", "INVALID_FORMAT"),
        (adult_referral(caseNo=123), "caseNo", "INVALID_TYPE"),
        (adult_referral(reportedAt="2025-08-01T10:00:00"), "reportedAt", "INVALID_DATETIME"),
        (adult_referral(reportedAt="2025-08-01"), "reportedAt", "INVALID_DATETIME"),
        (adult_referral(adult=None), "adult", "MISSING_VALUE"),
        (adult_referral(adult="蔡宗翰"), "adult", "INVALID_TYPE"),
        (adult_referral(adult__name=""), "adult.name", "MISSING_VALUE"),
        (adult_referral(adult__nationalId=None), "adult.nationalId", "MISSING_VALUE"),
        (adult_referral(adult__nationalId="E100098766"), "adult.nationalId", "INVALID_CHECKSUM"),
        (adult_referral(adult__nationalId="E1000987"), "adult.nationalId", "INVALID_FORMAT"),
        (adult_referral(adult__birthDate="1985/02/14"), "adult.birthDate", "INVALID_DATE"),
        (adult_referral(adult__birthDate="1985-02-30"), "adult.birthDate", "INVALID_DATE"),
        (adult_referral(adult__birthDate="2025-08-02"), "adult.birthDate", "INVALID_DATE"),
        (adult_referral(adult__gender="男"), "adult.gender", "INVALID_GENDER"),
        (adult_referral(adult__phone="12345"), "adult.phone", "INVALID_PHONE"),
        (adult_referral(adult__district="東區"), "adult.district", "UNKNOWN_DISTRICT"),
        (adult_referral(adult__district=None), "adult.district", "MISSING_VALUE"),
        (adult_referral(children=[{"age": 18}]), "children[0].age", "INVALID_CHILD_AGES"),
        (adult_referral(children=[{"age": 3}, {"age": -1}]), "children[1].age", "INVALID_CHILD_AGES"),
        (adult_referral(children=[{"age": "4"}]), "children[0].age", "INVALID_CHILD_AGES"),
        (adult_referral(children=[{"age": True}]), "children[0].age", "INVALID_CHILD_AGES"),
        (adult_referral(children=[{}]), "children[0].age", "MISSING_VALUE"),
        (adult_referral(children=[4]), "children[0]", "INVALID_TYPE"),
        (adult_referral(children="4;9"), "children", "INVALID_TYPE"),
        (adult_referral(worker=["周怡君"]), "worker", "INVALID_TYPE"),
        (youth_notice(noticeNo=""), "noticeNo", "MISSING_VALUE"),
        (youth_notice(youth__inSchool=None), "youth.inSchool", "MISSING_VALUE"),
        (youth_notice(youth__inSchool="true"), "youth.inSchool", "INVALID_TYPE"),
        (youth_notice(youth__nationalId="E200045670"), "youth.nationalId", "INVALID_CHECKSUM"),
        (youth_notice(youth__birthDate="2025-07-19"), "youth.birthDate", "INVALID_DATE"),
        (youth_notice(drugTier=None), "drugTier", "MISSING_VALUE"),
        ({**youth_notice(), "drugTier": None}, "drugTier", "MISSING_VALUE"),
        (adult_referral(children=[{"age": None}]), "children[0].age", "MISSING_VALUE"),
        (youth_notice(drugTier=5), "drugTier", "INVALID_DRUG_TIER"),
        (youth_notice(drugTier=0), "drugTier", "INVALID_DRUG_TIER"),
        (youth_notice(drugTier="3"), "drugTier", "INVALID_DRUG_TIER"),
        (youth_notice(drugTier=3.0), "drugTier", "INVALID_DRUG_TIER"),
        (youth_notice(reporter=3), "reporter", "INVALID_TYPE"),
        (status(dispatchTo="POLICE"), "dispatchTo", "INVALID_DISPATCH_TARGET"),
        (status(status="REJECTED", reasonCode="OTHER"), "dispatchTo", "DISPATCH_CONFLICT"),
        (status(status="REJECTED", dispatchTo=None), "reasonCode", "REASON_REQUIRED"),
        (status(referralId="Y-114-0042"), "referralId", "UNKNOWN_REFERRAL_ID"),
        (status(status="DISPATCHED"), "status", "INVALID_STATUS"),
        (status(at="2025-07-19 09:30"), "at", "INVALID_DATETIME"),
    ],
)
def test_bad_message_is_rejected_naming_the_field(message: dict[str, Any], field: str, code: str) -> None:
    rejection = only_rejection(message)
    assert (rejection.record_no, rejection.field, rejection.code) == (1, field, code)
    assert f"「{field}」" in rejection.reason


def test_reason_quotes_the_reference_and_masks_the_id() -> None:
    rejection = only_rejection(adult_referral(adult__nationalId="E100098766"))
    assert rejection.reason.startswith("第 1 筆（caseNo SW-114-000123）的「adult.nationalId」有誤：")
    assert "E100098766" not in rejection.reason
    assert "E10****766" in rejection.reason


def test_personal_words_never_become_attributes() -> None:
    referral = only_referral(youth_notice(reporter="王老師"))
    adult = only_referral(adult_referral())
    for record in (referral, adult):
        values = " ".join(record.attributes.values())
        assert not any(word in values for word in ("王老師", "三民國民中學", "周怡君", "家訪"))
