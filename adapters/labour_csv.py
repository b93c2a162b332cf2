"""LABOUR inbound adapter: the labour bureau's outcome replies (勞工局就業轉介回覆) → status updates.

CSV in UTF-8 from a spreadsheet export, usually with a BOM, header row ``轉介編號,回覆日期,狀態,就業單位,備註``
(PARTNER_FORMATS.md, "LABOUR"). ``轉介編號`` is the hub's referral id quoted back; ``狀態`` maps onto the lifecycle:

=========  ===========  ===================================
狀態        state        also
=========  ===========  ===================================
已收案      ACCEPTED
已推介      IN_PROGRESS
已就業      COMPLETED    attribute ``employed=Y``
未就業      COMPLETED    attribute ``employed=N``
失聯        REJECTED     reason ``NO_CONTACT``
=========  ===========  ===================================

``回覆日期`` is an ROC date with no time: the update is dated 00:00 Asia/Taipei of that day. The employer
(就業單位) and the remark (備註) may identify the person, so they travel sealed in ``personal_extra``.

Unlike the police export, the whole body is decoded first: a spreadsheet puts a remark typed with Alt+Enter in
quotes across two lines, so records are found by the CSV reader, not by line breaks. A file that is not UTF-8
(a Big5 export) is refused whole; a row whose quotes do not pair costs that one line, and reading resumes at
the next. Columns may come in any order; unknown columns are ignored; blank rows are skipped, not counted.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Final, TypeVar

from adapters.base import (
    FieldError,
    InboundAdapter,
    InboundStatusUpdate,
    ParseResult,
    RecordRejection,
    SubmissionRefused,
)
from adapters.status_json import WHOLE_RECORD, MessageRejected, parse_referral_id, record_label, reject, status_ref
from adapters.validation import TAIPEI, parse_roc_date
from adapters.validation.text import TextKind, check_characters, clean, quote

FORMAT: Final = "LABOUR_CSV"

# Column labels, as the labour bureau's sheet writes them.
REFERRAL_ID: Final = "轉介編號"
REPLIED_ON: Final = "回覆日期"
STATUS: Final = "狀態"
EMPLOYER: Final = "就業單位"
REMARK: Final = "備註"
COLUMNS: Final = (REFERRAL_ID, REPLIED_ON, STATUS, EMPLOYER, REMARK)
REQUIRED_COLUMNS: Final = (REFERRAL_ID, REPLIED_ON, STATUS)
FREE_TEXT_COLUMNS: Final = frozenset({REMARK})
"""Columns of a clerk's own words, which may keep a line break (Alt+Enter) or a tab; every other is one line."""


@dataclass(frozen=True)
class Outcome:
    """What a ``狀態`` means in the hub's lifecycle."""

    state: str
    reason_code: str | None = None
    employed: str | None = None


OUTCOMES: Final[Mapping[str, Outcome]] = {
    "已收案": Outcome("ACCEPTED"),
    "已推介": Outcome("IN_PROGRESS"),
    "已就業": Outcome("COMPLETED", employed="Y"),
    "未就業": Outcome("COMPLETED", employed="N"),
    "失聯": Outcome("REJECTED", reason_code="NO_CONTACT"),
}

_UTF8_BOM = b"\xef\xbb\xbf"
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_EXPORT_HINT = "請以「CSV UTF-8」格式重新匯出後傳送"
MAX_RECORD_LINES: Final = 50
"""A quoted remark may span lines, but no further: an unpaired quote must not swallow the rest of the file."""

T = TypeVar("T")


# --- the submission: text, physical lines, CSV records ------------------------------------------------------


def _decode(body: bytes) -> str:
    try:
        return body.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = [line for line in body.splitlines() if line.strip(b" \t,")]
    try:
        body.decode("cp950")
        found = "看來是 Big5（CP950）編碼"
    except UnicodeDecodeError:
        found = "不是 UTF-8 編碼"
    raise SubmissionRefused(
        "ENCODING", f"檔案{found}，勞工局回覆約定使用 UTF-8，{_EXPORT_HINT}。", record_count=max(len(lines) - 1, 0)
    )


@dataclass(frozen=True)
class _Record:
    cells: list[str] | None
    """None when the quotes do not pair."""
    text: str
    """The record's own text, without its final line end."""


class _Lines(Iterator[str]):
    """Physical lines from ``start``, counting how many the CSV reader has taken."""

    def __init__(self, lines: list[str], start: int) -> None:
        self._lines = lines
        self._limit = min(len(lines), start + MAX_RECORD_LINES)
        self.taken = start

    def __next__(self) -> str:
        if self.taken >= self._limit:
            raise StopIteration
        self.taken += 1
        return self._lines[self.taken - 1]


def _records(text: str) -> Iterator[_Record]:
    """CSV records in order, each with its own text; blank rows are skipped."""
    lines = _PHYSICAL_LINE.findall(text)
    at = 0
    while at < len(lines):
        source = _Lines(lines, at)
        try:
            cells: list[str] | None = next(csv.reader(source, strict=True))
        except csv.Error:
            cells, source.taken = None, at + 1  # resynchronise on the next physical line
        except StopIteration:
            return
        record_text = "".join(lines[at : source.taken]).removesuffix("\n").removesuffix("\r")
        at = source.taken
        if cells is None or any(cell.strip() for cell in cells):
            yield _Record(cells, record_text)


@dataclass(frozen=True)
class _Header:
    positions: Mapping[str, int]
    width: int


