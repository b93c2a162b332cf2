"""PRISON_* / JUV_FAC_* inbound adapter: correctional facilities' release rosters (出監名冊, fixed width) → referrals.

Text in CP950 with CRLF line ends (LF accepted), one record per line, fields at fixed *byte* positions
(PARTNER_FORMATS.md, "PRISON_* and JUV_FAC_*"): a CJK character is two bytes in CP950, so every field is cut
from the line's bytes and decoded on its own, never from decoded text. A header ``H`` names the facility and the
roster date, a trailer ``T`` the number of detail lines; each detail ``D`` is one inmate due for release, a
pre-release transfer (出監前轉銜) to the bureau.

The whole roster is refused when it is not this facility's or arrived incomplete (missing header or trailer, a
trailer count that does not match, a detail of another facility): a roster cut short in transfer would
otherwise look like a roster with fewer people in it. A bad detail costs that line alone.

Names are where facilities' systems use user-defined characters (造字) CP950 cannot decode, and where a name
longer than 20 bytes gets its last character cut in half: such a name is kept with U+FFFD in place of each
unreadable character and the record flagged ``NAME_CHECK`` for a clerk, because refusing it would delay a
release hand-over over one character. In any other field those bytes mean the line is misaligned: rejected.
A control byte (0x00–0x1F, 0x7F: a NUL-padded field, a tab) is no character at all, in the name or anywhere
else: the line is rejected ``INVALID_CHARACTER`` with the byte's position, never trimmed or replaced.

:func:`format_roster` writes the format (the inverse of ``parse``) for tests, samples and benchmarks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Final, TypeVar

from adapters.base import (
    FieldError,
    Gender,
    InboundAdapter,
    InboundReferral,
    ParseResult,
    Person,
    RecordRejection,
    SubmissionRefused,
)
from adapters.base import RecordRefused as _Rejected
from adapters.validation import (
    TAIPEI,
    format_roc_date,
    normalise_phone,
    parse_gender,
    parse_roc_date,
    resolve_place,
    validate_national_id,
)
from adapters.validation.text import (
    INVALID_CHARACTER,
    check_characters,
    control_byte_at,
    invalid_character_reason,
    quote,
)

FORMAT: Final = "ROSTER_FIXED_WIDTH"
ENCODING: Final = "cp950"
KIND: Final = "PRE_RELEASE"
LEGAL_BASIS: Final = "毒品危害防制條例第2條之1"
LINE_WIDTH: Final = 81
LATE_NOTICE_DAYS: Final = 30
"""Pre-release notice lead time (DOMAIN.md, SLA clocks): a case manager must meet the inmate a month before."""
WHOLE_RECORD: Final = "(整筆)"

FACILITIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "KSP1": "高雄監獄",
        "KSP2": "高雄第二監獄",
        "KSDT": "高雄戒治所",
        "KSWP": "高雄女子監獄",
        "KSWD": "高雄女子勒戒所",
        "MYHS": "明陽中學",
        "KSJD": "高雄少年觀護所",
    }
)
YOUTH_PARTNER_PREFIX: Final = "JUV_FAC_"
PARTNER_FACILITIES: Final[Mapping[str, str]] = MappingProxyType(
    {f"PRISON_{code}": code for code in ("KSP1", "KSP2", "KSDT", "KSWP", "KSWD")}
    | {f"{YOUTH_PARTNER_PREFIX}{code}": code for code in ("MYHS", "KSJD")}
)
"""Authenticated partner → the facility code its rosters carry (``PRISON_KSWP`` sends ``KSWP``)."""

RELEASE_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {"1": "刑期屆滿", "2": "假釋", "3": "觀察勒戒／戒治期滿", "4": "強制戒治結束", "5": "少年結束感化教育"}
)
NEEDS: Final = ("employment", "housing", "medical", "family", "financial", "psychological", "legal", "other")
"""The eight needs flags, in their byte order (61-68)."""
FLAG_VALUES: Final[Mapping[str, bool]] = MappingProxyType({"Y": True, "N": False})


@dataclass(frozen=True)
class Field:
    """One fixed-width field, by the 1-based inclusive byte positions of the contract's table."""

    label: str
    first: int
    last: int

    @property
    def width(self) -> int:
        return self.last - self.first + 1

    @property
    def where(self) -> str:
        return f"第 {self.first} 位元組" if self.first == self.last else f"第 {self.first}-{self.last} 位元組"

    def cut(self, line: bytes) -> bytes:
        return line[self.first - 1 : self.last]


