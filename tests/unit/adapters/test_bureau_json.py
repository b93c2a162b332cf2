"""BUREAU JSON: service referrals, follow-up contacts, treatment hours and statuses (adapters.bureau_json)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.base import (
    InboundContact,
    InboundRecord,
    InboundReferral,
    InboundStatusUpdate,
    InboundTreatmentHours,
    ParseResult,
    Place,
    RecordRejection,
)
from adapters.bureau_json import ADAPTER, SERVICE_TYPES, BureauJsonAdapter
from adapters.validation import TAIPEI, make_national_id
from tests.support.messages import with_overrides

RECEIVED_AT = datetime(2025, 7, 22, 9, 0, tzinfo=TAIPEI)
CLIENT_ID = make_national_id("E", "10003333")
SUBJECT_REF = "S-3f9a0c1e5b7d2a4c6e8f0b1d"
REFERRAL = "R-e301f293fa311f5fc0ad"
PLUS_8 = timezone(timedelta(hours=8))
FAMILY_FLAGS = {
    "familyConflict": "family_conflict",
    "childrenUnder12": "children_under_12",
    "lowIncomeAllowance": "low_income_allowance",
    "lowIncomeHousehold": "low_income_household",
    "singleParent": "single_parent",
    "grandparentRaised": "grandparent_raised",
    "pregnantPartner": "pregnant_partner",
    "disabledMember": "disabled_member",
}


def service_referral(**overrides: Any) -> dict[str, Any]:
    base = {
        "type": "SERVICE_REFERRAL",
        "ref": "KDPB-SR-114-00077",
        "subject": {
            "name": "黃志偉",
            "nationalId": CLIENT_ID,
            "birthDate": "1988-03-09",
            "gender": "M",
            "phone": "0933-456-789",
            "district": "鳳山區",
        },
        "service": "EMPLOYMENT",
        "target": "LABOUR",
        "need": "希望從事物流工作",
        "at": "2025-07-21T10:30:00+08:00",
        "employmentNeed": True,
    }
    return with_overrides(base, overrides)


def contact(**overrides: Any) -> dict[str, Any]:
    base = {
        "type": "CONTACT",
        "ref": "KDPB-CT-114-10452",
        "subjectRef": SUBJECT_REF,
        "mode": "HOME",
        "reached": True,
        "needLevel": "MEDIUM",
        "at": "2025-07-22T15:30:00+08:00",
    }
    return with_overrides(base, overrides)


def hours(**overrides: Any) -> dict[str, Any]:
    base = {
        "type": "TREATMENT_HOURS",
        "ref": "KDPB-TH-114-0803",
        "referralId": REFERRAL,
        "hours": 6.5,
        "period": "2025-07",
    }
    return with_overrides(base, overrides)


def status(**overrides: Any) -> dict[str, Any]:
    base = {"type": "STATUS", "referralId": REFERRAL, "status": "ACCEPTED", "at": "2025-07-16T08:45:00+08:00"}
    return with_overrides(base, overrides)


def parse(value: Any) -> ParseResult:
    return ADAPTER.parse(json.dumps(value, ensure_ascii=False).encode(), "BUREAU", RECEIVED_AT)


def only_accepted(value: Any) -> InboundRecord:
    result = parse(value)
    assert result.rejected == []
    [record] = result.accepted
    return record


def only_referral(value: Any) -> InboundReferral:
    record = only_accepted(value)
    assert isinstance(record, InboundReferral)
    return record


def only_rejection(value: Any) -> RecordRejection:
    result = parse(value)
    assert result.accepted == []
    [rejection] = result.rejected
    return rejection


def test_declares_its_format_and_media_type() -> None:
    assert isinstance(ADAPTER, BureauJsonAdapter)
    assert ADAPTER.format == "BUREAU_JSON"
    assert ADAPTER.content_types == frozenset({"application/json"})


# --- SERVICE_REFERRAL


def test_service_referral_becomes_a_service_referral() -> None:
    referral = only_referral(service_referral())
    assert referral.kind == "SERVICE"
    assert referral.service_type == "EMPLOYMENT"
    assert referral.legal_basis == "毒品危害防制條例第2條之1"
    assert referral.partner_ref == "KDPB-SR-114-00077"
    assert referral.occurred_at == datetime(2025, 7, 21, 10, 30, tzinfo=PLUS_8)
    assert (referral.subject.national_id, referral.subject.phone) == (CLIENT_ID, "0933456789")
    assert referral.place == Place("830", "鳳山區")
    assert referral.attributes == {"target": "LABOUR", "employment_need": "Y"}
    assert referral.personal_extra == {"need": "希望從事物流工作"}


@pytest.mark.parametrize("service", SERVICE_TYPES)
def test_every_service_type(service: str) -> None:
    assert only_referral(service_referral(service=service.lower())).service_type == service


@pytest.mark.parametrize("target", ["LABOUR", "HEALTH", "SOCIAL", "HOSP_KSPH", "NGO_MOEN", "YOUTH_COUNSEL"])
def test_targets_are_agency_codes(target: str) -> None:
    assert only_referral(service_referral(target=target)).attributes["target"] == target


def test_family_support_criteria_become_attributes() -> None:
    family = {"apgar": 2} | dict.fromkeys(FAMILY_FLAGS, True) | {"singleParent": False}
    referral = only_referral(
        service_referral(service="FAMILY_SUPPORT", target="SOCIAL", familySupport=family, employmentNeed=False)
    )
    expected = {"target": "SOCIAL", "employment_need": "N", "apgar": "2"}
    expected |= dict.fromkeys(FAMILY_FLAGS.values(), "Y") | {"single_parent": "N"}
    assert referral.attributes == expected


def test_family_support_criteria_are_each_optional() -> None:
    referral = only_referral(service_referral(familySupport={"familyConflict": True}, employmentNeed=None, need=None))
    assert referral.attributes == {"target": "LABOUR", "family_conflict": "Y"}
    assert referral.personal_extra == {}


def test_apgar_bounds() -> None:
    assert only_referral(service_referral(familySupport={"apgar": 0})).attributes["apgar"] == "0"
    assert only_referral(service_referral(familySupport={"apgar": 10})).attributes["apgar"] == "10"


# --- CONTACT, TREATMENT_HOURS, STATUS


def test_contact_becomes_a_contact() -> None:
    body = contact()
    assert only_accepted(body) == InboundContact(
        record_no=1,
        partner_ref="KDPB-CT-114-10452",
        subject_ref=SUBJECT_REF,
        mode="HOME",
        reached=True,
        need_level="MEDIUM",
        at=datetime(2025, 7, 22, 15, 30, tzinfo=PLUS_8),
        raw=json.dumps(body, ensure_ascii=False).encode(),
    )


@pytest.mark.parametrize("mode", ["PHONE", "HOME", "FACE", "NETWORK", "OTHER"])
def test_every_contact_mode(mode: str) -> None:
    record = only_accepted(contact(mode=mode, needLevel=None, reached=False))
    assert isinstance(record, InboundContact)
    assert (record.mode, record.need_level, record.reached) == (mode, None, False)


def test_treatment_hours_become_treatment_hours() -> None:
    body = hours()
    assert only_accepted(body) == InboundTreatmentHours(
        record_no=1,
        partner_ref="KDPB-TH-114-0803",
        referral_id=REFERRAL,
        hours=6.5,
        period="2025-07",
        raw=json.dumps(body, ensure_ascii=False).encode(),
    )


@pytest.mark.parametrize("value", [1, 0.5, 744, 743.5])
def test_hours_within_a_month(value: float) -> None:
    record = only_accepted(hours(hours=value))
    assert isinstance(record, InboundTreatmentHours)
    assert record.hours == value


def test_status_on_a_referral_addressed_to_the_bureau() -> None:
    record = only_accepted(status(status="REJECTED", reasonCode="NOT_ELIGIBLE", dispatchTo="EDU"))
    assert isinstance(record, InboundStatusUpdate)
    assert (record.state, record.reason_code, record.redirect_to) == ("REJECTED", "NOT_ELIGIBLE", None)


def test_mixed_batch() -> None:
    result = parse([service_referral(), contact(), hours(hours=0), status(), {"type": "CASE_CLOSED"}])
    assert [(r.record_no, type(r).__name__) for r in result.accepted] == [
        (1, "InboundReferral"),
        (2, "InboundContact"),
        (4, "InboundStatusUpdate"),
    ]
    assert [(r.record_no, r.code) for r in result.rejected] == [(3, "INVALID_HOURS"), (5, "UNKNOWN_TYPE")]


# --- rejections


@pytest.mark.parametrize(
    ("message", "field", "code"),
    [
        (service_referral(type=None), "type", "MISSING_VALUE"),
        (service_referral(type="REFERRAL"), "type", "UNKNOWN_TYPE"),
        (service_referral(ref=None), "ref", "MISSING_VALUE"),
        (service_referral(subject=None), "subject", "MISSING_VALUE"),
        (service_referral(subject__nationalId="E100033336"), "subject.nationalId", "INVALID_CHECKSUM"),
        (service_referral(subject__gender="1"), "subject.gender", "INVALID_GENDER"),
        (service_referral(subject__district="999"), "subject.district", "UNKNOWN_DISTRICT"),
        (service_referral(service=None), "service", "MISSING_VALUE"),
        (service_referral(service="JOB"), "service", "INVALID_SERVICE_TYPE"),
        (service_referral(target=None), "target", "MISSING_VALUE"),
        (service_referral(target="labour"), "target", "INVALID_TARGET"),
        (service_referral(target="HOSP-KSPH"), "target", "INVALID_TARGET"),
        (service_referral(target="_LABOUR"), "target", "INVALID_TARGET"),
        (service_referral(target="勞工局"), "target", "INVALID_TARGET"),
        (service_referral(need=12), "need", "INVALID_TYPE"),
        (service_referral(at="2025-07-21T10:30"), "at", "INVALID_DATETIME"),
        (service_referral(familySupport=[]), "familySupport", "INVALID_TYPE"),
        (service_referral(familySupport={"apgar": 11}), "familySupport.apgar", "INVALID_APGAR"),
        (service_referral(familySupport={"apgar": -1}), "familySupport.apgar", "INVALID_APGAR"),
        (service_referral(familySupport={"apgar": "3"}), "familySupport.apgar", "INVALID_APGAR"),
        (service_referral(familySupport={"apgar": 2.5}), "familySupport.apgar", "INVALID_APGAR"),
        (service_referral(familySupport={"singleParent": "Y"}), "familySupport.singleParent", "INVALID_TYPE"),
        (service_referral(employmentNeed="true"), "employmentNeed", "INVALID_TYPE"),
        (contact(ref=""), "ref", "MISSING_VALUE"),
        (contact(subjectRef=None), "subjectRef", "MISSING_VALUE"),
        (contact(subjectRef="S-3F9A0C1E5B7D2A4C6E8F0B1D"), "subjectRef", "UNKNOWN_SUBJECT_REF"),
        (contact(subjectRef="S-3f9a0c1e5b7d2a4c6e8f0b1"), "subjectRef", "UNKNOWN_SUBJECT_REF"),
        (contact(subjectRef=CLIENT_ID), "subjectRef", "UNKNOWN_SUBJECT_REF"),
        (contact(mode="VISIT"), "mode", "INVALID_CONTACT_MODE"),
        (contact(mode=None), "mode", "MISSING_VALUE"),
        (contact(reached=None), "reached", "MISSING_VALUE"),
        (contact(reached="yes"), "reached", "INVALID_TYPE"),
        (contact(needLevel="URGENT"), "needLevel", "INVALID_NEED_LEVEL"),
        (contact(at="2025-07-22"), "at", "INVALID_DATETIME"),
        (hours(referralId="KDPB-SR-114-00077"), "referralId", "UNKNOWN_REFERRAL_ID"),
        (hours(hours=None), "hours", "MISSING_VALUE"),
        ({**hours(), "hours": None}, "hours", "MISSING_VALUE"),
        (hours(hours=0), "hours", "INVALID_HOURS"),
        (hours(hours=-2), "hours", "INVALID_HOURS"),
        (hours(hours=744.5), "hours", "INVALID_HOURS"),
        (hours(hours="6.5"), "hours", "INVALID_HOURS"),
        (hours(hours=True), "hours", "INVALID_HOURS"),
        (hours(period=None), "period", "MISSING_VALUE"),
        (hours(period="2025-13"), "period", "INVALID_PERIOD"),
        (hours(period="2025-00"), "period", "INVALID_PERIOD"),
        (hours(period="2025-7"), "period", "INVALID_PERIOD"),
        (hours(period="114-07"), "period", "INVALID_PERIOD"),
        (hours(period="2025-07-01"), "period", "INVALID_PERIOD"),
        (status(status="REJECTED"), "reasonCode", "REASON_REQUIRED"),
        (status(reasonCode="LATE"), "reasonCode", "INVALID_REASON_CODE"),
    ],
)
def test_bad_message_is_rejected_naming_the_field(message: dict[str, Any], field: str, code: str) -> None:
    rejection = only_rejection(message)
    assert (rejection.record_no, rejection.field, rejection.code) == (1, field, code)
    assert f"「{field}」" in rejection.reason


def test_national_id_in_the_subject_ref_is_not_echoed() -> None:
    rejection = only_rejection(contact(subjectRef=CLIENT_ID))
    assert CLIENT_ID not in rejection.reason
    assert rejection.reason.startswith("第 1 筆（ref KDPB-CT-114-10452）")
