"""SOCIAL inbound adapter: the social-affairs case system (社會局) → referrals and status updates.

JSON over HTTPS, UTF-8, camelCase keys, one message or an array of them (PARTNER_FORMATS.md, "SOCIAL"); by
``type``:

* ``ADULT_USER_REFERRAL`` — a child case revealed an adult drug user (成人藥癮者轉介) → kind ``ADULT_USER``;
* ``YOUTH_DRUG_USE_NOTICE`` — a youth drug-use notice (兒少施用毒品通報) → kind ``YOUTH_DRUG_USE``;
* ``STATUS`` — the common status update; ``dispatchTo`` (``EDU`` / ``YOUTH_COUNSEL``,
  :data:`adapters.agencies.DISPATCH_TARGETS`) is SOCIAL's dispatch (派案) of a youth notice, carried as
  ``redirect_to`` like any partner's ``redirectTo`` of a REDIRECTED referral (再轉).

The subject block (``adult`` / ``youth``) is also the shape BUREAU uses for its referrals' ``subject`` and
JUV_COURT for its ``youth``: :class:`SubjectFields` and :func:`subject_of` are shared with those adapters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Final

from pydantic import PlainValidator

from adapters.agencies import DISPATCH_TARGETS
from adapters.base import (
    FieldError,
    InboundAdapter,
    InboundRecord,
    InboundReferral,
    ParseResult,
    Person,
)
from adapters.status_json import (
    District,
    FreeText,
    JsonModel,
    Message,
    NationalId,
    OffsetDateTime,
    OptionalGender,
    OptionalIsoDate,
    OptionalPhone,
    OptionalText,
    PartnerRef,
    Text,
    collect,
    message_type,
    parse_status_message,
    read_messages,
    record_label,
    reject,
    require_present,
    validate,
    yes_no,
)

FORMAT: Final = "SOCIAL_JSON"
ADULT_USER_LEGAL_BASIS: Final = "毒品危害防制條例第2條之1"
YOUTH_LEGAL_BASIS: Final = "兒童及少年福利與權益保障法第53條"
MAX_CHILD_AGE: Final = 17
DRUG_TIERS: Final = range(1, 5)
AGENCY_CODE: Final = re.compile(r"[A-Z_]+")
"""A ``reporter`` spelt like an agency code (``EDU``, ``POLICE``) is data; anything else is a person's words."""

_REF_FIELDS: Final[Mapping[str, str]] = {
    "ADULT_USER_REFERRAL": "caseNo",
    "YOUTH_DRUG_USE_NOTICE": "noticeNo",
    "STATUS": "referralId",
}


# --- the subject, shared with BUREAU and JUV_COURT -----------------------------------------------------------


class SubjectFields(JsonModel):
    """``{"name", "nationalId", "birthDate", "gender", "phone", "district"}``: who the referral is about."""

    name: Text
    national_id: NationalId
    birth_date: OptionalIsoDate = None
    gender: OptionalGender = None
    phone: OptionalPhone = None
    district: District


def subject_of(fields: SubjectFields, occurred_at: datetime, where: str, path: str) -> Person:
    """The subject as a :class:`Person`; a birth date after the event is a typo in the year, not a newborn."""
    if fields.birth_date is not None and fields.birth_date > occurred_at.date():
        raise reject(where, f"{path}.birthDate", "INVALID_DATE", "出生日期晚於通報時間，請核對出生日期的年份。")
    return Person(
        national_id=fields.national_id,
        name=fields.name,
        birth_date=fields.birth_date,
        gender=fields.gender,
        phone=fields.phone,
    )


# --- ADULT_USER_REFERRAL -------------------------------------------------------------------------------------


