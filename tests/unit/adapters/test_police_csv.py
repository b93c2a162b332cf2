from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from adapters import police_csv
from adapters.base import FieldError, InboundReferral, ParseResult, Place, RecordRejection, SubmissionRefused
from adapters.police_csv import ADAPTER, COLUMNS, REQUIRED_COLUMNS, PoliceCsvAdapter
from adapters.validation import make_national_id

TAIPEI = ZoneInfo("Asia/Taipei")
RECEIVED_AT = datetime(2025, 7, 16, 9, 0, tzinfo=TAIPEI)
SUBJECT_ID = make_national_id("E", "20000013")
EUDC_BYTES = b"\xfa\x40"  # a user-defined character (造字), as a police terminal sends 堃, which CP950 lacks


def row(**overrides: str) -> dict[str, str]:
    """A valid 兒少保護 row; keyword arguments replace columns by their Chinese label."""
    values = {
        "通報編號": "KPD-1140715-0031",
        "類別": "兒少保護",
        "通報時間": "114/07/15 14:30",
        "查獲案號": "雄警刑114字第0715號",
        "場所類型": "住宅",
        "姓名": "林小雯",
        "身分證統一編號": SUBJECT_ID,
        "出生日期": "078/04/12",
        "性別": "女",
        "聯絡電話": "0912-000-101",
        "行政區": "鳳山區",
        "毒品級別": "第二級",
        "子女年齡": "3;7",
        "同意轉介": "",
        "承辦人": "陳正義",
    }
    values.update(overrides)
    return values


def encode_line(cells: Sequence[str]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="").writerow(cells)
    return text.getvalue().encode("cp950")


def record_line(values: dict[str, str], columns: Sequence[str] = COLUMNS) -> bytes:
    return encode_line([values.get(column, "") for column in columns])


def body(*rows: dict[str, str], columns: Sequence[str] = COLUMNS, newline: bytes = b"\r\n") -> bytes:
    lines = [encode_line(columns)] + [record_line(values, columns) for values in rows]
    return newline.join(lines) + newline


def parse(data: bytes) -> ParseResult:
    return ADAPTER.parse(data, "POLICE", RECEIVED_AT)


def only_accepted(data: bytes) -> InboundReferral:
    result = parse(data)
    assert result.rejected == []
    assert len(result.accepted) == 1
    return result.accepted[0]


def only_rejection(data: bytes) -> RecordRejection:
    result = parse(data)
    assert result.accepted == []
    assert len(result.rejected) == 1
    return result.rejected[0]


def refusal(data: bytes) -> SubmissionRefused:
    with pytest.raises(SubmissionRefused) as caught:
        parse(data)
    return caught.value


# --- the adapter's face


def test_declares_its_format_and_media_type() -> None:
    assert isinstance(ADAPTER, PoliceCsvAdapter)
    assert ADAPTER.format == "POLICE_CSV"
    assert ADAPTER.content_types == frozenset({"text/csv"})


# --- accepted records


def test_child_protection_row_becomes_a_referral() -> None:
    data = body(row())
    referral = only_accepted(data)
    header_line, record_line = data.split(b"\r\n")[:2]
    assert referral.record_no == 1
    assert referral.partner_ref == "KPD-1140715-0031"
    assert referral.kind == "CHILD_PROTECTION"
    assert referral.legal_basis == "兒童及少年福利與權益保障法第53條"
    assert referral.occurred_at == datetime(2025, 7, 15, 14, 30, tzinfo=TAIPEI)
    assert referral.subject.national_id == SUBJECT_ID
    assert referral.subject.name == "林小雯"
    assert referral.subject.birth_date is not None and referral.subject.birth_date.isoformat() == "1989-04-12"
    assert referral.subject.gender == "F"
    assert referral.subject.phone == "0912000101"
    assert referral.place == Place("830", "鳳山區", out_of_area=False)
    assert referral.attributes == {
        "drug_tier": "2",
        "venue_type": "住宅",
        "children_ages": "3;7",
    }
    assert referral.personal_extra == {"officer": "陳正義", "raid_case_no": "雄警刑114字第0715號"}
    assert referral.raw == record_line
    assert parse(data).context == header_line


