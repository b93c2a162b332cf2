"""Status updates (狀態回報) in the common JSON shape → :class:`InboundStatusUpdate`; and the JSON conventions
every partner's JSON format shares (共通 JSON 規格).

The common shape (PARTNER_FORMATS.md, "Status updates")::

    {"referralId": "R-…", "status": "REJECTED", "reasonCode": "NO_CAPACITY",
     "at": "2025-07-16T09:00:00+08:00", "note": "…"}

A partner that hands the referral on to another agency (再轉) reports ``"status": "REDIRECTED"`` with
``"redirectTo"`` naming that agency's code (:data:`adapters.agencies.ASSIGNMENT_AGENCIES`); the hub then makes
the new agency's assignment. ``redirectTo`` goes with REDIRECTED and nothing else.

NGOs post it as it is (an optional ``"type": "STATUS"`` is tolerated); SOCIAL and BUREAU wrap it in their own
typed messages and reuse :func:`parse_status_message`. The update's ``partner_ref`` is
``referralId|status|at`` (``at`` in Asia/Taipei), so an identical re-send is recognised as a duplicate and a
changed note on the same update is an amendment of it.

Because this is the format every JSON partner speaks, this module also holds what the JSON adapters share:

* :func:`read_messages` — a body is one message object or a JSON array of them, numbered 1..n; each record
  keeps its own bytes, cut from the body, so it can be replayed on its own;
* :class:`JsonModel` and the field types (``OffsetDateTime``, ``NationalId``, ``District`` …) — pydantic does
  the shape (required keys, JSON types, nesting); the project's validators do the values;
* :func:`validate` — turns the first pydantic error, in field order, into one :class:`MessageRejected` that
  names the partner's own JSON path (``youth.nationalId``) with one sentence a clerk can act on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Annotated, Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from adapters.agencies import ASSIGNMENT_AGENCIES
from adapters.base import (
    FieldError,
    Gender,
    InboundAdapter,
    InboundRecord,
    InboundStatusUpdate,
    ParseResult,
    Place,
    RecordRejection,
    SubmissionRefused,
)
from adapters.validation import (
    TAIPEI,
    normalise_phone,
    parse_gender,
    resolve_place,
    validate_national_id,
)
from adapters.validation.national_id import mask_ids
from adapters.validation.text import TextKind, check_characters, clean, quote, visible

FORMAT: Final = "STATUS_JSON"
WHOLE_RECORD: Final = "(整筆)"
"""The rejection ``field`` when the problem is the message itself, not one of its fields."""
MAX_REF_LENGTH: Final = 64

STATES: Final = ("ACKNOWLEDGED", "ACCEPTED", "REJECTED", "REDIRECTED", "IN_PROGRESS", "COMPLETED", "CANCELLED")
"""The lifecycle states a receiving partner may report, in lifecycle order (the hub sets the others itself)."""
REASON_CODES: Final = ("NO_CONTACT", "NOT_ELIGIBLE", "NO_CAPACITY", "DECLINED", "REFERRED_ELSEWHERE", "OTHER")
REFERRAL_ID: Final = re.compile(r"R-[0-9a-f]{20}")
"""The hub's referral id, as ``processors.ids.referral_id`` makes it."""

