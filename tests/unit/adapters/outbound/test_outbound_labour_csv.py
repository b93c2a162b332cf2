"""LABOUR outbound CSV: BOM, CRLF, Chinese header, quoting, ROC dates."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from adapters.outbound.labour_csv import HEADER, render_labour_referrals
from tests.contract.outbound.samples import REFERRAL_ID, assignment, personal, tagged

BOM = b"\xef\xbb\xbf"


def employment(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "destination": "LABOUR",
        "kind": "SERVICE",
        "service_type": "EMPLOYMENT",
        "source": "BUREAU",
        "priority": "NORMAL",
        "attributes": {},
    }
    return assignment(**(fields | overrides))


def rows(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8"), newline="")))


def test_bom_crlf_header_and_one_row() -> None:
    rendered = render_labour_referrals(tagged((employment(), personal(need="堆高機證照", case_manager="王個管"))))
    assert rendered.content_type == "text/csv; charset=utf-8"
    body = rendered.body
    assert body.startswith(BOM + "轉介編號,姓名,聯絡電話,行政區,就業需求,轉介日期,個管員,通知類別\r\n".encode())
    assert body.endswith(b"\r\n")
    assert body.count(b"\r\n") == 2
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert rows(body) == [
        list(HEADER),
        [REFERRAL_ID, "林小雯", "0912000101", "鳳山區", "堆高機證照", "114/07/15", "王個管", "轉介"],
    ]


def test_referral_date_is_the_taiwan_day_in_roc_slash_form() -> None:
    # 2025-07-31 17:00 UTC is already 8 月 1 日 in Kaohsiung.
    late = employment(routed_at=datetime(2025, 7, 31, 17, 0, tzinfo=UTC))
    assert rows(render_labour_referrals(tagged((late, personal()))).body)[1][5] == "114/08/01"


def test_commas_quotes_and_newlines_are_quoted() -> None:
    need = '夜班,可"輪班"\n需交通'
    body = render_labour_referrals(tagged((employment(), personal(need=need, name="陳,大文")))).body
    assert '"夜班,可""輪班""\n需交通"'.encode() in body
    assert '"陳,大文"'.encode() in body
    assert rows(body)[1][1] == "陳,大文"
    assert rows(body)[1][4] == need


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_defused() -> None:
    body = render_labour_referrals(tagged((employment(), personal(name="=HYPERLINK(1)", need="@SUM(A1)")))).body
    row = rows(body)[1]
    assert (row[1], row[4]) == ("'=HYPERLINK(1)", "'@SUM(A1)")


def test_missing_values_are_empty_cells() -> None:
    body = render_labour_referrals(tagged((employment(district=None), {"name": "林小雯"}))).body
    assert rows(body)[1] == [REFERRAL_ID, "林小雯", "", "", "", "114/07/15", "", "轉介"]


def test_no_referrals_is_the_header_alone() -> None:
    assert render_labour_referrals([]).body == BOM + ",".join(HEADER).encode() + b"\r\n"


def test_rendering_is_deterministic() -> None:
    items = tagged((employment(), personal(need="就業")), (employment(referral_id="R-2"), personal(name="王小明")))
    assert render_labour_referrals(items) == render_labour_referrals(items)
    assert [row[0] for row in rows(render_labour_referrals(items).body)[1:]] == [REFERRAL_ID, "R-2"]


def test_an_erasure_notice_is_a_row_without_personal_data() -> None:
    from adapters.outbound.items import ErasureNoticeItem
    from tests.contract.outbound.samples import erasure_notice

    notice = erasure_notice(destination="LABOUR")
    body = render_labour_referrals([*tagged((employment(), personal())), ErasureNoticeItem(notice)]).body
    assert rows(body)[1][-1] == "轉介"
    assert rows(body)[2] == [REFERRAL_ID, "", "", "", "", "114/08/01", "", "塗銷"]
