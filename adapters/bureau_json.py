"""BUREAU inbound adapter: the bureau's own case system (毒防局個案管理系統) → referrals, contacts, hours, statuses.

JSON over HTTPS, UTF-8, one message or an array of them (PARTNER_FORMATS.md, "BUREAU"); by ``type``:

* ``SERVICE_REFERRAL`` — a case manager refers a client out (服務轉介: employment, treatment, counselling,
  family support …) → kind ``SERVICE`` with its ``service_type``; the ``subject`` block is SOCIAL's shape.
  Family-support criteria (家支計畫 評估指標) and the employment need (就業需求) become attributes, because
  routing and the KPIs read them; the ``need`` text is the case manager's words and travels sealed;
* ``CONTACT`` — a follow-up contact (追蹤輔導紀錄) on a subject the hub already knows (``subjectRef``);
* ``TREATMENT_HOURS`` — community-treatment hours (社區處遇時數) of a deferred-prosecution client in a month;
* ``STATUS`` — the common status update on a referral addressed to the bureau.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import PlainValidator

from adapters.base import (
    FieldError,
    InboundAdapter,
    InboundContact,
    InboundRecord,
    InboundReferral,
    InboundTreatmentHours,
    ParseResult,
)
from adapters.social_json import SubjectFields, subject_of
from adapters.status_json import (
    FreeText,
    JsonModel,
    Message,
    OffsetDateTime,
    PartnerRef,
    ReferralId,
    collect,
    message_type,
    optional,
    parse_status_message,
    read_messages,
    record_label,
    require_present,
    required,
    validate,
    yes_no,
)
from adapters.validation.text import clean, quote

FORMAT: Final = "BUREAU_JSON"
LEGAL_BASIS: Final = "毒品危害防制條例第2條之1"
SERVICE_TYPES: Final = (
    "EMPLOYMENT", "MEDICAL", "COUNSELLING", "RESIDENTIAL", "FAMILY_SUPPORT", "FINANCIAL_AID", "AFTERCARE",
)  # fmt: skip
TARGET_CODE: Final = re.compile(r"[A-Z][A-Z_]*")
"""An agency code (``LABOUR``, ``HOSP_KSPH``, ``NGO_…``); which codes exist is the router's business."""
SUBJECT_REF: Final = re.compile(r"S-[0-9a-f]{24}")
"""The hub's subject pseudonym, as ``processors.privacy.pseudonyms.new_subject_id`` makes it."""
MAX_APGAR: Final = 10
MAX_MONTHLY_HOURS: Final = 744
"""31 days × 24 h: more than that in one month is a typo."""
_PERIOD = re.compile(r"(\d{4})-(\d{2})", re.ASCII)

ContactMode = Literal["PHONE", "HOME", "FACE", "NETWORK", "OTHER"]
NeedLevel = Literal["LOW", "MEDIUM", "HIGH"]
CONTACT_MODES: Final[Mapping[str, ContactMode]] = {
    "PHONE": "PHONE", "HOME": "HOME", "FACE": "FACE", "NETWORK": "NETWORK", "OTHER": "OTHER",
}  # fmt: skip
NEED_LEVELS: Final[Mapping[str, NeedLevel]] = {"LOW": "LOW", "MEDIUM": "MEDIUM", "HIGH": "HIGH"}

_REF_FIELDS: Final[Mapping[str, str]] = {
    "SERVICE_REFERRAL": "ref",
    "CONTACT": "ref",
    "TREATMENT_HOURS": "ref",
    "STATUS": "referralId",
}


def _one_of(text: str, allowed: Collection[str], code: str, what: str) -> str:
    value = clean(text).upper()
    if value not in allowed:
        raise FieldError(code, f"{quote(text)}不是約定的{what}，請填寫 {'、'.join(allowed)} 其中之一。")
    return value


# --- SERVICE_REFERRAL ----------------------------------------------------------------------------------------


def _service(text: str) -> str:
    return _one_of(text, SERVICE_TYPES, "INVALID_SERVICE_TYPE", "服務類別")


def _target(text: str) -> str:
    value = clean(text)
    if not TARGET_CODE.fullmatch(value):
        raise FieldError(
            "INVALID_TARGET", f"{quote(text)}不是機關代碼，請填寫大寫英文代碼，如 LABOUR、SOCIAL、HOSP_KSPH。"
        )
    return value