_JSON_HINT = "請以 UTF-8 編碼的 JSON（單一訊息物件，或訊息物件組成的陣列）重新傳送"
_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's four whitespace characters, nothing more
_UTF8_BOM = "\ufeff"
_NOT_AN_OBJECT = "不是 JSON 物件，每筆訊息須以大括號括住的物件傳送。"
_ISO_DATETIME = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})T(?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?(?P<offset>Z|[+-]\d{2}:\d{2})?",
    re.ASCII,
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class MessageRejected(Exception):
    """The first bad field of one message: becomes that record's :class:`RecordRejection`."""

    def __init__(self, field: str, code: str, reason: str) -> None:
        super().__init__(code)
        self.field = field
        self.code = code
        self.reason = reason


# --- the body: one message or an array of them ---------------------------------------------------------------


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; with "nationalId" twice the hub would silently pick one.
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise _DuplicateKey(key)
    return dict(pairs)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN / Infinity: Python's json accepts them, the standard does not


_DECODER: Final = json.JSONDecoder(object_pairs_hook=_object_without_duplicate_keys, parse_constant=_no_constants)


@dataclass(frozen=True)
class Span:
    """A JSON value and where it sits in the text it was decoded from."""

    value: Any
    start: int
    end: int


@dataclass(frozen=True)
class Message:
    """One record of a submission: its decoded JSON value and its own bytes, cut from the body."""

    record_no: int
    value: Any
    raw: bytes


def _skip_whitespace(text: str, at: int) -> int:
    match = _WHITESPACE.match(text, at)
    return match.end() if match else at


def _value_at(text: str, at: int) -> Span:
    value, end = _DECODER.raw_decode(text, at)
    return Span(value, at, end)


def array_items(text: str, at: int) -> tuple[list[Span], int]:
    """The items of the JSON array opening at ``text[at]``, and the index just past it.

    Raises ``ValueError`` (``json.JSONDecodeError`` included) if the array is not valid JSON.
    """
    if text[at : at + 1] != "[":
        raise ValueError("not an array")
    items: list[Span] = []
    at = _skip_whitespace(text, at + 1)
    if text[at : at + 1] == "]":
        return items, at + 1
    while True:
        item = _value_at(text, at)
        items.append(item)
        at = _skip_whitespace(text, item.end)
        separator = text[at : at + 1]
        if separator == "]":
            return items, at + 1
        if separator != ",":
            raise ValueError(f"expected , or ] at {at}")
        at = _skip_whitespace(text, at + 1)


def object_members(text: str, at: int) -> tuple[dict[str, Span], int]:
    """The members of the JSON object opening at ``text[at]``, and the index just past it (``ValueError``)."""
    if text[at : at + 1] != "{":
        raise ValueError("not an object")
    members: dict[str, Span] = {}
    at = _skip_whitespace(text, at + 1)
    if text[at : at + 1] == "}":
        return members, at + 1
    while True:
        key = _value_at(text, at)
        if not isinstance(key.value, str):
            raise ValueError(f"object key expected at {at}")
        at = _skip_whitespace(text, key.end)
        if text[at : at + 1] != ":":
            raise ValueError(f"expected : at {at}")
        member = _value_at(text, _skip_whitespace(text, at + 1))
        members[key.value] = member
        at = _skip_whitespace(text, member.end)
        separator = text[at : at + 1]
        if separator == "}":
            return members, at + 1
        if separator != ",":
            raise ValueError(f"expected , or }} at {at}")
        at = _skip_whitespace(text, at + 1)


def decode_body(body: bytes) -> str:
    """The body as text (a UTF-8 BOM is tolerated and dropped); ``MALFORMED_JSON`` if it is not UTF-8."""
    try:
        return body.decode("utf-8").removeprefix(_UTF8_BOM)
    except UnicodeDecodeError:
        raise SubmissionRefused("MALFORMED_JSON", f"傳送的內容不是 UTF-8 編碼的文字，{_JSON_HINT}。") from None


def _malformed(error: Exception) -> SubmissionRefused:
    if isinstance(error, _DuplicateKey):
        key = mask_ids(visible(error.key[:40]))
        return SubmissionRefused(
            "MALFORMED_JSON",
            f"同一個 JSON 物件中「{key}」欄出現兩次，無法判斷該用哪一個值，請刪除重複的欄位後重新傳送。",
            field=key,
        )
    if isinstance(error, json.JSONDecodeError):
        where = f"第 {error.lineno} 行第 {error.colno} 個字附近"
        if error.msg.startswith("Invalid control character"):
            # JSON forbids a raw U+0000–U+001F inside a string; only its \u escape is JSON (and then refused
            # field by field). Saying so beats "not valid JSON" for a NUL the clerk cannot see.
            return SubmissionRefused(
                "MALFORMED_JSON",
                f"傳送的內容在{where}的文字中含有未跳脫的控制字元（JSON 不允許），"
                f"請刪除該字元後{_JSON_HINT.removeprefix('請')}。",
            )
        return SubmissionRefused("MALFORMED_JSON", f"傳送的內容不是有效的 JSON（{where}有誤），{_JSON_HINT}。")
    return SubmissionRefused("MALFORMED_JSON", f"傳送的內容不是有效的 JSON，{_JSON_HINT}。")


def read_spans(text: str) -> list[Span]:
    """The top-level value as records: an array's items, or the one value itself (``MALFORMED_JSON``)."""
    start = _skip_whitespace(text, 0)
    if start == len(text):
        raise SubmissionRefused("EMPTY_SUBMISSION", f"傳送的內容是空的，{_JSON_HINT}。")
    try:
        if text[start] == "[":
            spans, end = array_items(text, start)
        else:
            span = _value_at(text, start)
            spans, end = [span], span.end
    except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        raise _malformed(error) from None
    if _skip_whitespace(text, end) != len(text):
        raise SubmissionRefused(
            "MALFORMED_JSON",
            f"JSON 內容結束後還有其他文字，多筆訊息請放在同一個陣列中，{_JSON_HINT}。",
            record_count=len(spans),
        )
    if not spans:
        raise SubmissionRefused("EMPTY_SUBMISSION", f"傳送的陣列沒有任何訊息，{_JSON_HINT}。")
    return spans


def read_messages(body: bytes) -> list[Message]:
    """Split a body into its messages, numbered from 1; refuses a body that is not UTF-8 JSON."""
    text = decode_body(body)
    # Each record's raw bytes are re-encoded from its slice of the strictly decoded text: UTF-8 round-trips
    # exactly, so they are the partner's own bytes and parse on their own when replayed.
    return [
        Message(record_no, span.value, text[span.start : span.end].encode("utf-8"))
        for record_no, span in enumerate(read_spans(text), start=1)
    ]


# --- one message ---------------------------------------------------------------------------------------------


def record_label(record_no: int, ref_field: str = "", ref: object = None) -> str:
    """``第 2 筆（caseNo SW-114-000123）``: how a reason names the record, with its reference when readable."""
    if isinstance(ref, str) and ref.strip() and len(ref.strip()) <= MAX_REF_LENGTH and ref.strip().isprintable():
        return mask_ids(f"第 {record_no} 筆（{ref_field} {ref.strip()}）")
    return f"第 {record_no} 筆"


def reject(where: str, field: str, code: str, detail: str) -> MessageRejected:
    """The rejection of one field: ``field`` is the partner's own label, ``detail`` one sentence to act on."""
    return MessageRejected(field, code, mask_ids(f"{where}的「{field}」有誤：{detail}"))


def require_object(message: Message, where: str) -> Mapping[str, Any]:
    if not isinstance(message.value, dict):
        raise MessageRejected(WHOLE_RECORD, "NOT_AN_OBJECT", where + _NOT_AN_OBJECT)
    return message.value


def message_type(message: Message, where: str, types: Sequence[str]) -> str:
    """The message's ``type``, which must be one of ``types`` (``MISSING_VALUE`` / ``UNKNOWN_TYPE``)."""
    value = require_object(message, where).get("type")
    if value is None or value == "":
        raise reject(where, "type", "MISSING_VALUE", f"缺少訊息類別，請填寫 {'、'.join(types)} 其中之一。")
    if not isinstance(value, str) or value not in types:
        shown = quote(value) if isinstance(value, str) else "此值"
        detail = f"{shown}不是可受理的訊息類別，請填寫 {'、'.join(types)} 其中之一。"
        raise reject(where, "type", "UNKNOWN_TYPE", detail)
    return value


_TYPE_HINTS: Final[Mapping[str, str]] = {
    "string_type": "應為以雙引號括住的文字",
    "bool_type": "應為 true 或 false（不加引號）",
    "int_type": "應為整數（不加引號）",
    "float_type": "應為數字（不加引號）",
    "model_type": "應為以大括號括住的 JSON 物件",
    "dict_type": "應為以大括號括住的 JSON 物件",
    "list_type": "應為以中括號括住的 JSON 陣列",
}


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _rejection(error: ErrorDetails, where: str, prefix: str) -> MessageRejected:
    field = prefix + _path(error["loc"]) if error["loc"] else prefix.rstrip(".") or WHOLE_RECORD
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        return reject(where, field, cause.code, cause.reason)
    if error["type"] == "missing" or error.get("input") is None:
        return reject(where, field, "MISSING_VALUE", "此欄為必填，請補填後重新傳送。")
    hint = _TYPE_HINTS.get(error["type"], "格式不符約定")
    return reject(where, field, "INVALID_TYPE", f"此欄{hint}，請修正後重新傳送。")


def validate(model: type[M], value: object, where: str, prefix: str = "") -> M:
    """Validate one message against its model; the first bad field (in the model's order) rejects it."""
    try:
        return model.model_validate(value)
    except ValidationError as error:
        raise _rejection(error.errors()[0], where, prefix) from None


def _encodable(value: object) -> bool:
    """False if any string holds a lone surrogate (``"\\ud800"`` is valid JSON, but no UTF-8 text)."""
    pending = [value]  # a stack, not recursion: the JSON may nest as deep as the decoder allowed
    while pending:
        item = pending.pop()
        if isinstance(item, str) and any("\ud800" <= character <= "\udfff" for character in item):
            return False
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _parse_safely(message: Message, parse_one: Callable[[Message], InboundRecord]) -> InboundRecord:
    # The field types refuse a lone surrogate in every field a parser reads, naming that field
    # (INVALID_CHARACTER); this catches one anywhere else in the message (an ignored key), which would still
    # break the encryption and the Avro encoding of the record's raw value further on, far from the partner.
    record = parse_one(message)
    if not _encodable(message.value):
        raise MessageRejected(
            WHOLE_RECORD,
            "MALFORMED_JSON",
            f"第 {message.record_no} 筆含有無效的 Unicode 跳脫字元（單獨的 \\ud800–\\udfff），請修正後重新傳送。",
        )
    return record


def collect(messages: Sequence[Message], parse_one: Callable[[Message], InboundRecord]) -> ParseResult:
    """Parse every message; a rejection or a bug costs that record alone."""
    accepted: list[InboundRecord] = []
    rejected: list[RecordRejection] = []
    for message in messages:
        try:
            accepted.append(_parse_safely(message, parse_one))
        except MessageRejected as error:
            rejected.append(RecordRejection(message.record_no, error.field, error.code, error.reason, message.raw))
        except Exception:
            # A bug must cost one record, not the whole submission: the partner gets a receipt for the rest.
            rejected.append(
                RecordRejection(
                    message.record_no,
                    WHOLE_RECORD,
                    "INTERNAL_ERROR",
                    f"第 {message.record_no} 筆因系統錯誤無法處理，請將該筆的編號告知毒品防制局資訊人員協助處理。",
                    message.raw,
                )
            )
    return ParseResult(accepted=accepted, rejected=rejected)


# --- field types: pydantic checks the JSON type, the project's validators the value ---------------------------


class JsonModel(BaseModel):
    """A partner message: camelCase keys, JSON types taken as they are (``"true"`` is not a boolean)."""

    model_config = ConfigDict(alias_generator=to_camel, strict=True, extra="ignore", frozen=True)


def require_present(value: object) -> None:
    """``null`` for a required field is a missing value, whatever the field's type."""
    if value is None:
        raise FieldError("MISSING_VALUE", "此欄為必填，請補填後重新傳送。")


def _text(value: object, kind: TextKind) -> str:
    require_present(value)
    if not isinstance(value, str):
        raise FieldError("INVALID_TYPE", "此欄應為以雙引號括住的文字，請修正後重新傳送。")
    # Before the blank test: JSON's "\u001f" or "\u0085" is blank to str.strip and would pass as not given.
    return check_characters(value, kind)


def required(parse: Callable[[str], T], kind: TextKind = "line") -> Callable[[object], T]:
    """A validator for a required text field: blank is ``MISSING_VALUE``, anything else goes to ``parse``.

    ``kind`` is ``"free"`` only for a person's own words, which may keep line breaks and tabs; every other
    field (identifiers, names, codes, dates) is one line of visible text (``INVALID_CHARACTER``).
    """

    def validator(value: object) -> T:
        text = _text(value, kind)
        if not clean(text):
            raise FieldError("MISSING_VALUE", "此欄為必填，請補填後重新傳送。")
        return parse(text)

    return validator


def optional(parse: Callable[[str], T], kind: TextKind = "line") -> Callable[[object], T | None]:
    """A validator for an optional text field: null or blank means not given (``kind`` as for ``required``)."""

    def validator(value: object) -> T | None:
        if value is None:
            return None
        text = _text(value, kind)
        return parse(text) if clean(text) else None

    return validator


def _partner_ref(text: str) -> str:
    if len(text.strip()) > MAX_REF_LENGTH:
        raise FieldError("INVALID_FORMAT", f"編號超過 {MAX_REF_LENGTH} 個字元，請確認是否誤填其他內容。")
    return text.strip()


def parse_offset_datetime(text: str) -> datetime:
    """ISO 8601 date and time with its UTC offset (``2025-07-16T09:00:00+08:00``); ``INVALID_DATETIME``.

    A time without an offset is refused, not assumed to be Taiwan's: a partner system in UTC would shift every
    SLA clock by eight hours without anyone noticing.
    """
    value = clean(text)
    match = _ISO_DATETIME.fullmatch(value)
    if match is not None and match["offset"] is None:
        raise FieldError(
            "INVALID_DATETIME", f"{quote(value)}缺少時區，請加上與 UTC 的時差，如 2025-07-16T09:00:00+08:00。"
        )
    if match is not None:
        try:
            return datetime.combine(
                date(int(match["year"]), int(match["month"]), int(match["day"])),
                time(
                    int(match["hour"]),
                    int(match["minute"]),
                    int(match["second"] or 0),
                    int((match["fraction"] or "0").ljust(6, "0")),
                ),
                tzinfo=_offset(match["offset"]),
            )
        except ValueError:
            pass
    raise FieldError(
        "INVALID_DATETIME",
        f"{quote(value)}不是有效的 ISO 8601 日期時間，"
        "請依 2025-07-16T09:00:00+08:00 的格式（含時區）填寫實際存在的時間。",
    )


def _offset(text: str) -> timezone:
    if text == "Z":
        return UTC
    hours, minutes = int(text[1:3]), int(text[4:6])
    if minutes >= 60:
        raise ValueError("offset minutes")
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))  # ValueError beyond ±24 h


