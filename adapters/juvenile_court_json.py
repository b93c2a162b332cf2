"""JUV_COURT inbound adapter: the juvenile and family court (臺灣高雄少年及家事法院) → referrals and erasure orders.

JSON over HTTPS, UTF-8, one message or an array of them (PARTNER_FORMATS.md, "JUV_COURT"); by ``type``:

* ``SERVICE_PROGRAM`` — a youth placed in the judicial youth service programme (司法少年服務方案) → kind
  ``JUDICIAL_YOUTH``; the ``youth`` block is SOCIAL's subject shape with an optional ``inSchool``;
* ``ERASURE_ORDER`` — a record-erasure order (塗銷, 少年事件處理法第83條之1) → :class:`InboundErasureOrder`.
  Only the national ID identifies whom to erase, so it must be valid: a typo would erase nobody, or someone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Final

from pydantic import PlainValidator

from adapters.base import (
    FieldError,
    InboundAdapter,
    InboundErasureOrder,
    InboundRecord,
    InboundReferral,
    ParseResult,
)
from adapters.social_json import SubjectFields, subject_of
from adapters.status_json import (
    JsonModel,
    Message,
    NationalId,
    OffsetDateTime,
    OptionalIsoDate,
    OptionalPhone,
    OptionalText,
    PartnerRef,
    Text,
    collect,
    message_type,
    optional,
    read_messages,
    record_label,
    validate,
    yes_no,
)
from adapters.validation.text import clean, quote

FORMAT: Final = "JUV_COURT_JSON"
LEGAL_BASIS: Final = "少年事件處理法"
FACILITIES: Final = frozenset({"MYHS", "KSJD"})
"""The youth facilities a programme youth may leave: 明陽中學 and 高雄少年觀護所."""

_REF_FIELDS: Final[Mapping[str, str]] = {"SERVICE_PROGRAM": "caseNo", "ERASURE_ORDER": "orderNo"}


# --- SERVICE_PROGRAM -----------------------------------------------------------------------------------------


def _facility(text: str) -> str:
    code = clean(text).upper()
    if code not in FACILITIES:
        raise FieldError(
            "INVALID_FACILITY",
            f"{quote(text)}不是約定的機構代碼，請填寫 MYHS（明陽中學）或 KSJD（高雄少年觀護所），或不填。",
        )
    return code


class JuvenileFields(SubjectFields):
    in_school: bool | None = None


class Guardian(JsonModel):
    name: OptionalText = None
    phone: OptionalPhone = None


class ServiceProgram(JsonModel):
    case_no: PartnerRef
    issued_at: OffsetDateTime
    youth: JuvenileFields
    guardian: Guardian | None = None
    programme: OptionalText = None
    facility: Annotated[str | None, PlainValidator(optional(_facility))] = None
    left_facility_on: OptionalIsoDate = None
    """Starts the ≥ 1 year follow-up after a youth leaves a facility."""


def _service_program(message: Message, where: str) -> InboundReferral:
    programme = validate(ServiceProgram, message.value, where)
    attributes = {
        "in_school": None if programme.youth.in_school is None else yes_no(programme.youth.in_school),
        "programme": programme.programme,
        "facility": programme.facility,
        "left_facility_on": programme.left_facility_on.isoformat() if programme.left_facility_on else None,
    }
    guardian = programme.guardian or Guardian()
    # The guardian is a second person: their name and phone travel sealed with the youth's data.
    extra = {"guardian_name": guardian.name, "guardian_phone": guardian.phone}
    return InboundReferral(
        record_no=message.record_no,
        partner_ref=programme.case_no,
        kind="JUDICIAL_YOUTH",
        occurred_at=programme.issued_at,
        subject=subject_of(programme.youth, programme.issued_at, where, "youth"),
        place=programme.youth.district,
        legal_basis=LEGAL_BASIS,
        raw=message.raw,
        attributes={key: value for key, value in attributes.items() if value},
        personal_extra={key: value for key, value in extra.items() if value},
    )


# --- ERASURE_ORDER -------------------------------------------------------------------------------------------


class ErasureOrder(JsonModel):
    order_no: PartnerRef
    issued_at: OffsetDateTime
    national_id: NationalId
    legal_basis: Text
    """The order's own citation (e.g. 少年事件處理法第83條之1): kept as the court wrote it, for the audit."""


def _erasure_order(message: Message, where: str) -> InboundErasureOrder:
    order = validate(ErasureOrder, message.value, where)
    return InboundErasureOrder(
        record_no=message.record_no,
        partner_ref=order.order_no,
        national_id=order.national_id,
        issued_at=order.issued_at,
        legal_basis=order.legal_basis,
        raw=message.raw,
    )


# --- the adapter ---------------------------------------------------------------------------------------------


def _record(message: Message) -> InboundRecord:
    kind = message_type(message, record_label(message.record_no), tuple(_REF_FIELDS))
    ref_field = _REF_FIELDS[kind]
    where = record_label(message.record_no, ref_field, message.value.get(ref_field))
    if kind == "SERVICE_PROGRAM":
        return _service_program(message, where)
    return _erasure_order(message, where)


class JuvenileCourtJsonAdapter:
    """The juvenile court's messages (少年及家事法院), inbound."""

    format: str = FORMAT
    content_types: frozenset[str] = frozenset({"application/json"})

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        return collect(read_messages(body), _record)


ADAPTER: InboundAdapter = JuvenileCourtJsonAdapter()