@pytest.mark.parametrize(
    ("category", "extra", "kind", "legal_basis"),
    [
        ("兒少保護", {}, "CHILD_PROTECTION", "兒童及少年福利與權益保障法第53條"),
        ("再犯防止", {"同意轉介": "是"}, "RECIDIVISM_PREVENTION", "毒品危害防制條例第2條之1"),
        ("講習", {"毒品級別": "第三級"}, "LECTURE", "毒品危害防制條例第11條之1"),
        ("講習", {"毒品級別": "第四級"}, "LECTURE", "毒品危害防制條例第11條之1"),
    ],
)
def test_category_decides_kind_and_legal_basis(
    category: str, extra: dict[str, str], kind: str, legal_basis: str
) -> None:
    referral = only_accepted(body(row(類別=category, **extra)))
    assert (referral.kind, referral.legal_basis) == (kind, legal_basis)


def test_optional_fields_may_be_empty() -> None:
    optional = ("查獲案號", "場所類型", "出生日期", "性別", "聯絡電話", "毒品級別", "子女年齡", "承辦人")
    referral = only_accepted(body(row(**dict.fromkeys(optional, ""))))
    assert referral.attributes == {}
    assert referral.personal_extra == {}
    subject = referral.subject
    assert (subject.birth_date, subject.gender, subject.phone) == (None, None, None)


def test_only_required_columns_are_needed() -> None:
    referral = only_accepted(body(row(), columns=REQUIRED_COLUMNS))
    assert referral.kind == "CHILD_PROTECTION"
    assert referral.attributes == {}


def test_unknown_columns_are_ignored() -> None:
    columns = (*COLUMNS, "備註")
    assert only_accepted(body(row(備註="夜間查獲"), columns=columns)).partner_ref == "KPD-1140715-0031"


def test_consent_is_recorded_when_given() -> None:
    assert only_accepted(body(row(同意轉介="否"))).attributes["consent"] == "N"
    referral = only_accepted(body(row(類別="再犯防止", 同意轉介="是")))
    assert referral.attributes["consent"] == "Y"


def test_officer_never_travels_as_an_attribute() -> None:
    referral = only_accepted(body(row(承辦人="吳守仁")))
    assert "吳守仁" not in referral.attributes.values()
    assert referral.personal_extra["officer"] == "吳守仁"


def test_children_ages_are_normalised() -> None:
    assert only_accepted(body(row(子女年齡="03; 7；0"))).attributes["children_ages"] == "3;7;0"


def test_district_by_postal_code_and_out_of_area() -> None:
    assert only_accepted(body(row(行政區="842"))).place == Place("842", "旗山區")
    assert only_accepted(body(row(行政區="100"))).place == Place("100", None, out_of_area=True)


def test_cp950_only_characters_decode() -> None:
    # 碁 is one of the ETEN characters CP950 adds to Big5 (F9D6).
    data = body(row(姓名="黃碁峰"))
    assert b"\xf9\xd6" in data
    referral = only_accepted(data)
    assert referral.subject.name == "黃碁峰"


def test_columns_may_come_in_any_order() -> None:
    in_order = only_accepted(body(row()))
    reversed_order = only_accepted(body(row(), columns=tuple(reversed(COLUMNS))))
    assert replace(reversed_order, raw=b"") == replace(in_order, raw=b"")


def test_lf_only_body_parses_like_crlf() -> None:
    rows = (row(), row(通報編號="KPD-1140715-0032", 姓名="王大同", 性別="男"))
    crlf = parse(body(*rows))
    lf = parse(body(*rows, newline=b"\n"))
    assert lf.accepted == crlf.accepted
    assert lf.context == crlf.context
    assert all(not r.raw.endswith((b"\r", b"\n")) for r in crlf.accepted)


def test_blank_lines_are_skipped_and_not_counted() -> None:
    header, first, second = encode_line(COLUMNS), record_line(row()), record_line(row(通報編號="KPD-2"))
    data = b"\r\n".join([b"", header, b"", first, b"   ", b",,,,", second, b"", b""])
    result = parse(data)
    assert [r.record_no for r in result.accepted] == [1, 2]
    assert [r.partner_ref for r in result.accepted] == ["KPD-1140715-0031", "KPD-2"]
    assert result.context == header


def test_header_only_is_an_empty_result() -> None:
    result = parse(body())
    assert result == ParseResult(accepted=[], rejected=[], context=encode_line(COLUMNS))


# --- one bad record among good ones