def parse_iso_date(text: str) -> date:
    """ISO 8601 calendar date ``YYYY-MM-DD``; ``INVALID_DATE``."""
    value = clean(text)
    match = _ISO_DATE.fullmatch(value)
    if match is not None:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise FieldError(
        "INVALID_DATE", f"{quote(value)}不是有效的日期，請依 2025-07-15 的格式（西元年-月-日）填寫實際存在的日期。"
    )


def parse_referral_id(text: str) -> str:
    """The hub's referral id (``R-`` + 20 lowercase hex), as given in the assignment; ``UNKNOWN_REFERRAL_ID``.

    Checks its characters itself (``INVALID_CHARACTER``): FHIR Tasks hand it over straight from the JSON.
    """
    value = check_characters(text).strip()
    if not REFERRAL_ID.fullmatch(value):
        raise FieldError(
            "UNKNOWN_REFERRAL_ID",
            f"{quote(value)}不是本系統的轉介編號，請照抄派案資料中的轉介編號（R- 加 20 個英數字）。",
        )
    return value


def _letter_gender(text: str) -> Gender:
    return parse_gender(text, "letter")


PartnerRef = Annotated[str, PlainValidator(required(_partner_ref))]
Text = Annotated[str, PlainValidator(required(str.strip))]
"""One line of text (a name, a citation): only trimmed, never normalised, so the partner's words stay theirs."""
OptionalText = Annotated[str | None, PlainValidator(optional(str.strip))]
"""One line of text that may be left out (a guardian's name, a school, a code read further on)."""
FreeText = Annotated[str | None, PlainValidator(optional(str.strip, "free"))]
"""A person's own words (a note, a reason): only trimmed, and may keep line breaks and tabs."""
RequiredFreeText = Annotated[str, PlainValidator(required(str.strip, "free"))]
OffsetDateTime = Annotated[datetime, PlainValidator(required(parse_offset_datetime))]
IsoDate = Annotated[date, PlainValidator(required(parse_iso_date))]
OptionalIsoDate = Annotated[date | None, PlainValidator(optional(parse_iso_date))]
NationalId = Annotated[str, PlainValidator(required(validate_national_id))]
District = Annotated[Place, PlainValidator(required(resolve_place))]
OptionalDistrict = Annotated[Place | None, PlainValidator(optional(resolve_place))]
OptionalGender = Annotated[Gender | None, PlainValidator(optional(_letter_gender))]
OptionalPhone = Annotated[str | None, PlainValidator(optional(normalise_phone))]
ReferralId = Annotated[str, PlainValidator(required(parse_referral_id))]


def yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def status_ref(referral_id: str, state: str, at: datetime) -> str:
    """The partner reference of a status update: the same update re-sent has the same reference.

    ``at`` is written in Asia/Taipei so that one instant spelt with two offsets is still one update.
    """
    return f"{referral_id}|{state}|{at.astimezone(TAIPEI).isoformat()}"


# --- the status update ---------------------------------------------------------------------------------------


def _state(text: str) -> str:
    value = clean(text).upper()
    if value not in STATES:
        raise FieldError(
            "INVALID_STATUS",
            f"{quote(text)}不是可回報的狀態，請填寫 {'、'.join(STATES)} 其中之一。",
        )
    return value


def _reason_code(text: str) -> str:
    value = clean(text).upper()
    if value not in REASON_CODES:
        raise FieldError(
            "INVALID_REASON_CODE",
            f"{quote(text)}不是約定的原因代碼，請填寫 {'、'.join(REASON_CODES)} 其中之一。",
        )
    return value


class StatusMessage(JsonModel):
    """``{"referralId", "status", "reasonCode", "at", "note"}``, checked in this order; then where it goes next."""

    referral_id: ReferralId
    status: Annotated[str, PlainValidator(required(_state))]
    reason_code: Annotated[str | None, PlainValidator(optional(_reason_code))] = None
    at: OffsetDateTime
    note: FreeText = None
    dispatch_to: OptionalText = None
    redirect_to: OptionalText = None


