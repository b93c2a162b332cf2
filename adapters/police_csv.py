"""POLICE inbound adapter: the police bureau's export (警察局通報 CSV) → referrals.

CSV in CP950 (Big5) with CRLF line ends and a header row of Chinese column names, one file per export;
``類別`` decides the referral kind (PARTNER_FORMATS.md, "POLICE").

The body is split into lines on bytes before anything is decoded: CP950 trail bytes are never CR, LF or a
comma, so a line break in the bytes is always a line break in the text, and one undecodable row (a 造字 in a
name) costs that row alone. The price: a quoted value cannot span lines (the police export never does).
Columns may come in any order and unknown columns are ignored; a row reports only its first bad field,
checked in the contract's column order. Blank lines are skipped and not counted as records.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Final, TypeVar

from adapters.base import (
    FieldError,
    InboundAdapter,
    InboundReferral,
    ParseResult,
    Person,
    RecordRejection,
    SubmissionRefused,
)
from adapters.base import RecordRefused as _Rejected
from adapters.validation import (
    normalise_phone,
    parse_gender,
    parse_roc_date,
    parse_roc_datetime,
    resolve_place,
    validate_national_id,
)
from adapters.validation.text import check_characters, clean, has_invalid_characters, quote

FORMAT: Final = "POLICE_CSV"
ENCODING: Final = "cp950"
WHOLE_RECORD: Final = "(整筆)"
"""The rejection ``field`` when the problem is the row itself, not one of its columns."""

# Column labels, as the police system writes them.
REF: Final = "通報編號"
CATEGORY: Final = "類別"
REPORTED_AT: Final = "通報時間"
RAID_CASE_NO: Final = "查獲案號"
VENUE_TYPE: Final = "場所類型"
NAME: Final = "姓名"
NATIONAL_ID: Final = "身分證統一編號"
BIRTH_DATE: Final = "出生日期"
GENDER: Final = "性別"
PHONE: Final = "聯絡電話"
DISTRICT: Final = "行政區"
DRUG_TIER: Final = "毒品級別"
CHILDREN_AGES: Final = "子女年齡"
CONSENT: Final = "同意轉介"
OFFICER: Final = "承辦人"

COLUMNS: Final = (
    REF, CATEGORY, REPORTED_AT, RAID_CASE_NO, VENUE_TYPE, NAME, NATIONAL_ID, BIRTH_DATE, GENDER, PHONE,
    DISTRICT, DRUG_TIER, CHILDREN_AGES, CONSENT, OFFICER,
)  # fmt: skip
"""Every column of the contract, in the order a row's fields are checked."""

REQUIRED_COLUMNS: Final = (REF, CATEGORY, REPORTED_AT, NAME, NATIONAL_ID, DISTRICT)
"""Columns every row needs a value in; a file without one of them is refused whole. 毒品級別 and 同意轉介 are
required only by some categories, so their absence is reported on the rows that need them."""


@dataclass(frozen=True)
class Category:
    """What a ``類別`` value means: the referral kind and the law it is made under."""

    kind: str
    legal_basis: str


CHILD_PROTECTION: Final = Category("CHILD_PROTECTION", "兒童及少年福利與權益保障法第53條")
RECIDIVISM_PREVENTION: Final = Category("RECIDIVISM_PREVENTION", "毒品危害防制條例第2條之1")
LECTURE: Final = Category("LECTURE", "毒品危害防制條例第11條之1")
CATEGORIES: Final[Mapping[str, Category]] = MappingProxyType(
    {"兒少保護": CHILD_PROTECTION, "再犯防止": RECIDIVISM_PREVENTION, "講習": LECTURE}
)
VENUE_TYPES: Final = ("視聽歌唱", "舞廳", "酒吧", "酒家", "夜店", "住宿", "電子遊戲場", "資訊休閒", "住宅")
DRUG_TIERS: Final[Mapping[str, str]] = MappingProxyType({"第一級": "1", "第二級": "2", "第三級": "3", "第四級": "4"})
LECTURE_TIERS: Final = frozenset({"3", "4"})
"""講習 (毒品危害防制條例第11條之1) applies to tier 3 and tier 4 drugs only."""
CONSENT_VALUES: Final[Mapping[str, str]] = MappingProxyType({"是": "Y", "否": "N"})
MAX_CHILD_AGE: Final = 17
MAX_REF_LENGTH: Final = 64

_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_BLANK_LINE_BYTES = b" \t,\x1a"  # spreadsheet exports pad with ",,,," rows and DOS ones end with Ctrl-Z
_UTF8_BOM = b"\xef\xbb\xbf"
_EXPORT_HINT = "請以 Big5（CP950）編碼的 CSV 重新匯出後傳送"

