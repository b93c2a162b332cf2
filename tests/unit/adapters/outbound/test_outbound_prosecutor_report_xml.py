"""PROS_* monthly progress report (處遇進度報告): structure, escaping, ROC date, parsed back with defusedxml."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element

import pytest

# defusedxml 0.7.1 ships no stubs and the project adds none (same convention as adapters/prosecutor_xml.py).
from defusedxml.ElementTree import fromstring as defused_fromstring  # type: ignore[import-untyped, unused-ignore]

from adapters.outbound.prosecutor_report_xml import ProgressReport, format_hours, render_progress_report
from tests.contract.outbound.samples import NATIONAL_ID, personal

REPORT = ProgressReport(
    referral_id="R-0a1b2c3d4e5f60718293",
    case_no="114年度偵字第12345號",
    partner_ref="雄檢114緩字第000123號",
    period="2025-08",
    hours_attended=12.0,
    hours_required=40,
    treatment_status="治療中",
    gap=None,
    issued_at=datetime(2025, 8, 5, 2, 0, tzinfo=UTC),
)


def fromstring(body: bytes) -> Element:
    """Parse as the prosecutors' side does: DTDs and entities forbidden."""
    root = defused_fromstring(body, forbid_dtd=True)
    assert isinstance(root, Element)
    return root


def parse(report: ProgressReport = REPORT, **fields: str | None) -> Element:
    rendered = render_progress_report(report, personal(**fields))
    assert rendered.content_type == "application/xml; charset=utf-8"
    return fromstring(rendered.body)


def test_report_in_the_official_document_style() -> None:
    root = parse()
    assert (root.tag, root.attrib) == ("處遇進度報告", {"版本": "1"})
    assert [child.tag for child in root] == [
        "發文機關", "發文日期", "原發文字號", "案號", "轉介編號", "被告", "期間", "社區處遇時數", "治療狀態",
    ]  # fmt: skip
    issuer = root.find("發文機關")
    assert issuer is not None
    assert (issuer.text, issuer.get("代碼")) == ("高雄市政府毒品防制局", "BUREAU")
    assert root.findtext("發文日期") == "中華民國114年8月5日"
    assert root.findtext("原發文字號") == "雄檢114緩字第000123號"
    assert root.findtext("案號") == "114年度偵字第12345號"
    assert root.findtext("轉介編號") == "R-0a1b2c3d4e5f60718293"
    assert root.findtext("被告/姓名") == "林小雯"
    assert root.findtext("被告/身分證統一編號") == NATIONAL_ID
    assert root.findtext("期間") == "2025-08"
    hours = root.find("社區處遇時數")
    assert hours is not None
    assert hours.attrib == {"已完成": "12", "應完成": "40"}
    assert root.findtext("治療狀態") == "治療中"
    assert root.find("斷點") is None


def test_document_is_utf8_with_declaration_and_cjk_as_itself() -> None:
    body = render_progress_report(REPORT, personal()).body
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<')
    assert "<治療狀態>治療中</治療狀態>".encode() in body
    assert b"&#" not in body


def test_markup_characters_are_escaped_and_survive_the_round_trip() -> None:
    gap = '7月2日起未到<門診> & 電話"關機"'
    report = dataclasses.replace(REPORT, gap=gap, partner_ref='雄檢"114"<緩>&字')
    root = parse(report, name="王<小>明&")
    assert root.findtext("斷點") == gap
    assert root.findtext("原發文字號") == '雄檢"114"<緩>&字'
    assert root.findtext("被告/姓名") == "王<小>明&"
    body = render_progress_report(report, personal(name="王<小>明&")).body
    assert '<斷點>7月2日起未到&lt;門診&gt; &amp; 電話"關機"</斷點>'.encode() in body


def test_issue_date_is_the_taiwan_day() -> None:
    # 2025-08-04 16:30 UTC is 8 月 5 日 00:30 in Kaohsiung.
    report = dataclasses.replace(REPORT, issued_at=datetime(2025, 8, 4, 16, 30, tzinfo=UTC))
    assert parse(report).findtext("發文日期") == "中華民國114年8月5日"


@pytest.mark.parametrize(("hours", "text"), [(0.0, "0"), (12.5, "12.5"), (7.25, "7.25"), (40.0, "40")])
def test_hours_are_written_as_a_clerk_would(hours: float, text: str) -> None:
    assert format_hours(hours) == text
    element = parse(dataclasses.replace(REPORT, hours_attended=hours)).find("社區處遇時數")
    assert element is not None
    assert element.get("已完成") == text


def test_rendering_is_deterministic() -> None:
    assert render_progress_report(REPORT, personal()) == render_progress_report(REPORT, personal())


@pytest.mark.parametrize(
    "changes",
    [{"period": "2025-8"}, {"period": "2025-13"}, {"hours_attended": -1.0}, {"hours_attended": float("nan")}],
)
def test_impossible_reports_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(REPORT, **changes)


def test_a_character_xml_cannot_carry_is_refused_not_written() -> None:
    with pytest.raises(ValueError, match="U\\+0007"):
        render_progress_report(dataclasses.replace(REPORT, gap="失聯\x07"), personal())


@pytest.mark.parametrize("missing", ["name", "national_id"])
def test_defendant_must_be_identified(missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        render_progress_report(REPORT, personal(**{missing: None}))


def test_defused_parser_accepts_it() -> None:
    # defusedxml refuses DTDs and entities: the report must contain neither for the prosecutors' parser.
    body = render_progress_report(dataclasses.replace(REPORT, gap="<!DOCTYPE x>"), personal()).body
    assert b"<!DOCTYPE" not in body
    assert fromstring(body).findtext("斷點") == "<!DOCTYPE x>"


def test_only_the_prosecutors_view_of_the_person_is_written() -> None:
    body = render_progress_report(REPORT, personal(inmate_no="11400123", phone="0912000101")).body
    assert b"11400123" not in body
    assert b"0912000101" not in body
    assert NATIONAL_ID.encode() in body
