"""PROS_* outbound: the monthly progress report (處遇進度報告) on a deferred-prosecution case (緩起訴).

The bureau reports the community-treatment hours (社區處遇時數) a client attended so the prosecutor does not
revoke the deferral (撤銷緩起訴). XML, UTF-8, in the official-document style (公文) of the prosecutors' own
``<轉介函>`` (PARTNER_FORMATS.md, "PROS_KS / PROS_CT / PROS_MIL"): Chinese element names, ``版本="1"``,
發文日期 as 中華民國年月日, and the prosecutor's 發文字號 quoted back as 原發文字號 so they can file it.

Built with ElementTree, which escapes ``<&>"`` in text and attributes; characters XML 1.0 cannot carry at all
(control characters) are refused rather than written into a document the prosecutor's parser would reject.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from adapters.outbound import Rendered, taipei_date
from adapters.validation.roc_dates import format_roc_date
from processors.privacy.views import disclose, view_for

CONTENT_TYPE: Final = "application/xml; charset=utf-8"
PROSECUTORS: Final = "PROS_KS"
"""Whose view a report is filtered through: every PROS_* office has the same one (the PROS_* family's)."""
ISSUER_CODE: Final = "BUREAU"
ISSUER_NAME: Final = "高雄市政府毒品防制局"
DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8"?>\n'

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])", re.ASCII)
# XML 1.0 Char production minus what the reader would see as whitespace anyway: tab, LF and CR are allowed.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class ProgressReport:
    """One month of one deferred-prosecution case, as the bureau reports it."""

    referral_id: str
    case_no: str
    """案號, e.g. ``114年度偵字第12345號``."""
    partner_ref: str
    """The prosecutor's 發文字號 on the original 轉介函."""
    period: str
    """``YYYY-MM``, the month reported."""
    hours_attended: float
    hours_required: int
    treatment_status: str
    """治療狀態, e.g. 治療中 / 已完成 / 未開始."""
    gap: str | None
    """斷點: why care is interrupted (e.g. 失聯、未到治療), or None."""
    issued_at: datetime

    def __post_init__(self) -> None:
        if _PERIOD.fullmatch(self.period) is None:
            raise ValueError(f"period {self.period!r} is not YYYY-MM")
        if not 0 <= self.hours_attended < float("inf"):
            raise ValueError(f"hours_attended {self.hours_attended!r} must be a finite number ≥ 0")
        if self.hours_required < 0:
            raise ValueError(f"hours_required {self.hours_required!r} must be ≥ 0")


def format_hours(hours: float) -> str:
    """``12.0`` → ``12``, ``12.5`` → ``12.5``: hours as a clerk writes them, to at most two decimals."""
    return f"{hours:.2f}".rstrip("0").rstrip(".")


def _text(value: Any, label: str) -> str:
    text = str(value)
    bad = _NOT_XML_CHAR.search(text)
    if bad is not None:
        raise ValueError(f"{label} holds U+{ord(bad.group()):04X}, which an XML document cannot carry")
    return text


def _child(parent: ET.Element, tag: str, value: Any) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _text(value, tag)
    return element


def _required(personal: Mapping[str, Any], key: str, label: str) -> Any:
    value = personal.get(key)
    if not value:
        # The prosecutor matches the report to the defendant by name and ID: a report without them is unfiled.
        raise ValueError(f"personal {key} ({label}) is required in a progress report")
    return value


def progress_report_element(report: ProgressReport, personal: Mapping[str, Any]) -> ET.Element:
    """The ``<處遇進度報告>`` element tree, with only what the prosecutors' view allows of ``personal``."""
    personal, _ = disclose(view_for(PROSECUTORS, "DEFERRED_PROSECUTION"), personal, {})
    root = ET.Element("處遇進度報告", {"版本": "1"})
    issuer = _child(root, "發文機關", ISSUER_NAME)
    issuer.set("代碼", ISSUER_CODE)
    _child(root, "發文日期", format_roc_date(taipei_date(report.issued_at), "official"))
    _child(root, "原發文字號", report.partner_ref)
    _child(root, "案號", report.case_no)
    _child(root, "轉介編號", report.referral_id)
    defendant = ET.SubElement(root, "被告")
    _child(defendant, "姓名", _required(personal, "name", "姓名"))
    _child(defendant, "身分證統一編號", _required(personal, "national_id", "身分證統一編號"))
    _child(root, "期間", report.period)
    ET.SubElement(
        root,
        "社區處遇時數",
        {"已完成": format_hours(report.hours_attended), "應完成": str(report.hours_required)},
    )
    _child(root, "治療狀態", report.treatment_status)
    if report.gap:
        _child(root, "斷點", report.gap)
    return root


def render_progress_report(report: ProgressReport, personal: Mapping[str, Any]) -> Rendered:
    """The report as a UTF-8 XML document with declaration, indented like the prosecutors' own letters."""
    root = progress_report_element(report, personal)
    ET.indent(root, space="  ")
    body = DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
    return Rendered(CONTENT_TYPE, body.encode("utf-8"))