def test_undecodable_row_is_one_rejection_and_the_rest_parse() -> None:
    good = record_line(row())
    bad = record_line(row(通報編號="KPD-1140715-0040", 姓名="李X")).replace(b"X", EUDC_BYTES)
    also_good = record_line(row(通報編號="KPD-1140715-0041"))
    data = b"\r\n".join([encode_line(COLUMNS), good, bad, also_good]) + b"\r\n"
    result = parse(data)
    assert [r.record_no for r in result.accepted] == [1, 3]
    [rejection] = result.rejected
    assert (rejection.record_no, rejection.field, rejection.code) == (2, "(整筆)", "ENCODING")
    assert rejection.raw == bad
    assert "KPD-1140715-0040" in rejection.reason
    assert "姓名" in rejection.reason


def test_mixed_batch_numbers_records_in_file_order() -> None:
    data = body(
        row(通報編號="R1"),
        row(通報編號="R2", 身分證統一編號="A123456788"),
        row(通報編號="R3", 類別="再犯防止", 同意轉介="是"),
        row(通報編號="R4", 出生日期="070/02/30"),
    )
    result = parse(data)
    assert [(r.record_no, r.partner_ref) for r in result.accepted] == [(1, "R1"), (3, "R3")]
    assert [(r.record_no, r.code) for r in result.rejected] == [(2, "INVALID_CHECKSUM"), (4, "INVALID_DATE")]
    lines = data.split(b"\r\n")
    assert [r.raw for r in result.rejected] == [lines[2], lines[4]]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"通報編號": ""}, "通報編號", "MISSING_VALUE"),
        ({"通報編號": "K" * 65}, "通報編號", "INVALID_FORMAT"),
        ({"類別": "詐欺"}, "類別", "UNKNOWN_CATEGORY"),
        ({"類別": ""}, "類別", "MISSING_VALUE"),
        ({"通報時間": "114/02/30 10:00"}, "通報時間", "INVALID_DATETIME"),
        ({"通報時間": "114/07/15"}, "通報時間", "INVALID_DATETIME"),
        ({"通報時間": ""}, "通報時間", "MISSING_VALUE"),
        ({"場所類型": "KTV"}, "場所類型", "INVALID_VENUE_TYPE"),
        ({"姓名": ""}, "姓名", "MISSING_VALUE"),
        ({"身分證統一編號": "A123456788"}, "身分證統一編號", "INVALID_CHECKSUM"),
        ({"身分證統一編號": "A12345"}, "身分證統一編號", "INVALID_FORMAT"),
        ({"身分證統一編號": ""}, "身分證統一編號", "MISSING_VALUE"),
        ({"出生日期": "070/02/30"}, "出生日期", "INVALID_DATE"),
        ({"出生日期": "114/07/16"}, "出生日期", "INVALID_DATE"),  # born after the report
        ({"性別": "M"}, "性別", "INVALID_GENDER"),
        ({"聯絡電話": "12345"}, "聯絡電話", "INVALID_PHONE"),
        ({"行政區": "東區"}, "行政區", "UNKNOWN_DISTRICT"),
        ({"行政區": "999"}, "行政區", "UNKNOWN_DISTRICT"),
        ({"行政區": ""}, "行政區", "MISSING_VALUE"),
        ({"毒品級別": "第五級"}, "毒品級別", "INVALID_DRUG_TIER"),
        ({"類別": "講習", "毒品級別": "第二級"}, "毒品級別", "INVALID_DRUG_TIER"),
        ({"類別": "講習", "毒品級別": ""}, "毒品級別", "INVALID_DRUG_TIER"),
        ({"子女年齡": "3;18"}, "子女年齡", "INVALID_CHILD_AGES"),
        ({"子女年齡": "3;x"}, "子女年齡", "INVALID_CHILD_AGES"),
        ({"子女年齡": "3;;7"}, "子女年齡", "INVALID_CHILD_AGES"),
        ({"子女年齡": "-1"}, "子女年齡", "INVALID_CHILD_AGES"),
        ({"類別": "再犯防止", "同意轉介": "否"}, "同意轉介", "CONSENT_REQUIRED"),
        ({"類別": "再犯防止", "同意轉介": ""}, "同意轉介", "CONSENT_REQUIRED"),
        ({"類別": "再犯防止", "同意轉介": "Y"}, "同意轉介", "CONSENT_REQUIRED"),
        ({"同意轉介": "Y"}, "同意轉介", "INVALID_CONSENT"),
    ],
)
def test_each_bad_field_rejects_its_record(overrides: dict[str, str], field: str, code: str) -> None:
    rejection = only_rejection(body(row(**overrides)))
    assert (rejection.record_no, rejection.field, rejection.code) == (1, field, code)
    assert field in rejection.reason
    assert rejection.reason.endswith("。")


