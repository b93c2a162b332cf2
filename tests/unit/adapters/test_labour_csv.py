"""LABOUR CSV: the labour bureau's outcome replies → status updates (adapters.labour_csv)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import pytest

from adapters import labour_csv
from adapters.base import InboundStatusUpdate, ParseResult, RecordRejection, SubmissionRefused
from adapters.labour_csv import ADAPTER, COLUMNS, MAX_RECORD_LINES, REQUIRED_COLUMNS, LabourCsvAdapter
from adapters.validation import TAIPEI, make_national_id

RECEIVED_AT = datetime(2025, 8, 20, 9, 0, tzinfo=TAIPEI)
REFERRAL = "R-7ebb3c23c3584475a8d6"
BOM = b"\xef\xbb\xbf"


def row(**overrides: str) -> dict[str, str]:
    values = {"轉介編號": REFERRAL, "回覆日期": "114/08/15", "狀態": "已就業", "就業單位": "大發物流", "備註": "理貨員"}
    values.update(overrides)
    return values


def encode_line(cells: Sequence[str]) -> bytes:
    """One CSV record as a spreadsheet writes it (a cell holding a line break is quoted), without its line end."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerow(cells)
    return text.getvalue().removesuffix("\r\n").encode("utf-8")


def body(*rows: dict[str, str], columns: Sequence[str] = COLUMNS, bom: bool = True, newline: bytes = b"\r\n") -> bytes:
    lines = [encode_line(columns)] + [encode_line([values.get(c, "") for c in columns]) for values in rows]
    return (BOM if bom else b"") + newline.join(lines) + newline


def parse(data: bytes) -> ParseResult:
    return ADAPTER.parse(data, "LABOUR", RECEIVED_AT)


def only_accepted(data: bytes) -> InboundStatusUpdate:
    result = parse(data)
    assert result.rejected == []
    [record] = result.accepted
    assert isinstance(record, InboundStatusUpdate)
    return record


def only_rejection(data: bytes) -> RecordRejection:
    result = parse(data)
    assert result.accepted == []
    [rejection] = result.rejected
    return rejection


def refusal(data: bytes) -> SubmissionRefused:
    with pytest.raises(SubmissionRefused) as caught:
        parse(data)
    return caught.value


def test_declares_its_format_and_media_type() -> None:
    assert isinstance(ADAPTER, LabourCsvAdapter)
    assert ADAPTER.format == "LABOUR_CSV"
    assert ADAPTER.content_types == frozenset({"text/csv"})


# --- accepted replies


def test_reply_becomes_a_status_update() -> None:
    data = body(row())
    record = only_accepted(data)
    header_line, record_line = data.split(b"\r\n")[:2]
    assert record.record_no == 1
    assert record.referral_id == REFERRAL
    assert record.state == "COMPLETED"
    assert record.at == datetime(2025, 8, 15, 0, 0, tzinfo=TAIPEI)
    assert record.partner_ref == f"{REFERRAL}|COMPLETED|2025-08-15T00:00:00+08:00"
    assert record.reason_code is None
    assert record.attributes == {"employed": "Y"}
    assert record.personal_extra == {"employer": "大發物流", "note": "理貨員"}
    assert record.raw == record_line
    assert parse(data).context == header_line.removeprefix(BOM) == encode_line(COLUMNS)


@pytest.mark.parametrize(
    ("status", "state", "reason_code", "attributes"),
    [
        ("已收案", "ACCEPTED", None, {}),
        ("已推介", "IN_PROGRESS", None, {}),
        ("已就業", "COMPLETED", None, {"employed": "Y"}),
        ("未就業", "COMPLETED", None, {"employed": "N"}),
        ("失聯", "REJECTED", "NO_CONTACT", {}),
        (" 失聯 ", "REJECTED", "NO_CONTACT", {}),
    ],
)
def test_status_maps_onto_the_lifecycle(
    status: str, state: str, reason_code: str | None, attributes: dict[str, str]
) -> None:
    record = only_accepted(body(row(狀態=status)))
    assert (record.state, record.reason_code, record.attributes) == (state, reason_code, attributes)