T = TypeVar("T")


@dataclass(frozen=True)
class _Header:
    positions: Mapping[str, int]
    """Known column label → its index in every row."""
    width: int


# --- the submission -----------------------------------------------------------------------------------------


def _split_lines(body: bytes) -> list[bytes]:
    """Non-blank lines, each without its line end."""
    return [line for line in _LINE_BREAK.split(body) if line.strip(_BLANK_LINE_BYTES)]


def _split_csv_line(text: str) -> list[str]:
    """One line's cells; ``csv.Error`` if its quoting is broken."""
    return next(csv.reader([text], strict=True), [])


def _looks_like_utf8_export(raw: bytes) -> bool:
    try:
        text = raw.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(label in text for label in REQUIRED_COLUMNS)


def _refuse_unreadable_header(raw: bytes, record_count: int) -> SubmissionRefused:
    if raw.startswith(_UTF8_BOM) or _looks_like_utf8_export(raw):
        return SubmissionRefused(
            "ENCODING",
            f"檔案是 UTF-8 編碼，不是警察局通報約定的 Big5（CP950），{_EXPORT_HINT}。",
            record_count=record_count,
        )
    return SubmissionRefused(
        "NOT_CSV",
        "檔案內容不是警察局通報 CSV：第一列須為含「通報編號」「類別」等欄名的標題列，" + _EXPORT_HINT + "。",
        record_count=record_count,
    )


def _read_header(raw: bytes, record_count: int) -> _Header:
    """Locate the columns; refuse the submission if the header is unreadable or lacks a required column."""
    if raw.startswith(_UTF8_BOM):
        # A BOM decodes as CP950 into a stray character glued to the first label: say "wrong encoding",
        # not "missing column".
        raise _refuse_unreadable_header(raw, record_count)
    try:
        labels = [label.strip() for label in _split_csv_line(raw.decode(ENCODING))]
    except (UnicodeDecodeError, csv.Error):
        raise _refuse_unreadable_header(raw, record_count) from None
    known = [label for label in labels if label in COLUMNS]
    if not known:
        raise _refuse_unreadable_header(raw, record_count)
    for label in known:
        if known.count(label) > 1:
            raise SubmissionRefused(
                "DUPLICATE_COLUMN",
                f"標題列中「{label}」欄出現兩次，無法判斷該用哪一欄，請刪除重複的欄位後重新傳送。",
                field=label,
                record_count=record_count,
            )
    missing = [label for label in REQUIRED_COLUMNS if label not in known]
    if missing:
        names = "、".join(f"「{label}」" for label in missing)
        raise SubmissionRefused(
            "MISSING_COLUMN",
            f"標題列缺少必要欄位{names}，請以完整欄位重新匯出後傳送。",
            field=missing[0],
            record_count=record_count,
        )
    return _Header(MappingProxyType({label: labels.index(label) for label in known}), len(labels))


# --- one record ---------------------------------------------------------------------------------------------


def _record_label(record_no: int, ref: str) -> str:
    return f"第 {record_no} 筆（通報編號 {ref}）" if ref else f"第 {record_no} 筆"


def _best_effort_cells(raw: bytes, header: _Header) -> list[str] | None:
    """The row's cells with undecodable bytes replaced, only to say where a problem is; None if unsure."""
    try:
        cells = _split_csv_line(raw.decode(ENCODING, errors="replace"))
    except csv.Error:
        return None
    return cells if len(cells) == header.width else None


def _best_effort_ref(cells: list[str], header: _Header) -> str:
    position = header.positions[REF]
    ref = cells[position].strip() if position < len(cells) else ""
    readable = "\ufffd" not in ref and not has_invalid_characters(ref)  # a reason never shows a NUL
    return ref if ref and readable and len(ref) <= MAX_REF_LENGTH else ""


def _decode(record_no: int, raw: bytes, header: _Header) -> str:
    try:
        return raw.decode(ENCODING)
    except UnicodeDecodeError:
        pass
    cells = _best_effort_cells(raw, header)
    ref = _best_effort_ref(cells, header) if cells else ""
    bad = [label for label, at in header.positions.items() if cells and "\ufffd" in cells[at]]
    where = "的「" + "」「".join(bad) + "」欄" if bad else ""
    raise _Rejected(
        WHOLE_RECORD,
        "ENCODING",
        f"{_record_label(record_no, ref)}{where}含有無法以 Big5（CP950）解讀的文字（可能是造字），"
        "請改用標準字後重新傳送。",
    )