def test_consent_reason_says_consent_is_required() -> None:
    rejection = only_rejection(body(row(類別="再犯防止", 同意轉介="否")))
    assert "同意" in rejection.reason
    assert "KPD-1140715-0031" in rejection.reason


def test_reason_quotes_the_reference_and_masks_the_id() -> None:
    rejection = only_rejection(body(row(身分證統一編號="A123456788")))
    assert "KPD-1140715-0031" in rejection.reason
    assert "A123456788" not in rejection.reason
    assert "A12****788" in rejection.reason


def test_missing_reference_falls_back_to_the_record_number() -> None:
    [rejection] = parse(body(row(), row(通報編號=""))).rejected
    assert rejection.record_no == 2
    assert "第 2 筆" in rejection.reason


@pytest.mark.parametrize("columns", [COLUMNS, tuple(reversed(COLUMNS))])
def test_only_the_first_failing_field_in_contract_order_is_reported(columns: Sequence[str]) -> None:
    data = body(row(身分證統一編號="A123456788", 聯絡電話="12345", 行政區="東區"), columns=columns)
    rejection = only_rejection(data)
    assert (rejection.field, rejection.code) == ("身分證統一編號", "INVALID_CHECKSUM")


def test_wrong_number_of_columns() -> None:
    good_line = record_line(row())
    data = b"\r\n".join([encode_line(COLUMNS), good_line + b",extra", good_line[: good_line.rindex(b",")]])
    result = parse(data)
    assert result.accepted == []
    assert [(r.record_no, r.field, r.code) for r in result.rejected] == [
        (1, "(整筆)", "COLUMN_COUNT"),
        (2, "(整筆)", "COLUMN_COUNT"),
    ]
    assert "KPD-1140715-0031" in result.rejected[0].reason


def test_broken_quoting_rejects_the_row() -> None:
    line = record_line(row()).replace(b"KPD-1140715-0031", b'"KPD"-1140715-0031', 1)
    rejection = only_rejection(encode_line(COLUMNS) + b"\r\n" + line)
    assert (rejection.field, rejection.code) == ("(整筆)", "MALFORMED_ROW")


def test_an_unexpected_error_costs_one_row_not_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(text: str) -> Place:
        if text == "前鎮區":
            raise RuntimeError("bug")
        raise FieldError("UNKNOWN_DISTRICT", "x")

    monkeypatch.setattr(police_csv, "resolve_place", explode)
    result = parse(body(row(行政區="前鎮區"), row(行政區="鳳山區")))
    assert [(r.record_no, r.code) for r in result.rejected] == [
        (1, "INTERNAL_ERROR"),
        (2, "UNKNOWN_DISTRICT"),
    ]


# --- refusing the whole submission


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"   \r\n", b",,,\r\n"])
def test_empty_submission(data: bytes) -> None:
    assert refusal(data).code == "EMPTY_SUBMISSION"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x06\x00",
        b"name,id\r\nfoo,bar\r\n",
        record_line(row()) + b"\r\n",  # data without its header
    ],
)
def test_not_csv(data: bytes) -> None:
    assert refusal(data).code == "NOT_CSV"


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_export_is_refused_with_an_encoding_hint(bom: bytes) -> None:
    text = ",".join(COLUMNS) + "\r\n" + ",".join(row().values()) + "\r\n"
    refused = refusal(bom + text.encode("utf-8"))
    assert refused.code == "ENCODING"
    assert "CP950" in refused.reason
    assert refused.record_count == 1


@pytest.mark.parametrize("missing", REQUIRED_COLUMNS)
def test_missing_required_column(missing: str) -> None:
    columns = [c for c in COLUMNS if c != missing]
    refused = refusal(body(row(), row(), columns=columns))
    assert (refused.code, refused.field) == ("MISSING_COLUMN", missing)
    assert missing in refused.reason
    assert refused.record_count == 2


def test_duplicate_column() -> None:
    refused = refusal(body(row(), columns=(*COLUMNS, "姓名")))
    assert (refused.code, refused.field) == ("DUPLICATE_COLUMN", "姓名")
