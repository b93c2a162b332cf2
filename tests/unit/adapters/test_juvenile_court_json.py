"""JUV_COURT JSON: service-programme referrals and erasure orders (adapters.juvenile_court_json)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.base import InboundErasureOrder, InboundReferral, ParseResult, Place, RecordRejection
from adapters.juvenile_court_json import ADAPTER, JuvenileCourtJsonAdapter
from adapters.validation import TAIPEI, make_national_id
from tests.support.messages import with_overrides

RECEIVED_AT = datetime(2025, 7, 20, 9, 0, tzinfo=TAIPEI)
YOUTH_ID = make_national_id("E", "20009876")
PLUS_8 = timezone(timedelta(hours=8))


def programme(**overrides: Any) -> dict[str, Any]:
    base = {
        "type": "SERVICE_PROGRAM",
        "caseNo": "114年度少護字第12號",
        "issuedAt": "2025-07-15T10:00:00+08:00",
        "youth": {
            "name": "鄭雅文",
            "nationalId": YOUTH_ID,
            "birthDate": "2009-05-01",
            "gender": "F",
            "district": "前金區",
            "inSchool": True,
        },
        "guardian": {"name": "鄭國華", "phone": "07-2612345"},
        "programme": "司法少年服務方案",
        "facility": "MYHS",
        "leftFacilityOn": "2025-07-31",
    }
    return with_overrides(base, overrides)


def erasure(**overrides: Any) -> dict[str, Any]:
    base = {
        "type": "ERASURE_ORDER",
        "orderNo": "114年度少調字第7號",
        "issuedAt": "2025-07-17T14:00:00+08:00",
        "nationalId": YOUTH_ID,
        "legalBasis": "少年事件處理法第83條之1",
    }
    return with_overrides(base, overrides)


def parse(value: Any) -> ParseResult:
    return ADAPTER.parse(json.dumps(value, ensure_ascii=False).encode(), "JUV_COURT", RECEIVED_AT)


def only_accepted(value: Any) -> InboundReferral | InboundErasureOrder:
    result = parse(value)
    assert result.rejected == []
    [record] = result.accepted
    assert isinstance(record, InboundReferral | InboundErasureOrder)
    return record


def only_rejection(value: Any) -> RecordRejection:
    result = parse(value)
    assert result.accepted == []
    [rejection] = result.rejected
    return rejection


def test_declares_its_format_and_media_type() -> None:
    assert isinstance(ADAPTER, JuvenileCourtJsonAdapter)
    assert ADAPTER.format == "JUV_COURT_JSON"
    assert ADAPTER.content_types == frozenset({"application/json"})


def test_service_programme_becomes_a_judicial_youth_referral() -> None:
    referral = only_accepted(programme())
    assert isinstance(referral, InboundReferral)
    assert referral.kind == "JUDICIAL_YOUTH"
    assert referral.legal_basis == "少年事件處理法"
    assert referral.partner_ref == "114年度少護字第12號"
    assert referral.occurred_at == datetime(2025, 7, 15, 10, 0, tzinfo=PLUS_8)
    assert (referral.subject.national_id, referral.subject.name) == (YOUTH_ID, "鄭雅文")
    assert (referral.subject.birth_date, referral.subject.gender) == (date(2009, 5, 1), "F")
    assert referral.place == Place("801", "前金區")
    assert referral.attributes == {
        "in_school": "Y",
        "programme": "司法少年服務方案",
        "facility": "MYHS",
        "left_facility_on": "2025-07-31",
    }
    assert referral.personal_extra == {"guardian_name": "鄭國華", "guardian_phone": "07-2612345"}


def test_programme_with_only_the_required_fields() -> None:
    referral = only_accepted(
        programme(
            youth__inSchool=None, guardian=None, programme=None, facility=None, leftFacilityOn=None, youth__gender=None
        )
    )
    assert isinstance(referral, InboundReferral)
    assert referral.attributes == {}
    assert referral.personal_extra == {}


def test_not_in_school_ksjd_and_a_guardian_without_phone() -> None:
    referral = only_accepted(programme(youth__inSchool=False, facility="ksjd", guardian={"name": "鄭國華"}))
    assert isinstance(referral, InboundReferral)
    assert (referral.attributes["in_school"], referral.attributes["facility"]) == ("N", "KSJD")
    assert referral.personal_extra == {"guardian_name": "鄭國華"}


def test_guardian_never_travels_as_an_attribute() -> None:
    referral = only_accepted(programme())
    assert isinstance(referral, InboundReferral)
    assert "鄭國華" not in referral.attributes.values()


def test_erasure_order_becomes_an_erasure_order() -> None:
    order = only_accepted(erasure())
    assert order == InboundErasureOrder(
        record_no=1,
        partner_ref="114年度少調字第7號",
        national_id=YOUTH_ID,
        issued_at=datetime(2025, 7, 17, 14, 0, tzinfo=PLUS_8),
        legal_basis="少年事件處理法第83條之1",
        raw=json.dumps(erasure(), ensure_ascii=False).encode(),
    )


def test_erasure_order_id_is_normalised() -> None:
    order = only_accepted(erasure(nationalId=" " + YOUTH_ID.lower() + " "))
    assert isinstance(order, InboundErasureOrder)
    assert order.national_id == YOUTH_ID


def test_batch_of_both() -> None:
    result = parse([programme(), erasure(), erasure(nationalId="E200098760")])
    assert [type(r).__name__ for r in result.accepted] == ["InboundReferral", "InboundErasureOrder"]
    assert [(r.record_no, r.code) for r in result.rejected] == [(3, "INVALID_CHECKSUM")]


@pytest.mark.parametrize(
    ("message", "field", "code"),
    [
        ({"orderNo": "x"}, "type", "MISSING_VALUE"),
        (programme(type="ADULT_USER_REFERRAL"), "type", "UNKNOWN_TYPE"),
        (programme(caseNo=None), "caseNo", "MISSING_VALUE"),
        (programme(issuedAt="2025-07-15T10:00:00"), "issuedAt", "INVALID_DATETIME"),
        (programme(youth=None), "youth", "MISSING_VALUE"),
        (programme(youth__nationalId="E200098760"), "youth.nationalId", "INVALID_CHECKSUM"),
        (programme(youth__birthDate="2025-07-16"), "youth.birthDate", "INVALID_DATE"),
        (programme(youth__district="台北市"), "youth.district", "UNKNOWN_DISTRICT"),
        (programme(youth__inSchool="Y"), "youth.inSchool", "INVALID_TYPE"),
        (programme(guardian="鄭國華"), "guardian", "INVALID_TYPE"),
        (programme(guardian__phone="0912"), "guardian.phone", "INVALID_PHONE"),
        (programme(facility="KSP1"), "facility", "INVALID_FACILITY"),
        (programme(facility="JUV_FAC_MYHS"), "facility", "INVALID_FACILITY"),
        (programme(leftFacilityOn="114/07/31"), "leftFacilityOn", "INVALID_DATE"),
        (programme(leftFacilityOn="2025-06-31"), "leftFacilityOn", "INVALID_DATE"),
        (erasure(orderNo=""), "orderNo", "MISSING_VALUE"),
        (erasure(issuedAt=None), "issuedAt", "MISSING_VALUE"),
        (erasure(nationalId=None), "nationalId", "MISSING_VALUE"),
        (erasure(nationalId="E200098760"), "nationalId", "INVALID_CHECKSUM"),
        (erasure(nationalId="1234567890"), "nationalId", "INVALID_FORMAT"),
        (erasure(legalBasis=None), "legalBasis", "MISSING_VALUE"),
        (erasure(legalBasis="  "), "legalBasis", "MISSING_VALUE"),
    ],
)
def test_bad_message_is_rejected_naming_the_field(message: dict[str, Any], field: str, code: str) -> None:
    rejection = only_rejection(message)
    assert (rejection.record_no, rejection.field, rejection.code) == (1, field, code)
    assert f"「{field}」" in rejection.reason


def test_erasure_reason_masks_the_id() -> None:
    rejection = only_rejection(erasure(nationalId="E200098760"))
    assert "E200098760" not in rejection.reason
    assert rejection.reason.startswith("第 1 筆（orderNo 114年度少調字第7號）")