# Labels are the ones on the facilities' own roster printouts, so a clerk can find the field.
RECORD_TYPE: Final = Field("記錄別", 1, 1)
FACILITY: Final = Field("機關代碼", 2, 5)
INMATE_NO: Final = Field("收容人編號", 6, 13)
NAME: Final = Field("姓名", 14, 33)
NATIONAL_ID: Final = Field("身分證統一編號", 34, 43)
BIRTH_DATE: Final = Field("出生日期", 44, 50)
GENDER: Final = Field("性別", 51, 51)
RELEASE_DATE: Final = Field("預定出監日期", 52, 58)
RELEASE_TYPE: Final = Field("出監類別", 59, 59)
PREGNANT: Final = Field("懷孕註記", 60, 60)
NEEDS_FLAGS: Final = Field("需求評估", 61, 68)
POSTAL_CODE: Final = Field("郵遞區號", 69, 71)
PHONE: Final = Field("聯絡電話", 72, 81)
DETAIL_FIELDS: Final = (
    RECORD_TYPE, FACILITY, INMATE_NO, NAME, NATIONAL_ID, BIRTH_DATE, GENDER, RELEASE_DATE, RELEASE_TYPE,
    PREGNANT, NEEDS_FLAGS, POSTAL_CODE, PHONE,
)  # fmt: skip
MIN_DETAIL_WIDTH: Final = POSTAL_CODE.last
"""Only the phone may be blank at the end of a line, so a trimmed line is never shorter than this."""

HEADER_FACILITY: Final = Field("機關代碼", 2, 5)
ROSTER_DATE: Final = Field("名冊日期", 6, 12)
HEADER_WIDTH: Final = ROSTER_DATE.last
TRAILER_COUNT: Final = Field("筆數", 2, 7)
TRAILER_WIDTH: Final = TRAILER_COUNT.last

_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_BLANK_LINE_BYTES = b" \t\x1a"  # DOS-era exports end with Ctrl-Z
_COMPACT_DATE = re.compile(r"[0-9]{7}")
_INMATE_NO = re.compile(r"[0-9A-Za-z-]+")
_TRAILER = re.compile(rb"T([0-9]{6})")
_LEAD_BYTES = range(0x81, 0xFF)
_TRAIL_BYTES = frozenset(range(0x40, 0x7F)) | frozenset(range(0xA1, 0xFF))
REPLACEMENT: Final = "\ufffd"
NAME_CHECK: Final = "NAME_CHECK"
LATE_NOTICE: Final = "LATE_NOTICE"

T = TypeVar("T")


@dataclass(frozen=True)
class _Line:
    """A non-blank line of the body and its 1-based line number in the file (blank lines counted)."""

    number: int
    raw: bytes


@dataclass(frozen=True)
class _Roster:
    """What the header says, which every detail needs."""

    facility: str
    roster_date: date
    received_on: date
    youth: bool


# --- the submission -----------------------------------------------------------------------------------------


def _split_lines(body: bytes) -> list[_Line]:
    # CP950 trail bytes are never CR or LF, so splitting the bytes cannot cut a character in two.
    return [
        _Line(number, raw)
        for number, raw in enumerate(_LINE_BREAK.split(body), start=1)
        if raw.strip(_BLANK_LINE_BYTES)
    ]


def _shown(raw: bytes) -> str:
    """Bytes a partner sent, quoted in a reason (never a national ID: header and trailer fields only)."""
    return quote(raw.decode(ENCODING, errors="replace").strip())


