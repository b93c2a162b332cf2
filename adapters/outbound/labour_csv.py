"""LABOUR outbound (勞工局就業轉介): employment referrals as the spreadsheet export labour reads.

CSV, UTF-8 with BOM (so a spreadsheet opens the Chinese correctly), CRLF, a Chinese header row
(PARTNER_FORMATS.md, "LABOUR"). ``轉介編號`` is the hub's referral id: labour quotes it back in its outcome
replies (已收案、已推介、已就業、未就業、失聯), which is how a reply finds its referral.

The trailing column ``通知類別`` says what a row is: ``轉介`` (a referral to act on) or ``塗銷`` (an erasure
notice, 少年事件處理法第83條之1: delete every record of that 轉介編號). A 塗銷 row carries no personal data: its
姓名, 聯絡電話, 行政區, 就業需求 and 個管員 are empty, and its 轉介日期 is the day the hub erased its own copy.
The other columns hold only what LABOUR's view allows (processors/privacy/views.toml; the registry filters
first): never a drug tier, a case number or criminal history.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any, Final

from adapters.outbound import Rendered, taipei_date
from adapters.outbound.items import ErasureNoticeItem, OutboundItem
from adapters.validation.roc_dates import format_roc_date

CONTENT_TYPE: Final = "text/csv; charset=utf-8"
ENCODING: Final = "utf-8-sig"
"""UTF-8 with the BOM written first: spreadsheet programs read a BOM-less CSV as the local code page."""

HEADER: Final = ("轉介編號", "姓名", "聯絡電話", "行政區", "就業需求", "轉介日期", "個管員", "通知類別")
REFERRAL_ROW: Final = "轉介"
ERASURE_ROW: Final = "塗銷"

# A cell starting with one of these is run as a formula when the file is opened in a spreadsheet (CSV
# injection). Names and needs come from partners and the public web form, so they are untrusted: such a cell
# is written with a leading apostrophe, which spreadsheets show as text and do not evaluate.
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def labour_row(assignment: Mapping[str, Any], personal: Mapping[str, Any]) -> tuple[str, ...]:
    """One referral as a row of :data:`HEADER`.

    轉介日期 is the day the hub referred it to labour (``routed_at``, Taiwan date, ROC ``114/07/15``): fixed
    in the ledger, so a re-pull gives the same date. 個管員 is the bureau's case manager, when known.
    """
    return (
        _cell(assignment["referral_id"]),
        _cell(personal.get("name")),
        _cell(personal.get("phone")),
        _cell(assignment.get("district")),
        _cell(personal.get("need")),
        format_roc_date(taipei_date(assignment["routed_at"]), "slash"),
        _cell(personal.get("case_manager")),
        REFERRAL_ROW,
    )


def erasure_row(notice: Mapping[str, Any]) -> tuple[str, ...]:
    """An erasure notice as a 塗銷 row: the referral id and the day, nothing about the person."""
    date = format_roc_date(taipei_date(notice["at"]), "slash")
    return (_cell(notice["referral_id"]), "", "", "", "", date, "", ERASURE_ROW)


def render_labour_referrals(items: Sequence[OutboundItem]) -> Rendered:
    """Header plus one row per assignment or erasure notice, in the order given; header only when there are none."""
    text = io.StringIO()
    # QUOTE_MINIMAL quotes exactly the cells holding a comma, a quote or a line break, and doubles the quotes.
    writer = csv.writer(text, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    writer.writerows(
        erasure_row(item.notice) if isinstance(item, ErasureNoticeItem) else labour_row(item.assignment, item.personal)
        for item in items
    )
    return Rendered(CONTENT_TYPE, text.getvalue().encode(ENCODING))