def _cells(record_no: int, text: str, header: _Header) -> list[str]:
    try:
        cells = _split_csv_line(text)
    except csv.Error:
        raise _Rejected(
            WHOLE_RECORD,
            "MALFORMED_ROW",
            f"第 {record_no} 筆的引號不成對，無法分欄，請檢查該筆資料中的雙引號後重新傳送。",
        ) from None
    if len(cells) != header.width:
        raise _Rejected(
            WHOLE_RECORD,
            "COLUMN_COUNT",
            f"{_record_label(record_no, _best_effort_ref(cells, header))}有 {len(cells)} 個欄位，"
            f"但標題列有 {header.width} 個欄位，請檢查是否多了或少了逗號（內容含逗號時須以雙引號括住）。",
        )
    return cells


class _Row:
    """One decoded row: reads fields by label and turns a validator's error into this row's rejection."""

    def __init__(self, record_no: int, cells: list[str], header: _Header) -> None:
        self.record_no = record_no
        self.ref = ""  # known once 通報編號 has been read, so later reasons can quote it
        self._cells = cells
        self._header = header

    def text(self, label: str) -> str:
        """Every field is read here, so every field's characters are checked here, before trimming."""
        position = self._header.positions.get(label)
        if position is None:
            return ""
        try:
            return check_characters(self._cells[position]).strip()
        except FieldError as error:
            raise self.reject(label, error.code, error.reason) from None

    def reject(self, label: str, code: str, detail: str) -> _Rejected:
        return _Rejected(label, code, f"{_record_label(self.record_no, self.ref)}的「{label}」有誤：{detail}")

    def required(self, label: str, parse: Callable[[str], T]) -> T:
        if not self.text(label):
            raise self.reject(label, "MISSING_VALUE", "此欄為必填，請補填後重新傳送。")
        return self._parse(label, parse)

    def optional(self, label: str, parse: Callable[[str], T]) -> T | None:
        return self._parse(label, parse) if self.text(label) else None

    def _parse(self, label: str, parse: Callable[[str], T]) -> T:
        try:
            return parse(self.text(label))
        except FieldError as error:
            raise self.reject(label, error.code, error.reason) from None


# --- field parsers peculiar to this format ------------------------------------------------------------------


def _parse_ref(text: str) -> str:
    if len(text) > MAX_REF_LENGTH:
        raise FieldError("INVALID_FORMAT", f"通報編號超過 {MAX_REF_LENGTH} 個字元，請確認是否誤填其他內容。")
    return text


def _parse_category(text: str) -> Category:
    category = CATEGORIES.get(clean(text))
    if category is None:
        raise FieldError(
            "UNKNOWN_CATEGORY", f"{quote(text)}不是可受理的類別，請填寫「兒少保護」、「再犯防止」或「講習」。"
        )
    return category


def _parse_venue_type(text: str) -> str:
    venue = clean(text)
    if venue not in VENUE_TYPES:
        raise FieldError(
            "INVALID_VENUE_TYPE",
            f"{quote(text)}不是約定的場所類型，請填寫{'、'.join(VENUE_TYPES)}其中之一，或留空。",
        )
    return venue


def _parse_drug_tier(text: str) -> str:
    tier = DRUG_TIERS.get(clean(text))
    if tier is None:
        raise FieldError("INVALID_DRUG_TIER", f"{quote(text)}不是有效的毒品級別，請填寫「第一級」至「第四級」。")
    return tier


def _parse_children_ages(text: str) -> str:
    """``3;7`` → ``3;7``: each age a whole number of years, 0–17 (a child under the 兒少權法)."""
    ages = [piece.strip() for piece in clean(text).split(";")]
    if not all(age.isascii() and age.isdigit() and int(age) <= MAX_CHILD_AGE for age in ages):
        raise FieldError(
            "INVALID_CHILD_AGES",
            f"{quote(text)}不是有效的子女年齡，請填寫 0 至 {MAX_CHILD_AGE} 的整數歲數，多名子女以分號分隔，如 3;7。",
        )
    return ";".join(str(int(age)) for age in ages)


def _parse_consent(text: str) -> str:
    consent = CONSENT_VALUES.get(clean(text))
    if consent is None:
        raise FieldError("INVALID_CONSENT", f"{quote(text)}不是有效的值，同意轉介請填寫「是」或「否」。")
    return consent


# --- the referral -------------------------------------------------------------------------------------------