def _read_header(line: _Line, facility: str, record_count: int) -> date:
    """The roster date, after checking the header is this facility's; a bad header refuses the roster."""
    header = line.raw.rstrip(b" ")
    sent_facility = HEADER_FACILITY.cut(header)
    if sent_facility != facility.encode():
        raise SubmissionRefused(
            "WRONG_FACILITY",
            f"名冊首錄的機關代碼{_shown(sent_facility)}不是貴機關的代碼「{facility}」，"
            "請確認傳送的是貴機關自己的名冊。",
            field=HEADER_FACILITY.label,
            record_count=record_count,
        )
    text = ROSTER_DATE.cut(header).decode("ascii", errors="replace")
    if len(header) != HEADER_WIDTH or not _COMPACT_DATE.fullmatch(text):
        raise SubmissionRefused(
            "INVALID_HEADER",
            f"名冊首錄應為「H」加 4 碼機關代碼加 7 碼民國名冊日期（共 {HEADER_WIDTH} 位元組，如 H{facility}1140720），"
            "請更正首錄後重新傳送。",
            field=ROSTER_DATE.label,
            record_count=record_count,
        )
    try:
        return parse_roc_date(text)
    except FieldError as error:
        raise SubmissionRefused(
            "INVALID_HEADER",
            f"名冊首錄的名冊日期有誤：{error.reason}",
            field=ROSTER_DATE.label,
            record_count=record_count,
        ) from None


def _check_trailer(trailer: _Line | None, details: int) -> None:
    """The trailer is the only sign a transfer arrived whole: no trailer, or a wrong count, refuses the roster."""
    if trailer is None:
        raise SubmissionRefused(
            "TRAILER_MISMATCH",
            f"名冊缺少尾錄（T 加 6 碼筆數），可能傳輸未完成，已收到 {details} 筆明細，請重新傳送完整名冊。",
            field=TRAILER_COUNT.label,
            record_count=details,
        )
    match = _TRAILER.fullmatch(trailer.raw.rstrip(b" "))
    if match is None:
        raise SubmissionRefused(
            "TRAILER_MISMATCH",
            f"名冊尾錄{_shown(trailer.raw)}格式有誤，應為「T」加 6 碼筆數（如 T{details:06d}），請更正後重新傳送。",
            field=TRAILER_COUNT.label,
            record_count=details,
        )
    count = int(match.group(1))
    if count != details:
        raise SubmissionRefused(
            "TRAILER_MISMATCH",
            f"名冊尾錄記載 {count} 筆，實際收到 {details} 筆明細，可能傳輸不完整，請重新傳送完整名冊。",
            field=TRAILER_COUNT.label,
            record_count=details,
        )


def _check_facilities(details: list[_Line], facility: str) -> None:
    """Every detail must be the header's facility: a roster mixing facilities is not one facility's roster."""
    for record_no, line in enumerate(details, start=1):
        sent = FACILITY.cut(line.raw)
        if line.raw.startswith(b"D") and sent != facility.encode():
            raise SubmissionRefused(
                "FACILITY_MISMATCH",
                f"{_record_label(record_no, line.number)}的機關代碼{_shown(sent)}與首錄的「{facility}」不同，"
                "一份名冊只能有一個機關的收容人，請分開傳送。",
                field=FACILITY.label,
                record_count=len(details),
            )


# --- one detail line ----------------------------------------------------------------------------------------


def _record_label(record_no: int, line_no: int) -> str:
    # The inmate number identifies a person: reasons point at the line instead.
    return f"第 {record_no} 筆（檔案第 {line_no} 行）"


def decode_name(raw: bytes) -> tuple[str, bool]:
    """Decode a CP950 name field character by character: ``(name, True)`` if anything had to be replaced.

    Each unreadable character becomes one U+FFFD: a user-defined character (造字, a valid lead and trail byte
    pair CP950 maps to nothing), a lead byte left alone by the field boundary, or a control byte (which
    ``parse`` refuses before it gets here: :meth:`_Detail.cut`). The stdlib
    decoder would turn a 造字 into U+FFFD plus a stray ASCII letter (its trail byte), which looks like data.
    """
    out: list[str] = []
    replaced = False
    at = 0
    while at < len(raw):
        byte = raw[at]
        if 0x20 <= byte < 0x7F:
            out.append(chr(byte))
            at += 1
            continue
        width = 2 if byte in _LEAD_BYTES and at + 1 < len(raw) and raw[at + 1] in _TRAIL_BYTES else 1
        try:
            out.append(raw[at : at + width].decode(ENCODING) if width == 2 else REPLACEMENT)
        except UnicodeDecodeError:
            out.append(REPLACEMENT)
        replaced = replaced or out[-1] == REPLACEMENT
        at += width
    return "".join(out).strip(), replaced