def _apgar(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_APGAR:
        return value
    raise FieldError("INVALID_APGAR", f"家庭功能評估（APGAR）分數應為 0 至 {MAX_APGAR} 的整數（不加引號）。")


class FamilySupport(JsonModel):
    """家支計畫 criteria (seed 004): APGAR < 3, or family conflict plus any one of the others."""

    apgar: Annotated[int | None, PlainValidator(_apgar)] = None
    family_conflict: bool | None = None
    children_under_12: bool | None = None
    low_income_allowance: bool | None = None
    low_income_household: bool | None = None
    single_parent: bool | None = None
    grandparent_raised: bool | None = None
    pregnant_partner: bool | None = None
    disabled_member: bool | None = None


class ServiceReferral(JsonModel):
    ref: PartnerRef
    subject: SubjectFields
    service: Annotated[str, PlainValidator(required(_service))]
    target: Annotated[str, PlainValidator(required(_target))]
    need: FreeText = None
    at: OffsetDateTime
    family_support: FamilySupport | None = None
    employment_need: bool | None = None


def _criteria(family: FamilySupport | None, employment_need: bool | None) -> dict[str, str]:
    attributes = {"employment_need": yes_no(employment_need)} if employment_need is not None else {}
    if family is None:
        return attributes
    if family.apgar is not None:
        attributes["apgar"] = str(family.apgar)
    for name, flag in family:
        if isinstance(flag, bool):
            attributes[name] = yes_no(flag)
    return attributes


def _service_referral(message: Message, where: str) -> InboundReferral:
    referral = validate(ServiceReferral, message.value, where)
    return InboundReferral(
        record_no=message.record_no,
        partner_ref=referral.ref,
        kind="SERVICE",
        occurred_at=referral.at,
        subject=subject_of(referral.subject, referral.at, where, "subject"),
        place=referral.subject.district,
        legal_basis=LEGAL_BASIS,
        raw=message.raw,
        attributes={"target": referral.target, **_criteria(referral.family_support, referral.employment_need)},
        personal_extra={"need": referral.need} if referral.need else {},
        service_type=referral.service,
    )


# --- CONTACT -------------------------------------------------------------------------------------------------


def _subject_ref(text: str) -> str:
    value = text.strip()
    if not SUBJECT_REF.fullmatch(value):
        raise FieldError(
            "UNKNOWN_SUBJECT_REF",
            f"{quote(value)}不是本系統的個案代號，請照抄派案資料中的個案代號（S- 加 24 個英數字）。",
        )
    return value


def _mode(text: str) -> ContactMode:
    return CONTACT_MODES[_one_of(text, CONTACT_MODES, "INVALID_CONTACT_MODE", "聯繫方式")]


def _need_level(text: str) -> NeedLevel:
    return NEED_LEVELS[_one_of(text, NEED_LEVELS, "INVALID_NEED_LEVEL", "需求等級")]


class Contact(JsonModel):
    ref: PartnerRef
    subject_ref: Annotated[str, PlainValidator(required(_subject_ref))]
    mode: Annotated[ContactMode, PlainValidator(required(_mode))]
    reached: bool
    need_level: Annotated[NeedLevel | None, PlainValidator(optional(_need_level))] = None
    at: OffsetDateTime


def _contact(message: Message, where: str) -> InboundContact:
    contact = validate(Contact, message.value, where)
    return InboundContact(
        record_no=message.record_no,
        partner_ref=contact.ref,
        subject_ref=contact.subject_ref,
        mode=contact.mode,
        reached=contact.reached,
        need_level=contact.need_level,
        at=contact.at,
        raw=message.raw,
    )


# --- TREATMENT_HOURS -----------------------------------------------------------------------------------------


def _hours(value: object) -> float:
    require_present(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= MAX_MONTHLY_HOURS:
        return float(value)
    raise FieldError(
        "INVALID_HOURS", f"時數應為大於 0、不超過 {MAX_MONTHLY_HOURS} 的數字（不加引號），請核對該月實際出席時數。"
    )


def _period(text: str) -> str:
    value = clean(text)
    match = _PERIOD.fullmatch(value)
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1912:
        raise FieldError("INVALID_PERIOD", f"{quote(value)}不是有效的月份，請依 2025-08 的格式（西元年-月）填寫。")
    return value


class TreatmentHours(JsonModel):
    ref: PartnerRef
    referral_id: ReferralId
    hours: Annotated[float, PlainValidator(_hours)]
    period: Annotated[str, PlainValidator(required(_period))]


def _treatment_hours(message: Message, where: str) -> InboundTreatmentHours:
    hours = validate(TreatmentHours, message.value, where)
    return InboundTreatmentHours(
        record_no=message.record_no,
        partner_ref=hours.ref,
        referral_id=hours.referral_id,
        hours=hours.hours,
        period=hours.period,
        raw=message.raw,
    )


# --- the adapter ---------------------------------------------------------------------------------------------


def _record(message: Message) -> InboundRecord:
    kind = message_type(message, record_label(message.record_no), tuple(_REF_FIELDS))
    ref_field = _REF_FIELDS[kind]
    where = record_label(message.record_no, ref_field, message.value.get(ref_field))
    if kind == "SERVICE_REFERRAL":
        return _service_referral(message, where)
    if kind == "CONTACT":
        return _contact(message, where)
    if kind == "TREATMENT_HOURS":
        return _treatment_hours(message, where)
    return parse_status_message(message.value, message.record_no, message.raw)


class BureauJsonAdapter:
    """The bureau's case system (毒防局個案管理系統), inbound."""

    format: str = FORMAT
    content_types: frozenset[str] = frozenset({"application/json"})

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        return collect(read_messages(body), _record)


ADAPTER: InboundAdapter = BureauJsonAdapter()