def _read_header(cells: list[str] | None, record_count: int) -> _Header:
    labels = [label.strip() for label in cells or []]
    known = [label for label in labels if label in COLUMNS]
    if not known:
        raise SubmissionRefused(
            "NOT_CSV",
            f"檔案內容不是勞工局回覆 CSV：第一列須為含「{REFERRAL_ID}」「{STATUS}」等欄名的標題列，{_EXPORT_HINT}。",
            record_count=record_count,
        )
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
        raise SubmissionRefused(
            "MISSING_COLUMN",
            f"標題列缺少必要欄位{''.join(f'「{label}」' for label in missing)}，請以完整欄位重新匯出後傳送。",
            field=missing[0],
            record_count=record_count,
        )
    return _Header({label: labels.index(label) for label in known}, len(labels))


# --- one record ---------------------------------------------------------------------------------------------


class _Row:
    """One row's cells by label; a validator's error becomes this row's rejection."""

    def __init__(self, record_no: int, cells: list[str], header: _Header) -> None:
        self.where = record_label(record_no)
        self._cells = cells
        self._header = header

    def text(self, label: str) -> str:
        """Every field is read here, so every field's characters are checked here, before trimming."""
        position = self._header.positions.get(label)
        if position is None:
            return ""
        kind: TextKind = "free" if label in FREE_TEXT_COLUMNS else "line"
        try:
            return check_characters(self._cells[position], kind).strip()
        except FieldError as error:
            raise reject(self.where, label, error.code, error.reason) from None

    def required(self, label: str, parse: Callable[[str], T]) -> T:
        if not self.text(label):
            raise reject(self.where, label, "MISSING_VALUE", "此欄為必填，請補填後重新傳送。")
        try:
            return parse(self.text(label))
        except FieldError as error:
            raise reject(self.where, label, error.code, error.reason) from None


def _outcome(text: str) -> Outcome:
    outcome = OUTCOMES.get(clean(text))
    if outcome is None:
        raise FieldError("INVALID_STATUS", f"{quote(text)}不是約定的狀態，請填寫{'、'.join(OUTCOMES)}其中之一。")
    return outcome


def _status_update(record_no: int, cells: list[str], header: _Header, raw: bytes) -> InboundStatusUpdate:
    row = _Row(record_no, cells, header)
    referral_id = row.required(REFERRAL_ID, parse_referral_id)
    row.where = record_label(record_no, REFERRAL_ID, referral_id)
    replied_on = row.required(REPLIED_ON, parse_roc_date)
    outcome = row.required(STATUS, _outcome)
    at = datetime.combine(replied_on, time(0, 0), tzinfo=TAIPEI)
    extra = {"employer": row.text(EMPLOYER), "note": row.text(REMARK)}
    return InboundStatusUpdate(
        record_no=record_no,
        partner_ref=status_ref(referral_id, outcome.state, at),
        referral_id=referral_id,
        state=outcome.state,
        at=at,
        raw=raw,
        reason_code=outcome.reason_code,
        attributes={"employed": outcome.employed} if outcome.employed else {},
        personal_extra={key: value for key, value in extra.items() if value},
    )


def _parse_record(record_no: int, record: _Record, header: _Header) -> InboundStatusUpdate | RecordRejection:
    raw = record.text.encode("utf-8")
    try:
        if record.cells is None:
            raise MessageRejected(
                WHOLE_RECORD,
                "MALFORMED_ROW",
                f"第 {record_no} 筆的引號不成對，無法分欄，請檢查該筆資料中的雙引號後重新傳送。",
            )
        if len(record.cells) != header.width:
            raise MessageRejected(
                WHOLE_RECORD,
                "COLUMN_COUNT",
                f"第 {record_no} 筆有 {len(record.cells)} 個欄位，但標題列有 {header.width} 個欄位，"
                "請檢查是否多了或少了逗號（內容含逗號時須以雙引號括住）。",
            )
        return _status_update(record_no, record.cells, header, raw)
    except MessageRejected as rejected:
        return RecordRejection(record_no, rejected.field, rejected.code, rejected.reason, raw)
    except Exception:
        # A bug must cost one row, not the whole file: the partner gets a receipt for everything else.
        return RecordRejection(
            record_no,
            WHOLE_RECORD,
            "INTERNAL_ERROR",
            f"第 {record_no} 筆因系統錯誤無法處理，請將轉介編號告知毒品防制局資訊人員協助處理。",
            raw,
        )


class LabourCsvAdapter:
    """The labour bureau's outcome replies (勞工局就業轉介回覆), inbound."""

    format: str = FORMAT
    content_types: frozenset[str] = frozenset({"text/csv"})

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        records = list(_records(_decode(body)))
        if not records:
            raise SubmissionRefused("EMPTY_SUBMISSION", "上傳的檔案沒有任何內容，請確認匯出結果後重新傳送。")
        header_record, data = records[0], records[1:]
        header = _read_header(header_record.cells, record_count=len(data))
        outcomes = [_parse_record(record_no, record, header) for record_no, record in enumerate(data, start=1)]
        return ParseResult(
            accepted=[outcome for outcome in outcomes if isinstance(outcome, InboundStatusUpdate)],
            rejected=[outcome for outcome in outcomes if isinstance(outcome, RecordRejection)],
            # The header alone, without the BOM: what one record needs to be parsed again on replay.
            context=header_record.text.encode("utf-8"),
        )


ADAPTER: InboundAdapter = LabourCsvAdapter()