class _Detail:
    """One padded detail line: cuts fields by byte position and turns a validator's error into a rejection."""

    def __init__(self, record_no: int, line_no: int, line: bytes) -> None:
        self.record_no = record_no
        self.line_no = line_no
        self.line = line

    def reject(self, field: Field, code: str, detail: str) -> _Rejected:
        return _Rejected(
            field.label,
            code,
            f"{_record_label(self.record_no, self.line_no)}的「{field.label}」（{field.where}）有誤：{detail}",
        )

    def cut(self, field: Field) -> bytes:
        """A field's bytes; a control byte in it is refused with its position in the line (1-based)."""
        raw = field.cut(self.line)
        at = control_byte_at(raw)
        if at is not None:
            reason = invalid_character_reason(f"第 {field.first + at} 位元組", chr(raw[at]))
            raise self.reject(field, INVALID_CHARACTER, reason)
        return raw

    def name(self) -> tuple[str, bool]:
        """The name field, decoded (see :func:`decode_name`), and whether a character had to be replaced."""
        name, replaced = decode_name(self.cut(NAME))
        try:
            # CP950 decodes to no control or format character today; the shared rule holds should that change.
            return check_characters(name), replaced
        except FieldError as error:
            raise self.reject(NAME, error.code, error.reason) from None

    def text(self, field: Field) -> str:
        """An ASCII field, trimmed; a non-ASCII byte in it means the line is misaligned."""
        raw = self.cut(field)
        if not raw.isascii():
            raise self.reject(
                field,
                "ENCODING",
                "含有中文或無法辨識的字元，可能是前一欄的中文字超出欄寬或欄位錯位，請依位元組位置核對該行後重新傳送。",
            )
        return raw.decode("ascii").strip()

    def required(self, field: Field, parse: Callable[[str], T]) -> T:
        text = self.text(field)
        if not text:
            raise self.reject(field, "MISSING_VALUE", "此欄為必填，請補填後重新傳送。")
        return self._parse(field, text, parse)

    def optional(self, field: Field, parse: Callable[[str], T]) -> T | None:
        text = self.text(field)
        return self._parse(field, text, parse) if text else None

    def _parse(self, field: Field, text: str, parse: Callable[[str], T]) -> T:
        try:
            return parse(text)
        except FieldError as error:
            raise self.reject(field, error.code, error.reason) from None


def _parse_inmate_no(text: str) -> str:
    if not _INMATE_NO.fullmatch(text):
        raise FieldError("INVALID_FORMAT", f"{quote(text)}不是有效的收容人編號，請填寫英數字（最多 8 碼）。")
    return text


def _parse_compact_date(text: str) -> date:
    """The roster writes dates only as 7 digits (``yyymmdd``): anything else means the line is misaligned."""
    if not _COMPACT_DATE.fullmatch(text):
        raise FieldError("INVALID_DATE", f"{quote(text)}不是 7 碼民國日期，請依 yyymmdd 填寫（如 1140715）。")
    return parse_roc_date(text)


def _parse_release_type(text: str) -> str:
    if text not in RELEASE_TYPES:
        kinds = "、".join(f"{code} {name}" for code, name in RELEASE_TYPES.items())
        raise FieldError("INVALID_RELEASE_TYPE", f"{quote(text)}不是有效的出監類別，請填寫 {kinds}。")
    return text


def _parse_flag(text: str) -> str:
    if text not in FLAG_VALUES:
        raise FieldError("INVALID_FLAG", f"{quote(text)}不是有效的註記，請填寫「Y」或「N」。")
    return text


def _parse_needs(text: str) -> str:
    """Eight Y/N flags → the names of the needs marked Y, comma-joined (empty when none)."""
    if len(text) != len(NEEDS) or any(flag not in FLAG_VALUES for flag in text):
        raise FieldError("INVALID_FLAG", f"{quote(text)}不是有效的需求評估，請填寫 8 個「Y」或「N」，不可留空。")
    return ",".join(need for need, flag in zip(NEEDS, text, strict=True) if flag == "Y")