def parse_status_message(
    obj: object, record_no: int, raw: bytes, *, dispatch_targets: frozenset[str] = frozenset()
) -> InboundStatusUpdate:
    """One status update in the common shape; raises :class:`MessageRejected` naming the first bad field.

    ``dispatch_targets``: where this partner may dispatch a referral (SOCIAL's 派案 of a youth drug-use notice
    names ``EDU`` or ``YOUTH_COUNSEL`` in ``dispatchTo``); empty for partners that do not dispatch, whose
    ``dispatchTo`` is ignored like any unknown key.
    """
    where = record_label(record_no, "referralId", obj.get("referralId") if isinstance(obj, dict) else None)
    if not isinstance(obj, dict):
        raise MessageRejected(WHOLE_RECORD, "NOT_AN_OBJECT", where + _NOT_AN_OBJECT)
    message = validate(StatusMessage, obj, where)
    if message.status == "REJECTED" and message.reason_code is None:
        raise reject(
            where,
            "reasonCode",
            "REASON_REQUIRED",
            f"狀態為 REJECTED 時須填寫原因代碼，請填寫 {'、'.join(REASON_CODES)} 其中之一。",
        )
    redirected = _redirect_target(message, where)
    dispatched = _dispatch_target(message, where, dispatch_targets)
    return InboundStatusUpdate(
        record_no=record_no,
        partner_ref=status_ref(message.referral_id, message.status, message.at),
        referral_id=message.referral_id,
        state=message.status,
        at=message.at,
        raw=raw,
        reason_code=message.reason_code,
        redirect_to=redirected or dispatched,  # never both: a dispatch cannot go with REDIRECTED
        # A note may name the person or their family: it travels sealed, never as an attribute.
        personal_extra={"note": message.note} if message.note else {},
    )