def _child_age(value: object) -> int:
    require_present(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_CHILD_AGE:
        return value
    raise FieldError(
        "INVALID_CHILD_AGES", f"子女年齡應為 0 至 {MAX_CHILD_AGE} 的整數歲數（不加引號），請修正後重新傳送。"
    )


class Child(JsonModel):
    age: Annotated[int, PlainValidator(_child_age)]


class AdultUserReferral(JsonModel):
    case_no: PartnerRef
    reported_at: OffsetDateTime
    adult: SubjectFields
    children: list[Child] | None = None
    reason: FreeText = None
    worker: OptionalText = None


def _adult_user_referral(message: Message, where: str) -> InboundReferral:
    referral = validate(AdultUserReferral, message.value, where)
    ages = ";".join(str(child.age) for child in referral.children or ())
    # The reason and the social worker's name are personal data: sealed, never attributes.
    extra = {"reason": referral.reason, "worker": referral.worker}
    return InboundReferral(
        record_no=message.record_no,
        partner_ref=referral.case_no,
        kind="ADULT_USER",
        occurred_at=referral.reported_at,
        subject=subject_of(referral.adult, referral.reported_at, where, "adult"),
        place=referral.adult.district,
        legal_basis=ADULT_USER_LEGAL_BASIS,
        raw=message.raw,
        attributes={"children_ages": ages} if ages else {},
        personal_extra={key: value for key, value in extra.items() if value},
    )


# --- YOUTH_DRUG_USE_NOTICE -----------------------------------------------------------------------------------


def _drug_tier(value: object) -> int:
    require_present(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in DRUG_TIERS:
        return value
    raise FieldError("INVALID_DRUG_TIER", "毒品級別應為 1 至 4 的整數（第一級至第四級，不加引號），請修正後重新傳送。")


class YouthFields(SubjectFields):
    in_school: bool
    """Decides the proposed dispatch: in school → EDU, not in school → YOUTH_COUNSEL."""
    school: OptionalText = None


class YouthDrugUseNotice(JsonModel):
    notice_no: PartnerRef
    reported_at: OffsetDateTime
    reporter: OptionalText = None
    youth: YouthFields
    drug_tier: Annotated[int, PlainValidator(_drug_tier)]


def _youth_drug_use_notice(message: Message, where: str) -> InboundReferral:
    notice = validate(YouthDrugUseNotice, message.value, where)
    attributes = {"in_school": yes_no(notice.youth.in_school), "drug_tier": str(notice.drug_tier)}
    extra = {"school": notice.youth.school} if notice.youth.school else {}
    if notice.reporter and AGENCY_CODE.fullmatch(notice.reporter):
        attributes["reporter"] = notice.reporter
    elif notice.reporter:
        extra["reporter"] = notice.reporter  # e.g. "某國中輔導室": may name a person, so it is sealed
    return InboundReferral(
        record_no=message.record_no,
        partner_ref=notice.notice_no,
        kind="YOUTH_DRUG_USE",
        occurred_at=notice.reported_at,
        subject=subject_of(notice.youth, notice.reported_at, where, "youth"),
        place=notice.youth.district,
        legal_basis=YOUTH_LEGAL_BASIS,
        raw=message.raw,
        attributes=attributes,
        personal_extra=extra,
    )


# --- the adapter ---------------------------------------------------------------------------------------------


def _record(message: Message) -> InboundRecord:
    kind = message_type(message, record_label(message.record_no), tuple(_REF_FIELDS))
    ref_field = _REF_FIELDS[kind]
    where = record_label(message.record_no, ref_field, message.value.get(ref_field))
    if kind == "ADULT_USER_REFERRAL":
        return _adult_user_referral(message, where)
    if kind == "YOUTH_DRUG_USE_NOTICE":
        return _youth_drug_use_notice(message, where)
    return parse_status_message(message.value, message.record_no, message.raw, dispatch_targets=DISPATCH_TARGETS)


class SocialJsonAdapter:
    """The social-affairs case system's messages (社會局個案系統), inbound."""

    format: str = FORMAT
    content_types: frozenset[str] = frozenset({"application/json"})

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        return collect(read_messages(body), _record)


ADAPTER: InboundAdapter = SocialJsonAdapter()