def _referral(detail: _Detail, raw: bytes, roster: _Roster) -> InboundReferral:
    """Check the line's fields in byte order and build the referral; the first failure rejects it."""
    inmate_no = detail.required(INMATE_NO, _parse_inmate_no)
    name, name_check = detail.name()
    if not name:
        raise detail.reject(NAME, "MISSING_VALUE", "此欄為必填，請補填後重新傳送。")
    national_id = detail.required(NATIONAL_ID, validate_national_id)
    birth_date = detail.required(BIRTH_DATE, _parse_compact_date)
    if birth_date > roster.roster_date:
        raise detail.reject(BIRTH_DATE, "INVALID_DATE", "出生日期晚於名冊日期，請核對出生日期的民國年。")
    gender = detail.required(GENDER, lambda text: parse_gender(text, "digit"))
    release_text = detail.text(RELEASE_DATE)
    release_date = detail.required(RELEASE_DATE, _parse_compact_date)
    release_type = detail.required(RELEASE_TYPE, _parse_release_type)
    pregnant = detail.required(PREGNANT, _parse_flag)
    needs = detail.required(NEEDS_FLAGS, _parse_needs)
    place = detail.required(POSTAL_CODE, resolve_place)
    phone = detail.optional(PHONE, normalise_phone)

    flags: list[str] = []
    # Measured from the day the hub received the roster, not the roster date: a roster dated in time but
    # sent late still leaves the case manager too little time.
    if release_date - roster.received_on < timedelta(days=LATE_NOTICE_DAYS):
        flags.append(LATE_NOTICE)
    if name_check:
        flags.append(NAME_CHECK)
    return InboundReferral(
        record_no=detail.record_no,
        partner_ref=f"{roster.facility}{inmate_no}{release_text}",
        kind=KIND,
        occurred_at=datetime.combine(roster.roster_date, time(), tzinfo=TAIPEI),
        subject=Person(national_id=national_id, name=name, birth_date=birth_date, gender=gender, phone=phone),
        place=place,
        legal_basis=LEGAL_BASIS,
        raw=raw,
        attributes={
            "facility": roster.facility,
            "expected_release_date": release_date.isoformat(),
            "release_type": release_type,
            "pregnant": pregnant,
            "needs": needs,
            "youth": "Y" if roster.youth else "N",
        },
        # The inmate number identifies a person: sealed with the subject, never a clear-text attribute.
        personal_extra={"inmate_no": inmate_no},
        flags=tuple(flags),
    )


def _parse_record(record_no: int, line: _Line, roster: _Roster) -> InboundReferral | RecordRejection:
    label = _record_label(record_no, line.number)
    try:
        # Trailing spaces may have been trimmed in transfer (a blank phone at the end): pad them back.
        trimmed = line.raw.rstrip(b" ")
        if not trimmed.startswith(b"D"):
            raise _Rejected(
                RECORD_TYPE.label,
                "RECORD_TYPE",
                f"{label}的記錄別{_shown(trimmed[:1])}有誤，首錄（H）與尾錄（T）之間每行都應以「D」開頭。",
            )
        if not MIN_DETAIL_WIDTH <= len(trimmed) <= LINE_WIDTH:
            raise _Rejected(
                WHOLE_RECORD,
                "LINE_LENGTH",
                f"{label}長 {len(trimmed)} 位元組，明細應為 {LINE_WIDTH} 位元組（僅電話可留空），"
                "請檢查該行是否多了或少了字元（中文字佔 2 位元組）。",
            )
        detail = _Detail(record_no, line.number, trimmed.ljust(LINE_WIDTH, b" "))
        return _referral(detail, line.raw, roster)
    except _Rejected as rejected:
        return RecordRejection(record_no, rejected.field, rejected.code, rejected.reason, line.raw)
    except Exception:
        # A bug must cost one line, not the whole roster: the facility gets a receipt for everyone else.
        return RecordRejection(
            record_no,
            WHOLE_RECORD,
            "INTERNAL_ERROR",
            f"{label}因系統錯誤無法處理，請告知毒品防制局資訊人員協助處理。",
            line.raw,
        )


