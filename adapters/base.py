"""What every inbound adapter returns, and the error a validator raises.

An adapter turns a partner's whole submission (the bytes it posted) into a :class:`ParseResult`:
the records it accepted (:data:`InboundRecord`: referrals, status updates, contacts, treatment hours,
erasure orders) and the ones it refused as :class:`RecordRejection`.
Personal data stays in clear text here, at the edge; the gateway encrypts it before anything reaches Kafka.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

Gender = Literal["M", "F"]


class FieldError(ValueError):
    """A value a partner sent that the hub cannot accept.

    ``code`` is machine-readable (``INVALID_CHECKSUM``); ``reason`` is one Traditional Chinese sentence a
    partner's clerk can act on, and never echoes a full national ID (mask it with ``mask_national_id``).
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class RecordRefused(Exception):
    """The first bad field of one record: the adapter turns it into that record's :class:`RecordRejection`
    (``field`` is the partner's own label), and the rest of the submission goes on."""

    def __init__(self, field: str, code: str, reason: str) -> None:
        super().__init__(code)
        self.field = field
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Person:
    """The subject (個案) of a referral, as the partner identified them. Clear text: edge only."""

    national_id: str | None
    name: str | None = None
    birth_date: date | None = None
    gender: Gender | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Place:
    """Where the subject lives: a Kaohsiung district, or a Taiwanese postal code outside the city."""

    postal_code: str | None
    district: str | None
    out_of_area: bool = False


@dataclass(frozen=True)
class InboundReferral:
    """One accepted record, in canonical terms but with personal data still in clear text."""

    record_no: int
    partner_ref: str
    kind: str
    occurred_at: datetime
    subject: Person
    place: Place
    legal_basis: str
    raw: bytes
    attributes: dict[str, str] = field(default_factory=dict)
    personal_extra: dict[str, str] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    service_type: str | None = None


@dataclass(frozen=True)
class InboundStatusUpdate:
    """A receiving partner's answer on a referral addressed to it (acknowledge / accept / reject / complete).

    ``state`` is one of ACKNOWLEDGED, ACCEPTED, REJECTED, IN_PROGRESS, COMPLETED, CANCELLED;
    ``reason_code`` (NO_CONTACT, NOT_ELIGIBLE, NO_CAPACITY, DECLINED, REFERRED_ELSEWHERE, OTHER) is required
    for REJECTED. ``partner_ref`` identifies this update for re-sends: ``referral_id`` + state + ``at``.
    Free text (a note, an employer's name) goes to ``personal_extra``: it is sealed, never on a topic in clear.
    """

    record_no: int
    partner_ref: str
    referral_id: str
    state: str
    at: datetime
    raw: bytes
    reason_code: str | None = None
    redirect_to: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    personal_extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundContact:
    """A follow-up contact (追蹤輔導) the bureau's case manager made: feeds the person's journey."""

    record_no: int
    partner_ref: str
    subject_ref: str
    """The hub's subject id (``S-…``) given in earlier assignments."""
    mode: Literal["PHONE", "HOME", "FACE", "NETWORK", "OTHER"]
    reached: bool
    need_level: Literal["LOW", "MEDIUM", "HIGH"] | None
    at: datetime
    raw: bytes


@dataclass(frozen=True)
class InboundTreatmentHours:
    """Community-treatment hours (社區處遇時數) a deferred-prosecution client attended in one month."""

    record_no: int
    partner_ref: str
    referral_id: str
    hours: float
    period: str
    """``YYYY-MM``."""
    raw: bytes


@dataclass(frozen=True)
class InboundErasureOrder:
    """A juvenile court's record-erasure order (塗銷, 少年事件處理法 §83-1): an order, not a referral."""

    record_no: int
    partner_ref: str
    national_id: str
    issued_at: datetime
    legal_basis: str
    raw: bytes


InboundRecord = InboundReferral | InboundStatusUpdate | InboundContact | InboundTreatmentHours | InboundErasureOrder


@dataclass(frozen=True)
class RecordRejection:
    """One refused record: ``field`` is the partner's own label (e.g. ``身分證統一編號``)."""

    record_no: int
    field: str
    code: str
    reason: str
    raw: bytes


@dataclass(frozen=True)
class ParseResult:
    accepted: Sequence[InboundRecord]
    rejected: list[RecordRejection]
    context: bytes = b""
    """Bytes a single record needs to be parsed again on its own (e.g. a CSV header line), kept for replay."""
    atomic: bool = False
    """All or nothing (a FHIR ``transaction`` Bundle): one refused record, here or at the gateway, refuses every
    record of the submission, and the whole body is kept as one dead letter."""


class SubmissionRefused(Exception):
    """The whole submission is refused (wrong format, trailer mismatch, XXE): every record gets this reason."""

    def __init__(self, code: str, reason: str, field: str = "", record_count: int = 0) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.field = field
        self.record_count = record_count
        """How many data records the refused submission held, when the adapter could tell (0 if not)."""


class InboundAdapter(Protocol):
    """One partner format, inbound. ``parse`` never raises anything but :class:`SubmissionRefused`."""

    format: str
    content_types: frozenset[str]

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult: ...