def _redirect_target(message: StatusMessage, where: str) -> str | None:
    """再轉: the agency a REDIRECTED referral goes to next; any agency the hub delivers to."""
    agencies = "、".join(ASSIGNMENT_AGENCIES)
    if message.redirect_to is None:
        if message.status == "REDIRECTED":
            detail = f"狀態為 REDIRECTED（再轉）時須填寫再轉單位的機關代碼，請填寫 {agencies} 其中之一。"
            raise reject(where, "redirectTo", "REDIRECT_TARGET_REQUIRED", detail)
        return None
    if message.status != "REDIRECTED":
        # A target on any other state is ambiguous: did the partner mean to hand the case on, or not?
        detail = "只有狀態為 REDIRECTED（再轉）時才能填寫再轉單位，請移除 redirectTo，或將狀態改為 REDIRECTED。"
        raise reject(where, "redirectTo", "REDIRECT_CONFLICT", detail)
    target = clean(message.redirect_to).upper()
    if target not in ASSIGNMENT_AGENCIES:
        detail = f"{quote(message.redirect_to)}不是本平台的機關代碼，請填寫 {agencies} 其中之一。"
        raise reject(where, "redirectTo", "INVALID_REDIRECT_TARGET", detail)
    return target


def _dispatch_target(message: StatusMessage, where: str, targets: frozenset[str]) -> str | None:
    if not targets or message.dispatch_to is None:
        return None
    target = clean(message.dispatch_to).upper()
    if target not in targets:
        raise reject(
            where,
            "dispatchTo",
            "INVALID_DISPATCH_TARGET",
            f"{quote(message.dispatch_to)}不是可派案的單位，請填寫 {'、'.join(sorted(targets))} 其中之一。",
        )
    if message.status in {"REJECTED", "CANCELLED"}:
        # Dispatching creates the target's assignment: a refused or withdrawn notice must not create one.
        raise reject(
            where,
            "dispatchTo",
            "DISPATCH_CONFLICT",
            f"狀態為 {message.status} 的通報不能同時派案，請移除 dispatchTo 或改以 ACCEPTED 回報派案。",
        )
    if message.status == "REDIRECTED":
        raise reject(
            where,
            "dispatchTo",
            "DISPATCH_CONFLICT",
            "再轉（REDIRECTED）請以 redirectTo 填寫再轉單位，請移除 dispatchTo。",
        )
    return target


# --- the adapter ---------------------------------------------------------------------------------------------


def _status_record(message: Message) -> InboundStatusUpdate:
    if isinstance(message.value, dict) and "type" in message.value:
        where = record_label(message.record_no, "referralId", message.value.get("referralId"))
        message_type(message, where, ("STATUS",))
    return parse_status_message(message.value, message.record_no, message.raw)


class StatusJsonAdapter:
    """Status updates in the common JSON shape (狀態回報), as NGOs and other receiving partners post them."""

    format: str = FORMAT
    content_types: frozenset[str] = frozenset({"application/json"})

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        return collect(read_messages(body), _status_record)


ADAPTER: InboundAdapter = StatusJsonAdapter()