def _referral(row: _Row, raw: bytes) -> InboundReferral:
    """Check the row's fields in the contract's order and build the referral; the first failure rejects it."""
    row.ref = row.required(REF, _parse_ref)
    category = row.required(CATEGORY, _parse_category)
    occurred_at = row.required(REPORTED_AT, parse_roc_datetime)
    raid_case_no = row.text(RAID_CASE_NO)
    venue_type = row.optional(VENUE_TYPE, _parse_venue_type)
    name = row.required(NAME, str)
    national_id = row.required(NATIONAL_ID, validate_national_id)
    birth_date = row.optional(BIRTH_DATE, parse_roc_date)
    if birth_date is not None and birth_date > occurred_at.date():
        raise row.reject(BIRTH_DATE, "INVALID_DATE", "出生日期晚於通報時間，請核對出生日期的民國年。")
    gender = row.optional(GENDER, lambda text: parse_gender(text, "zh"))
    phone = row.optional(PHONE, normalise_phone)
    place = row.required(DISTRICT, resolve_place)
    drug_tier = row.optional(DRUG_TIER, _parse_drug_tier)
    if category == LECTURE and drug_tier not in LECTURE_TIERS:
        raise row.reject(
            DRUG_TIER, "INVALID_DRUG_TIER", "講習僅適用於第三級或第四級毒品，請填寫「第三級」或「第四級」。"
        )
    children_ages = row.optional(CHILDREN_AGES, _parse_children_ages)
    consent = _consent(row, category)
    officer = row.text(OFFICER)
    personal_extra = {"officer": officer, "raid_case_no": raid_case_no}

    attributes = {
        "drug_tier": drug_tier,
        "venue_type": venue_type,
        "children_ages": children_ages,
        "consent": consent,
    }
    return InboundReferral(
        record_no=row.record_no,
        partner_ref=row.ref,
        kind=category.kind,
        occurred_at=occurred_at,
        subject=Person(national_id=national_id, name=name, birth_date=birth_date, gender=gender, phone=phone),
        place=place,
        legal_basis=category.legal_basis,
        raw=raw,
        attributes={key: value for key, value in attributes.items() if value},
        # The officer's name is personal data, and the raid case number (查獲案號) leads straight to the person in
        # the police file: both travel sealed with the subject's data (shredded with it on 塗銷), not as attributes.
        personal_extra={key: value for key, value in personal_extra.items() if value},
    )


def _consent(row: _Row, category: Category) -> str | None:
    """同意轉介: a recidivism-prevention referral (毒品危害防制條例第2條之1) needs the subject's consent."""
    if category != RECIDIVISM_PREVENTION:
        return row.optional(CONSENT, _parse_consent)
    if CONSENT_VALUES.get(clean(row.text(CONSENT))) != "Y":
        raise row.reject(
            CONSENT,
            "CONSENT_REQUIRED",
            "再犯防止推進計畫的轉介須經當事人同意，請填寫「是」；當事人未同意時不得以「再犯防止」類別轉介。",
        )
    return "Y"


def _parse_record(record_no: int, raw: bytes, header: _Header) -> InboundReferral | RecordRejection:
    try:
        cells = _cells(record_no, _decode(record_no, raw, header), header)
        return _referral(_Row(record_no, cells, header), raw)
    except _Rejected as rejected:
        return RecordRejection(record_no, rejected.field, rejected.code, rejected.reason, raw)
    except Exception:
        # A bug must cost one row, not the whole file: the partner gets a receipt for everything else.
        return RecordRejection(
            record_no,
            WHOLE_RECORD,
            "INTERNAL_ERROR",
            f"第 {record_no} 筆因系統錯誤無法處理，請將通報編號告知毒品防制局資訊人員協助處理。",
            raw,
        )


class PoliceCsvAdapter:
    """The police bureau's CSV export (警察局通報), inbound."""

    format: str = FORMAT
    content_types: frozenset[str] = frozenset({"text/csv"})

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        lines = _split_lines(body)
        if not lines:
            raise SubmissionRefused("EMPTY_SUBMISSION", "上傳的檔案沒有任何內容，請確認匯出結果後重新傳送。")
        header_raw, records = lines[0], lines[1:]
        header = _read_header(header_raw, record_count=len(records))
        accepted: list[InboundReferral] = []
        rejected: list[RecordRejection] = []
        for record_no, raw in enumerate(records, start=1):
            outcome = _parse_record(record_no, raw, header)
            if isinstance(outcome, RecordRejection):
                rejected.append(outcome)
            else:
                accepted.append(outcome)
        return ParseResult(accepted=accepted, rejected=rejected, context=header_raw)


ADAPTER: InboundAdapter = PoliceCsvAdapter()