@pytest.mark.parametrize("date_text", ["114/08/15", "1140815", "中華民國114年8月15日"])
def test_roc_dates_in_every_form(date_text: str) -> None:
    assert only_accepted(body(row(回覆日期=date_text))).at == datetime(2025, 8, 15, tzinfo=TAIPEI)


def test_without_bom_and_with_lf_parses_the_same() -> None:
    with_bom = parse(body(row(), row(狀態="失聯")))
    plain = parse(body(row(), row(狀態="失聯"), bom=False, newline=b"\n"))
    assert [replace(r, raw=b"") for r in plain.accepted] == [replace(r, raw=b"") for r in with_bom.accepted]
    assert plain.context == with_bom.context == encode_line(COLUMNS)


def test_empty_employer_and_remark_are_not_given() -> None:
    assert only_accepted(body(row(就業單位="", 備註=""))).personal_extra == {}


def test_employer_and_remark_never_travel_as_attributes() -> None:
    record = only_accepted(body(row()))
    assert not {"大發物流", "理貨員"} & set(record.attributes.values())


def test_a_quoted_remark_may_span_lines_and_hold_commas() -> None:
    data = body(row(備註="面試兩次未錄取，\r\n本人表示暫不再找", 就業單位="大發物流, 小港站"), row(狀態="已收案"))
    result = parse(data)
    assert [r.record_no for r in result.accepted] == [1, 2]
    first = result.accepted[0]
    assert isinstance(first, InboundStatusUpdate)
    assert first.personal_extra == {"employer": "大發物流, 小港站", "note": "面試兩次未錄取，\r\n本人表示暫不再找"}
    assert first.raw in data
    assert first.raw.count(b"\r\n") == 1


def test_columns_in_any_order_and_unknown_columns_ignored() -> None:
    columns = ("備註", "狀態", "承辦人", "回覆日期", "轉介編號")
    record = only_accepted(body(row(承辦人="李專員"), columns=columns))
    assert (record.referral_id, record.state) == (REFERRAL, "COMPLETED")
    assert record.personal_extra == {"note": "理貨員"}


def test_only_required_columns_are_needed() -> None:
    assert only_accepted(body(row(), columns=REQUIRED_COLUMNS)).personal_extra == {}


def test_blank_rows_are_skipped_and_not_counted() -> None:
    data = BOM + b"\r\n".join([encode_line(COLUMNS), b"", encode_line(list(row().values())), b",,,,", b"  ", b""])
    result = parse(data)
    assert [r.record_no for r in result.accepted] == [1]


def test_header_only_is_an_empty_result() -> None:
    result = parse(body())
    assert (result.accepted, result.rejected) == ([], [])


# --- rejected rows


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"轉介編號": ""}, "轉介編號", "MISSING_VALUE"),
        ({"轉介編號": "KDPB-SR-114-00077"}, "轉介編號", "UNKNOWN_REFERRAL_ID"),
        ({"轉介編號": REFERRAL.upper()}, "轉介編號", "UNKNOWN_REFERRAL_ID"),
        ({"回覆日期": ""}, "回覆日期", "MISSING_VALUE"),
        ({"回覆日期": "114/02/30"}, "回覆日期", "INVALID_DATE"),
        ({"回覆日期": "2025-08-15"}, "回覆日期", "INVALID_DATE"),
        ({"狀態": ""}, "狀態", "MISSING_VALUE"),
        ({"狀態": "已結案"}, "狀態", "INVALID_STATUS"),
        ({"狀態": "COMPLETED"}, "狀態", "INVALID_STATUS"),
    ],
)
def test_bad_field_is_rejected_naming_it(overrides: dict[str, str], field: str, code: str) -> None:
    rejection = only_rejection(body(row(**overrides)))
    assert (rejection.record_no, rejection.field, rejection.code) == (1, field, code)
    assert f"「{field}」" in rejection.reason


def test_reason_quotes_the_referral_id_once_read() -> None:
    rejection = only_rejection(body(row(狀態="已結案")))
    assert rejection.reason.startswith(f"第 1 筆（轉介編號 {REFERRAL}）的「狀態」有誤：")