class RosterAdapter:
    """Correctional facilities' release rosters (矯正機關出監名冊), inbound."""

    format: str = FORMAT
    content_types: frozenset[str] = frozenset({"text/plain"})

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        lines = _split_lines(body)
        facility = PARTNER_FACILITIES.get(partner)
        if facility is None:
            raise SubmissionRefused(
                "WRONG_FACILITY", "此格式僅供矯正機關及少年矯正機關傳送出監名冊。", field=HEADER_FACILITY.label
            )
        if not lines:
            raise SubmissionRefused("EMPTY_SUBMISSION", "上傳的名冊沒有任何內容，請確認匯出結果後重新傳送。")
        header, rest = lines[0], lines[1:]
        if not header.raw.startswith(b"H"):
            raise SubmissionRefused(
                "MISSING_HEADER",
                f"名冊第一行不是首錄，應為「H」加機關代碼加民國名冊日期（如 H{facility}1140720），"
                "請補上首錄後重新傳送。",
                field=RECORD_TYPE.label,
                record_count=sum(1 for line in lines if line.raw.startswith(b"D")),
            )
        trailer = rest[-1] if rest and rest[-1].raw.startswith(b"T") else None
        details = rest[:-1] if trailer else rest
        roster_date = _read_header(header, facility, len(details))
        _check_trailer(trailer, len(details))
        _check_facilities(details, facility)
        roster = _Roster(
            facility=facility,
            roster_date=roster_date,
            received_on=received_at.astimezone(TAIPEI).date(),
            youth=partner.startswith(YOUTH_PARTNER_PREFIX),
        )
        accepted: list[InboundReferral] = []
        rejected: list[RecordRejection] = []
        for record_no, line in enumerate(details, start=1):
            outcome = _parse_record(record_no, line, roster)
            if isinstance(outcome, RecordRejection):
                rejected.append(outcome)
            else:
                accepted.append(outcome)
        # The header is what a single detail line needs to be parsed again: its facility and roster date.
        return ParseResult(accepted=accepted, rejected=rejected, context=header.raw)


ADAPTER: InboundAdapter = RosterAdapter()


# --- writing the format (the inverse of parse) --------------------------------------------------------------


@dataclass(frozen=True)
class RosterDetail:
    """One inmate as a facility writes them on a roster line."""

    inmate_no: str
    name: str
    national_id: str
    birth_date: date
    gender: Gender
    expected_release_date: date
    release_type: str = "1"
    pregnant: bool = False
    needs: frozenset[str] = frozenset()
    postal_code: str = "800"
    phone: str | None = None


def _fixed(field: Field, value: bytes) -> bytes:
    if len(value) > field.width:
        raise ValueError(f"{field.label} is {len(value)} bytes, wider than its {field.width}-byte field")
    return value.ljust(field.width, b" ")


def format_detail_line(facility: str, detail: RosterDetail) -> bytes:
    """One ``D`` line of exactly 81 bytes, without its line end; ``ValueError`` if a value does not fit."""
    if facility not in FACILITIES:
        raise ValueError(f"unknown facility {facility!r}")
    unknown = detail.needs - set(NEEDS)
    if unknown:
        raise ValueError(f"unknown needs {sorted(unknown)}")
    if detail.release_type not in RELEASE_TYPES:
        raise ValueError(f"unknown release type {detail.release_type!r}")
    values = {
        RECORD_TYPE: b"D",
        FACILITY: facility.encode("ascii"),
        INMATE_NO: detail.inmate_no.encode("ascii"),
        NAME: detail.name.encode(ENCODING),
        NATIONAL_ID: detail.national_id.encode("ascii"),
        BIRTH_DATE: format_roc_date(detail.birth_date, "compact").encode("ascii"),
        GENDER: {"M": b"1", "F": b"2"}[detail.gender],
        RELEASE_DATE: format_roc_date(detail.expected_release_date, "compact").encode("ascii"),
        RELEASE_TYPE: detail.release_type.encode("ascii"),
        PREGNANT: b"Y" if detail.pregnant else b"N",
        NEEDS_FLAGS: bytes(ord("Y" if need in detail.needs else "N") for need in NEEDS),
        POSTAL_CODE: detail.postal_code.encode("ascii"),
        PHONE: (detail.phone or "").encode("ascii"),
    }
    return b"".join(_fixed(field, values[field]) for field in DETAIL_FIELDS)


def format_roster(facility: str, roster_date: date, details: Iterable[RosterDetail]) -> bytes:
    """A whole roster: header, one line per detail, trailer with the count; CRLF after every line."""
    lines = [
        b"H" + _fixed(HEADER_FACILITY, facility.encode("ascii")) + format_roc_date(roster_date, "compact").encode()
    ]
    lines.extend(format_detail_line(facility, detail) for detail in details)
    lines.append(b"T" + f"{len(lines) - 1:06d}".encode())
    return b"".join(line + b"\r\n" for line in lines)