def test_national_id_in_the_referral_column_is_masked() -> None:
    national_id = make_national_id("E", "10003333")
    rejection = only_rejection(body(row(轉介編號=national_id)))
    assert national_id not in rejection.reason


def test_wrong_cell_count_is_rejected() -> None:
    data = body(row()) + encode_line([REFERRAL, "114/08/16", "已收案"]) + b"\r\n"
    result = parse(data)
    [rejection] = result.rejected
    assert (rejection.record_no, rejection.field, rejection.code) == (2, "(整筆)", "COLUMN_COUNT")


def test_unpaired_quote_costs_one_line_and_reading_resumes() -> None:
    bad = REFERRAL.encode() + b',114/08/16,"\xe5\xb7\xb2\xe6\x94\xb6\xe6\xa1\x88,,'
    data = body(row()).rstrip(b"\r\n") + b"\r\n" + bad + b"\r\n" + encode_line(list(row(狀態="已收案").values()))
    result = parse(data)
    assert [r.record_no for r in result.accepted] == [1, 3]
    [rejection] = result.rejected
    assert (rejection.record_no, rejection.code, rejection.raw) == (2, "MALFORMED_ROW", bad)


def test_a_runaway_quote_is_bounded() -> None:
    runaway = encode_line([REFERRAL, "114/08/16", "已收案", "", ""])[:-1] + b'"never closed'
    lines = [encode_line(list(row().values()))] * (MAX_RECORD_LINES + 5)
    data = body(row()) + runaway + b"\r\n" + b"\r\n".join(lines) + b"\r\n"
    result = parse(data)
    assert [(r.record_no, r.code) for r in result.rejected] == [(2, "MALFORMED_ROW")]
    assert len(result.accepted) == 1 + MAX_RECORD_LINES + 5


def test_a_bug_costs_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    real = labour_csv._status_update

    def broken(record_no: int, cells: list[str], header: labour_csv._Header, raw: bytes) -> InboundStatusUpdate:
        if record_no == 2:
            raise IndexError("bug")
        return real(record_no, cells, header, raw)

    monkeypatch.setattr(labour_csv, "_status_update", broken)
    result = parse(body(row(), row(), row()))
    assert [r.record_no for r in result.accepted] == [1, 3]
    assert [(r.record_no, r.code) for r in result.rejected] == [(2, "INTERNAL_ERROR")]


# --- refused files


def test_big5_export_is_refused_as_encoding() -> None:
    data = "\r\n".join([",".join(COLUMNS), f"{REFERRAL},114/08/15,已就業,大發物流,"]).encode("cp950")
    refused = refusal(data)
    assert (refused.code, refused.record_count) == ("ENCODING", 1)
    assert "Big5" in refused.reason


def test_other_encodings_are_refused_as_encoding() -> None:
    assert refusal(body(row()).decode("utf-8").encode("utf-16")).code == "ENCODING"


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", BOM, b",,,,\r\n"])
def test_empty_file_is_refused(data: bytes) -> None:
    assert refusal(data).code == "EMPTY_SUBMISSION"


def test_not_a_labour_csv_is_refused() -> None:
    assert refusal(b"name,phone\r\nA,B\r\n").code == "NOT_CSV"
    assert refusal(b'"unterminated\r\n').code == "NOT_CSV"


def test_missing_required_column_is_refused() -> None:
    refused = refusal(body(row(), columns=("轉介編號", "回覆日期", "備註")))
    assert (refused.code, refused.field, refused.record_count) == ("MISSING_COLUMN", "狀態", 1)


def test_duplicate_column_is_refused() -> None:
    refused = refusal(body(row(), columns=(*COLUMNS, "狀態")))
    assert (refused.code, refused.field) == ("DUPLICATE_COLUMN", "狀態")


def test_each_record_replays_from_the_context_and_its_own_bytes() -> None:
    data = body(row(備註="兩行\r\n備註"), row(狀態="失聯", 回覆日期="114/08/16"))
    result = parse(data)
    for record in result.accepted:
        replayed = only_accepted(result.context + b"\r\n" + record.raw + b"\r\n")
        assert replace(replayed, record_no=record.record_no) == record
